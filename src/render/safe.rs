//! Makes text that wisp did not write (the model's words and arguments, MCP servers' names and
//! messages, repository files, saved sessions, other programs' output) harmless to print.
//!
//! A terminal obeys bytes, not intentions: `ESC[2K\r` erases what was shown, `ESC[8m` hides what
//! follows, `ESC[50A` moves up to redraw an earlier line, OSC 52 writes the clipboard, OSC 0 sets
//! the window title, and bidi overrides reorder what the eye reads. Every such character is
//! shown escaped (`\e[2K\r`, `\u{202e}`), never dropped, so the user sees that something was
//! there and sees exactly the text that will be used. The same text is printed in terminals,
//! pipes and plain mode, so a log shows what the user was shown.

use std::borrow::Cow;

/// Multi-line text: keeps `\n` (a `\r` just before it is dropped) and `\t`; everything else
/// that a terminal would act on is escaped.
pub fn text(s: &str) -> Cow<'_, str> {
    escape(s, false, false)
}

/// One line (a name, a path, a title): `\n` and `\t` are escaped as well.
pub fn line(s: &str) -> Cow<'_, str> {
    escape(s, true, false)
}

/// The output boundary: lines that wisp composed (its own colours around text already made
/// safe). Keeps well-formed SGR sequences (colour and weight, `ESC [ digits m`) and escapes every
/// other control, so that a string a caller forgot to escape still cannot move the cursor,
/// clear the screen, set the title or reach the clipboard.
pub fn terminal(s: &str) -> Cow<'_, str> {
    escape(s, false, true)
}

/// Bidirectional formatting characters (Unicode's "Trojan Source" set and the invisible marks).
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn needs_escape(c: char, one_line: bool) -> bool {
    match c {
        '\n' | '\t' => one_line,
        c if (c as u32) < 0x20 || ('\u{7f}'..='\u{9f}').contains(&c) => true,
        c => is_bidi(c),
    }
}

/// Length of an SGR sequence (`ESC [ 0-9;: m`) at the start of `s`, if there is one.
fn sgr_len(s: &str) -> Option<usize> {
    let rest = s.strip_prefix("\x1b[")?;
    let params = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';' || *b == b':')
        .count();
    if rest.as_bytes().get(params) != Some(&b'm') || conceals(&rest[..params]) {
        return None;
    }
    Some(params + 3)
}

/// Whether SGR parameters include 8, "conceal", which hides the text after
/// it; the numbers inside an extended colour (`38;5;8`) are colours, not 8.
fn conceals(params: &str) -> bool {
    let mut it = params.split([';', ':']);
    while let Some(p) = it.next() {
        match p {
            "38" | "48" | "58" => match it.next() {
                Some("5") => {
                    it.next();
                }
                Some("2") => {
                    it.nth(2);
                }
                _ => {}
            },
            "8" | "08" => return true,
            _ => {}
        }
    }
    false
}

fn escape(s: &str, one_line: bool, keep_sgr: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_escape(c, one_line)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if keep_sgr && c == '\x1b' {
            if let Some(n) = sgr_len(rest) {
                out.push_str(&rest[..n]);
                rest = &rest[n..];
                continue;
            }
        }
        rest = &rest[c.len_utf8()..];
        if !needs_escape(c, one_line) {
            out.push(c);
            continue;
        }
        match c {
            '\r' if !one_line && rest.starts_with('\n') => {}
            '\x1b' => out.push_str("\\e"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(text("plain\ttext\nnext"), Cow::Borrowed(_)));
        assert!(matches!(line("héllo wörld"), Cow::Borrowed(_)));
    }

    #[test]
    fn sequences_are_shown_not_obeyed() {
        assert_eq!(text("ok\x1b[2K\rrm -rf ~"), "ok\\e[2K\\rrm -rf ~");
        assert_eq!(text("a\x1b[8mhidden"), "a\\e[8mhidden");
        assert_eq!(text("\x1b[50Aup"), "\\e[50Aup");
        // OSC 52 (clipboard) and OSC 0 (title), ended by BEL or ST.
        assert_eq!(
            text("\x1b]52;c;ZWNobyBoaQ==\x07x"),
            "\\e]52;c;ZWNobyBoaQ==\\x07x"
        );
        assert_eq!(text("\x1b]0;title\x1b\\"), "\\e]0;title\\e\\");
        assert_eq!(text("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(text("del\x7f"), "del\\x7f");
        assert_eq!(text("bell\x07"), "bell\\x07");
    }

    #[test]
    fn bidi_overrides_are_visible() {
        assert_eq!(text("a\u{202e}cba\u{202c}"), "a\\u{202e}cba\\u{202c}");
        assert_eq!(line("x\u{2066}y\u{2069}"), "x\\u{2066}y\\u{2069}");
    }

    #[test]
    fn line_breaks_depend_on_the_kind_of_text() {
        assert_eq!(text("one\r\ntwo\n"), "one\ntwo\n");
        assert_eq!(text("one\rtwo"), "one\\rtwo");
        assert_eq!(line("one\ntwo\tthree"), "one\\ntwo\\tthree");
    }

    #[test]
    fn terminal_keeps_colour_only() {
        let s = "\x1b[1mbold\x1b[0m \x1b[38;5;8mgrey\x1b[0m";
        assert_eq!(terminal(s), s);
        assert_eq!(
            terminal("\x1b[1mx\x1b[0m\x1b[2K\x1b]52;c;QQ==\x07"),
            "\x1b[1mx\x1b[0m\\e[2K\\e]52;c;QQ==\\x07"
        );
        // Conceal (8) hides what follows even at the boundary; a colour numbered 8 does not.
        assert_eq!(terminal("a\x1b[8mb"), "a\\e[8mb");
        assert_eq!(terminal("a\x1b[1;8mb"), "a\\e[1;8mb");
        assert_eq!(terminal("\x1b[48;2;8;8;8mx"), "\x1b[48;2;8;8;8mx");
        // An unfinished or non-SGR CSI is escaped.
        assert_eq!(terminal("\x1b[31"), "\\e[31");
        assert_eq!(terminal("\x1b[?25l"), "\\e[?25l");
    }
}
