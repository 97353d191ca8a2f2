//! Screen-reader speech: complete markdown lines in, spoken lines out.
//!
//! A screen reader reads punctuation aloud or skips it, so `--plain` says the structure in
//! words instead: emphasis and code markers go, a heading is "heading: text", a bullet is
//! "item: text" (nesting said as "nested"), a table is one line per row of "column: value"
//! pairs, and a code block is announced with its language and length, printed without fences
//! and closed with "end of code". Code blocks and tables are held until they are complete so
//! nothing is announced twice; everything else is spoken as soon as its line is complete.
//! Fences, rules and links are recognised exactly as the styled renderer recognises them.

use std::fmt::Write as _;

use super::markdown::{is_closing_fence, is_rule, links, opening_fence, Fence};

/// The state between lines: an open code block, a table being collected, list nesting.
#[derive(Default)]
pub struct Speech {
    /// Inside a fenced code block: its fence, language and lines so far.
    code: Option<Code>,
    /// Rows of the table being collected, as their raw lines.
    table: Vec<String>,
    /// Indentation of each open list level, outermost first.
    lists: Vec<usize>,
}

struct Code {
    fence: Fence,
    lang: String,
    lines: Vec<String>,
}

impl Speech {
    /// Speaks one complete line (without its newline) into `out`, one `\n` per spoken line.
    pub fn line(&mut self, line: &str, out: &mut String) {
        if let Some(code) = &mut self.code {
            if is_closing_fence(line, code.fence) {
                self.end_code(out);
            } else {
                code.lines.push(line.to_string());
            }
            return;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('|') {
            self.table.push(trimmed.to_string());
            return;
        }
        self.end_table(out);
        let indent = line.len() - trimmed.len();
        if let Some(fence) = opening_fence(line).filter(|_| indent < 4) {
            // The language is the info string's first word (```` ```rust ````, ```` ```{.rust} ````).
            let info = trimmed.trim_start_matches(['`', '~']);
            let lang = info.split_whitespace().next().unwrap_or("");
            self.code = Some(Code {
                fence,
                lang: lang.trim_matches(['{', '}', '.']).to_string(),
                lines: Vec::new(),
            });
            return;
        }
        if trimmed.is_empty() {
            out.push('\n');
            return;
        }
        if is_rule(trimmed) {
            // A rule is decoration: nothing to say.
            return;
        }
        if let Some((marker, text)) = list_item(trimmed) {
            while self.lists.last().is_some_and(|&i| i > indent) {
                self.lists.pop();
            }
            if self.lists.last().is_none_or(|&i| i < indent) {
                self.lists.push(indent);
            }
            match self.lists.len() {
                1 => {}
                2 => out.push_str("nested "),
                d => _ = write!(out, "nested (level {d}) "),
            }
            if let Some(n) = marker {
                out.push_str(n);
                out.push_str(". ");
            } else {
                out.push_str("item: ");
            }
            let (done, text) = task(text);
            push_line(out, done, text);
            return;
        }
        if indent == 0 {
            self.lists.clear();
        }
        if let Some(text) = heading(trimmed) {
            push_line(out, "heading: ", text);
        } else if let Some(text) = trimmed.strip_prefix('>') {
            let text = text.trim_start_matches(['>', ' ']);
            push_line(out, "quote: ", text);
        } else {
            push_line(out, "", trimmed);
        }
    }

    /// The answer ended: speaks a table or code block still open.
    pub fn finish(&mut self, out: &mut String) {
        self.end_table(out);
        if self.code.is_some() {
            self.end_code(out);
        }
        self.lists.clear();
    }

    fn end_code(&mut self, out: &mut String) {
        let Some(code) = self.code.take() else { return };
        out.push_str("code, ");
        if !code.lang.is_empty() {
            out.push_str(&code.lang);
            out.push_str(", ");
        }
        let n = code.lines.len();
        let _ = writeln!(out, "{n} {}:", if n == 1 { "line" } else { "lines" });
        for l in &code.lines {
            out.push_str(l);
            out.push('\n');
        }
        out.push_str("end of code\n");
    }

    fn end_table(&mut self, out: &mut String) {
        if self.table.is_empty() {
            return;
        }
        let rows: Vec<Vec<String>> = self.table.iter().map(|r| cells(r)).collect();
        self.table.clear();
        let header = rows.len() > 1 && rows[1].iter().all(|c| is_separator(c));
        if !header {
            for row in &rows {
                out.push_str(&row.join(", "));
                out.push('\n');
            }
            return;
        }
        let names = &rows[0];
        let body = &rows[2..];
        let n = body.len();
        let rows = if n == 1 { "row" } else { "rows" };
        let _ = writeln!(out, "table, {n} {rows}, columns: {}", names.join(", "));
        for row in body {
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match names.get(i).filter(|n| !n.is_empty()) {
                    Some(name) => out.push_str(name),
                    None => _ = write!(out, "column {}", i + 1),
                }
                out.push_str(": ");
                out.push_str(if v.is_empty() { "blank" } else { v });
            }
            out.push('\n');
        }
    }
}

fn push_line(out: &mut String, lead: &str, text: &str) {
    out.push_str(lead);
    out.push_str(&inline(text));
    out.push('\n');
}

/// A list item: its number (None for a bullet) and its text.
fn list_item(t: &str) -> Option<(Option<&str>, &str)> {
    for b in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(b) {
            return Some((None, rest.trim_start()));
        }
    }
    if matches!(t, "-" | "*" | "+") {
        return Some((None, ""));
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if (1..10).contains(&digits) {
        let rest = &t[digits..];
        let after = rest.strip_prefix('.').or_else(|| rest.strip_prefix(')'))?;
        if after.is_empty() || after.starts_with(' ') {
            return Some((Some(&t[..digits]), after.trim_start()));
        }
    }
    None
}

/// A task list item's state, said in words.
fn task(text: &str) -> (&'static str, &str) {
    if let Some(rest) = text.strip_prefix("[ ] ") {
        ("not done: ", rest)
    } else if let Some(rest) = text
        .strip_prefix("[x] ")
        .or_else(|| text.strip_prefix("[X] "))
    {
        ("done: ", rest)
    } else {
        ("", text)
    }
}

/// An ATX heading's text, without its `#` marks.
fn heading(t: &str) -> Option<&str> {
    let level = t.bytes().take_while(|&b| b == b'#').count();
    let rest = &t[level..];
    if !(1..=6).contains(&level) || !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let text = rest.trim();
    // A closing sequence of `#` is decoration too.
    let stripped = text.trim_end_matches('#');
    if stripped.len() < text.len() && (stripped.is_empty() || stripped.ends_with(' ')) {
        return Some(stripped.trim_end());
    }
    Some(text)
}

/// A table row's cells, spoken: split on unescaped `|` outside code, each cell's markup gone.
fn cells(row: &str) -> Vec<String> {
    let row = row.trim();
    let row = row.strip_prefix('|').unwrap_or(row);
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut code = false;
    let mut chars = row.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('|') => cell.push('|'),
                Some(n) => {
                    cell.push('\\');
                    cell.push(n);
                }
                None => cell.push('\\'),
            },
            '`' => {
                code = !code;
                cell.push(c);
            }
            '|' if !code => out.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    if !cell.trim().is_empty() {
        out.push(cell);
    }
    out.iter().map(|c| inline(c.trim())).collect()
}

fn is_separator(cell: &str) -> bool {
    let c = cell.trim();
    let c = c.strip_prefix(':').unwrap_or(c);
    let c = c.strip_suffix(':').unwrap_or(c);
    !c.is_empty() && c.bytes().all(|b| b == b'-')
}

/// One piece of a line's inline content.
enum Tok {
    /// A character said as written (an escaped one too).
    Text(char),
    /// A code span's content, said as written.
    Verbatim(String),
    /// A run of `*`, `_` or `~~`; dropped when it pairs with another.
    Delim {
        ch: char,
        n: usize,
        open: bool,
        close: bool,
        used: bool,
    },
}

/// A line's inline markdown as it should be heard: emphasis and code markers gone, a link
/// as its text followed by its address once (`links`), an image as "image: alt" and its address.
pub fn inline(s: &str) -> String {
    let image;
    let s = if s.contains("![") {
        image = s.replace("![", "[image: ");
        &image
    } else {
        s
    };
    let mut toks = Vec::new();
    tokens(&links(s), &mut toks);
    pair(&mut toks);
    let mut out = String::with_capacity(s.len());
    for t in &toks {
        match t {
            Tok::Text(c) => out.push(*c),
            Tok::Verbatim(v) => out.push_str(v),
            Tok::Delim { ch, n, used, .. } if !used => out.extend(std::iter::repeat_n(*ch, *n)),
            Tok::Delim { .. } => {}
        }
    }
    out
}

fn tokens(s: &str, toks: &mut Vec<Tok>) {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if chars.get(i + 1).is_some_and(|n| n.is_ascii_punctuation()) => {
                toks.push(Tok::Text(chars[i + 1]));
                i += 2;
            }
            '`' => {
                let n = run(&chars, i, '`');
                match find_run(&chars, i + n, '`', n) {
                    Some(end) => {
                        let code: String = chars[i + n..end].iter().collect();
                        let code = code.strip_prefix(' ').unwrap_or(&code);
                        let code = code.strip_suffix(' ').unwrap_or(code);
                        toks.push(Tok::Verbatim(code.to_string()));
                        i = end + n;
                    }
                    None => {
                        toks.extend((0..n).map(|_| Tok::Text('`')));
                        i += n;
                    }
                }
            }
            '*' | '_' | '~' => {
                let n = run(&chars, i, c);
                if c == '~' && n != 2 {
                    toks.extend((0..n).map(|_| Tok::Text('~')));
                    i += n;
                    continue;
                }
                let prev = i.checked_sub(1).map(|p| chars[p]);
                let next = chars.get(i + n).copied();
                let space = |c: Option<char>| c.is_none_or(char::is_whitespace);
                let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
                let mut open = !space(next);
                let mut close = !space(prev);
                // `_` inside a word (snake_case) is never emphasis.
                if c == '_' {
                    open &= !word(prev);
                    close &= !word(next);
                }
                toks.push(Tok::Delim {
                    ch: c,
                    n,
                    open,
                    close,
                    used: false,
                });
                i += n;
            }
            _ => {
                toks.push(Tok::Text(c));
                i += 1;
            }
        }
    }
}

/// Pairs emphasis openers with closers of the same character and length.
fn pair(toks: &mut [Tok]) {
    let mut openers: Vec<usize> = Vec::new();
    for i in 0..toks.len() {
        let Tok::Delim {
            ch, n, open, close, ..
        } = toks[i]
        else {
            continue;
        };
        let partner = close
            .then(|| {
                openers.iter().rposition(
                    |&o| matches!(toks[o], Tok::Delim { ch: c, n: m, .. } if c == ch && m == n),
                )
            })
            .flatten();
        if let Some(p) = partner {
            let o = openers[p];
            openers.truncate(p);
            for k in [o, i] {
                if let Tok::Delim { used, .. } = &mut toks[k] {
                    *used = true;
                }
            }
        } else if open {
            openers.push(i);
        }
    }
}

/// How far a closing code marker is looked for: a pathological line (a
/// thousand lone backticks) costs linear time, not quadratic.
const REACH: usize = 1000;

fn run(chars: &[char], i: usize, c: char) -> usize {
    chars[i..].iter().take_while(|&&x| x == c).count()
}

/// The start of the next run of exactly `n` `c`s at or after `from`.
fn find_run(chars: &[char], from: usize, c: char, n: usize) -> Option<usize> {
    let mut i = from;
    let end = chars.len().min(from + REACH);
    while i < end {
        if chars[i] == c {
            let m = run(chars, i, c);
            if m == n {
                return Some(i);
            }
            i += m;
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speak(md: &str) -> String {
        let mut s = Speech::default();
        let mut out = String::new();
        for l in md.lines() {
            s.line(l, &mut out);
        }
        s.finish(&mut out);
        out
    }

    #[test]
    fn emphasis_and_code_markers_are_dropped() {
        assert_eq!(
            inline("an **important** and *slanted* `x_y` ~~old~~ __strong__"),
            "an important and slanted x_y old strong"
        );
        assert_eq!(inline("***both*** here"), "both here");
        assert_eq!(inline("call ``a `tick` b`` now"), "call a `tick` b now");
    }

    #[test]
    fn lone_markers_and_snake_case_are_text() {
        assert_eq!(inline("2 * 3 = 6 and 5*"), "2 * 3 = 6 and 5*");
        assert_eq!(
            inline("snake_case_name and my_var"),
            "snake_case_name and my_var"
        );
        assert_eq!(inline("an unclosed `tick"), "an unclosed `tick");
        assert_eq!(inline(r"a \*literal\* star"), "a *literal* star");
        assert_eq!(inline("~ tilde ~"), "~ tilde ~");
    }

    #[test]
    fn links_say_text_then_address_once() {
        assert_eq!(
            inline("see [the **docs**](https://x.dev/a_b) now"),
            "see the docs (https://x.dev/a_b) now"
        );
        assert_eq!(
            inline("[https://x.dev](https://x.dev) and more"),
            "https://x.dev and more"
        );
        assert_eq!(inline("![logo](l.png)"), "image: logo (l.png)");
        assert_eq!(inline("[not a link] (x) a<b"), "[not a link] (x) a<b");
        assert_eq!(inline("a `[x](y)` span"), "a [x](y) span");
    }

    #[test]
    fn headings_quotes_and_rules() {
        assert_eq!(
            speak("# Title\n### Sub *part* ###\n#hashtag\n---\n> a **quote**\n"),
            "heading: Title\nheading: Sub part\n#hashtag\nquote: a quote\n"
        );
    }

    #[test]
    fn lists_keep_numbers_and_say_nesting() {
        let md = "1. First\n2. Second\n   - inner **bold**\n     - deeper\n3. Third\n\n- a\n- [x] shipped\n- [ ] later\nafter\n- fresh";
        assert_eq!(
            speak(md),
            "1. First\n2. Second\nnested item: inner bold\nnested (level 3) item: deeper\n3. Third\n\nitem: a\nitem: done: shipped\nitem: not done: later\nafter\nitem: fresh\n"
        );
    }

    #[test]
    fn table_rows_become_column_value_pairs() {
        let md =
            "| file | lines |\n|:---|---:|\n| `main.rs` | 3 |\n| a\\|b | |\n| x | y | z |\n\nnext";
        assert_eq!(
            speak(md),
            "table, 3 rows, columns: file, lines\nfile: main.rs, lines: 3\nfile: a|b, lines: blank\nfile: x, lines: y, column 3: z\n\nnext\n"
        );
    }

    #[test]
    fn pathological_lines_are_kept_whole() {
        for c in ["[", "`", "<", "[a](", "_a"] {
            let line = c.repeat(20_000);
            assert_eq!(inline(&line), line, "{c}");
        }
    }

    #[test]
    fn table_without_separator_is_read_as_cells() {
        assert_eq!(speak("| a | b |\n"), "a, b\n");
    }

    #[test]
    fn code_block_is_announced_unfenced_and_closed() {
        let md = "```rust\nfn main() {\n    println!(\"**hi**\");\n}\n```\n~~~\none\n~~~\n````\n```\n````";
        assert_eq!(
            speak(md),
            "code, rust, 3 lines:\nfn main() {\n    println!(\"**hi**\");\n}\nend of code\ncode, 1 line:\none\nend of code\ncode, 1 line:\n```\nend of code\n"
        );
    }

    #[test]
    fn open_code_block_and_table_are_spoken_at_the_end() {
        assert_eq!(speak("```sh\nls"), "code, sh, 1 line:\nls\nend of code\n");
        assert_eq!(
            speak("| k | v |\n|---|---|\n| a | 1 |"),
            "table, 1 row, columns: k, v\nk: a, v: 1\n"
        );
    }

    /// Through the stream: the same whole lines for any split of the deltas, and
    /// nothing of a line before its newline arrives (no partial re-announcement).
    #[test]
    fn stream_speaks_whole_lines_for_any_split() {
        use crate::render::markdown::MarkdownStream;
        let md =
            "# Head\nsome **bold** words here\n| a | b |\n|---|---|\n| 1 | 2 |\n```\nx\n```\nend";
        let whole = speak(md);
        for chunk in 1..12 {
            let mut stream = MarkdownStream::new(80, false);
            stream.speech = Some(Speech::default());
            stream.stream_words = true;
            let mut out = Vec::new();
            let chars: Vec<char> = md.chars().collect();
            for piece in chars.chunks(chunk) {
                let piece: String = piece.iter().collect();
                stream.push(&piece, &mut out).unwrap();
                let so_far = String::from_utf8(out.clone()).unwrap();
                assert!(so_far.is_empty() || so_far.ends_with('\n'), "{so_far:?}");
            }
            stream.finish(&mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), whole, "chunk {chunk}");
        }
    }
}
