//! Streaming markdown: text deltas in, whole rendered lines out, append-only.
//!
//! The stream keeps only the current partial line (and, in styled mode, the rows of an open
//! table). Each line is handled once, when its newline arrives:
//! - inside a fenced code block it is printed as code, unparsed, indentation kept;
//! - a line starting with `|` joins the pending table, printed whole when the table ends;
//! - anything else is classified here (heading, list item, quote, rule, paragraph), its inline
//!   markdown parsed by minimad, and it is wrapped and styled by termimad.
//!
//! Output never contains cursor movement or clearing: everything termimad produces goes
//! through a filter that keeps only SGR sequences (and none at all in plain mode), and control
//! characters in the model's text are removed before rendering.

use std::fmt::Write as _;
use std::io::{self, Write};

use termimad::crossterm::style::{Attribute, Color};
use termimad::minimad::{Composite, CompositeStyle, Compound, Line, Text};
use termimad::{Alignment, FmtText, MadSkin};

use super::style::{sanitize, sanitize_into};

/// termimad refuses (panics on) very narrow widths; lists and quotes need a little room.
const MIN_WIDTH: usize = 20;
const MAX_WIDTH: usize = 1000;

#[derive(Clone, Copy)]
pub(super) struct Fence {
    ch: u8,
    len: usize,
}

pub struct MarkdownStream {
    width: usize,
    /// `None` in plain mode.
    skin: Option<MadSkin>,
    /// The unterminated last line.
    partial: String,
    /// Rows of the table being collected (styled mode), one per line.
    table: String,
    /// Set while inside a fenced code block (styled mode).
    fence: Option<Fence>,
    /// termimad's rendering of the current block, before filtering.
    scratch: String,
    /// Filtered output waiting to be written at the end of `push`/`finish`.
    pending: String,
    /// Re-read the terminal's width before each block (it may have been resized).
    pub auto_width: bool,
    /// Print a long paragraph's complete words before its line ends.
    pub stream_words: bool,
    /// The head of the current line is already printed: the rest continues a paragraph.
    continuing: bool,
    /// The last output did not end with a newline (the cursor is mid-line).
    open: bool,
    /// Keep escape codes (colour, bold); false under `NO_COLOR`, where the
    /// structure (headings, bullets, tables, wrapping) is still rendered.
    sgr: bool,
    /// Screen-reader speech (plain mode only): structure said in words, whole lines.
    pub speech: Option<super::speech::Speech>,
}

impl MarkdownStream {
    /// `width`: terminal columns to wrap to. `styled`: false = plain mode (no escape codes at all).
    pub fn new(width: usize, styled: bool) -> Self {
        MarkdownStream {
            width: width.clamp(MIN_WIDTH, MAX_WIDTH),
            skin: styled.then(make_skin),
            partial: String::new(),
            table: String::new(),
            fence: None,
            scratch: String::new(),
            pending: String::new(),
            auto_width: false,
            stream_words: false,
            continuing: false,
            open: false,
            sgr: true,
            speech: None,
        }
    }

    /// Renders markdown's structure without any escape code (`NO_COLOR`).
    pub fn without_escapes(width: usize) -> Self {
        let mut md = MarkdownStream::new(width, true);
        md.sgr = false;
        md
    }

    /// Whether the cursor was left mid-line by the last write.
    pub fn mid_line(&self) -> bool {
        self.open
    }

    fn refresh_width(&mut self) {
        if self.auto_width {
            self.width = super::width().clamp(MIN_WIDTH, MAX_WIDTH);
        }
    }

    /// Prints what of the unterminated line is certain: in plain mode every
    /// complete word; styled, whole rows of a long paragraph whose inline
    /// markup is closed. Nothing printed is ever revisited.
    fn stream_partial(&mut self) {
        if self.fence.is_some() || !self.table.is_empty() || self.speech.is_some() {
            return;
        }
        if self.skin.is_none() {
            if let Some(i) = self.partial.rfind(char::is_whitespace) {
                let end = i + self.partial[i..].chars().next().map_or(1, char::len_utf8);
                let head: String = self.partial.drain(..end).collect();
                self.pending.push_str(&sanitize(&head));
                self.continuing = true;
            }
            return;
        }
        if !self.continuing && !is_paragraph_start(&self.partial) {
            return;
        }
        loop {
            if self.partial.chars().count() <= self.width {
                return;
            }
            let Some(cut) = row_break(&self.partial, self.width) else {
                return;
            };
            let head: String = self.partial.drain(..cut).collect();
            let rest = self.partial.trim_start().len();
            self.partial.drain(..self.partial.len() - rest);
            self.refresh_width();
            self.paragraph(head.trim_end());
            self.continuing = true;
        }
    }

    /// Feeds a text delta; writes every block that is now complete.
    pub fn push(&mut self, delta: &str, out: &mut dyn Write) -> io::Result<()> {
        let mut rest = delta;
        while let Some(nl) = rest.find('\n') {
            let (line, tail) = (&rest[..nl], &rest[nl + 1..]);
            if self.partial.is_empty() {
                self.line(line);
            } else {
                let mut whole = std::mem::take(&mut self.partial);
                whole.push_str(line);
                self.line(&whole);
                whole.clear();
                self.partial = whole; // keep the allocation
            }
            rest = tail;
        }
        self.partial.push_str(rest);
        if self.stream_words {
            self.stream_partial();
        }
        self.write_pending(out)
    }

    /// End of the answer: writes whatever is still buffered (an unterminated last line, an open
    /// table or code block). The stream can then be reused for another answer.
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            self.line(&last);
        } else if std::mem::take(&mut self.continuing) && self.skin.is_none() {
            self.pending.push('\n');
        }
        self.flush_table();
        if let Some(speech) = &mut self.speech {
            speech.finish(&mut self.pending);
        }
        self.fence = None;
        self.continuing = false;
        self.write_pending(out)
    }

    fn write_pending(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.open = !self.pending.ends_with('\n');
        let r = out
            .write_all(self.pending.as_bytes())
            .and_then(|_| out.flush());
        self.pending.clear();
        r
    }

    /// Handles one complete line (without its `\n`).
    fn line(&mut self, raw: &str) {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let line = sanitize(raw);
        let line: &str = &line;
        if std::mem::take(&mut self.continuing) {
            if self.skin.is_none() {
                self.pending.push_str(line);
                self.pending.push('\n');
            } else if !line.trim().is_empty() {
                self.refresh_width();
                self.paragraph(line.trim_start());
            }
            return;
        }
        if let Some(speech) = &mut self.speech {
            speech.line(line, &mut self.pending);
            return;
        }
        if self.skin.is_none() {
            self.pending.push_str(line);
            self.pending.push('\n');
            return;
        }
        if let Some(f) = self.fence {
            if is_closing_fence(line, f) {
                self.fence = None;
            } else {
                self.code_line(line);
            }
            return;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('|') {
            self.table.push_str(trimmed);
            self.table.push('\n');
            return;
        }
        self.flush_table();
        if let Some(f) = opening_fence(line) {
            self.fence = Some(f);
            return;
        }
        if trimmed.is_empty() {
            self.pending.push('\n');
            return;
        }
        self.markdown_line(line);
    }

    fn code_line(&mut self, line: &str) {
        let Some(skin) = &self.skin else { return };
        if line.is_empty() {
            self.pending.push('\n');
            return;
        }
        let text = if line.contains('\t') {
            std::borrow::Cow::Owned(line.replace('\t', "    "))
        } else {
            std::borrow::Cow::Borrowed(line)
        };
        self.scratch.clear();
        let _ = writeln!(
            self.scratch,
            "{}",
            skin.code_block.compound_style.apply_to(&*text)
        );
        sanitize_into(&self.scratch, &mut self.pending, self.sgr);
    }

    fn markdown_line(&mut self, line: &str) {
        self.refresh_width();
        let line = links(line);
        self.render_line(classify(&line));
    }

    /// The rest of a paragraph whose head was printed already.
    fn paragraph(&mut self, text: &str) {
        let text = links(text);
        self.render_line(normal(CompositeStyle::Paragraph, &text, None));
    }

    fn render_line(&mut self, md_line: Line<'_>) {
        let Some(skin) = &self.skin else { return };
        let fmt = FmtText::from_text(
            skin,
            Text {
                lines: vec![md_line],
            },
            Some(self.width),
        );
        self.scratch.clear();
        let _ = write!(self.scratch, "{fmt}");
        sanitize_into(&self.scratch, &mut self.pending, self.sgr);
    }

    fn flush_table(&mut self) {
        if self.table.is_empty() {
            return;
        }
        self.refresh_width();
        if let Some(skin) = &self.skin {
            let table = links(&self.table);
            let fmt = FmtText::from(skin, &table, Some(self.width));
            self.scratch.clear();
            let _ = write!(self.scratch, "{fmt}");
            sanitize_into(&self.scratch, &mut self.pending, self.sgr);
        }
        self.table.clear();
    }
}

fn make_skin() -> MadSkin {
    let mut skin = MadSkin::default();
    for h in &mut skin.headers {
        h.align = Alignment::Left;
        h.add_attr(Attribute::Bold);
    }
    skin.headers[0].set_fg(Color::Cyan);
    skin.headers[1].set_fg(Color::Cyan);
    skin
}

/// ```` ``` ```` or `~~~` (three or more), optionally indented, optionally followed by a language.
pub(super) fn opening_fence(line: &str) -> Option<Fence> {
    let t = line.trim_start();
    let ch = *t.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = t.bytes().take_while(|&b| b == ch).count();
    if len < 3 || (ch == b'`' && t[len..].contains('`')) {
        return None;
    }
    Some(Fence { ch, len })
}

pub(super) fn is_closing_fence(line: &str, f: Fence) -> bool {
    let t = line.trim();
    t.len() >= f.len && t.bytes().all(|b| b == f.ch)
}

/// Builds the minimad line for one markdown line. Done here rather than by minimad's line
/// parser, which only knows `* ` bullets and treats any 4-space indent as code.
fn classify(line: &str) -> Line<'_> {
    let t = line.trim_start();
    let indent = line.len() - t.len();
    let indent_cols: usize = line[..indent]
        .bytes()
        .map(|b| if b == b'\t' { 4 } else { 1 })
        .sum();

    if is_rule(t) {
        return Line::HorizontalRule;
    }
    let hashes = t.bytes().take_while(|&b| b == b'#').count();
    if (1..=6).contains(&hashes) && (t.len() == hashes || t.as_bytes()[hashes] == b' ') {
        let title = t[hashes..].trim();
        let title = title.trim_end_matches('#').trim_end(); // closing hashes
        return normal(CompositeStyle::Header(hashes as u8), title, None);
    }
    if let Some(rest) = t.strip_prefix('>') {
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        return normal(CompositeStyle::Quote, rest, None);
    }
    let b = t.as_bytes();
    if b.len() >= 2 && matches!(b[0], b'-' | b'*' | b'+') && b[1] == b' ' {
        let depth = (indent_cols / 2).min(3) as u8;
        return normal(CompositeStyle::ListItem(depth), &t[2..], None);
    }
    // Ordered items and indented text: a paragraph that keeps its indentation literally.
    let lead = if indent > 0 {
        Some(&line[..indent])
    } else {
        None
    };
    normal(CompositeStyle::Paragraph, t, lead)
}

fn normal<'s>(style: CompositeStyle, src: &'s str, lead: Option<&'s str>) -> Line<'s> {
    let mut compounds = Vec::new();
    if let Some(lead) = lead {
        compounds.push(Compound::raw_str(lead));
    }
    compounds.extend(Composite::from_inline(src).compounds);
    Line::Normal(Composite { style, compounds })
}

/// `[text](url)` becomes `text (url)` (just `url` when both are the same):
/// a terminal shows the address, and minimad would print the brackets raw.
/// Code spans are left alone.
pub(super) fn links(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains("](") {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find(['[', '`']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('`') {
            let end = rest[1..].find('`').map_or(rest.len(), |j| j + 2);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let link = rest.find("](").and_then(|close| {
            let text = &rest[1..close];
            let after = &rest[close + 2..];
            let end = after.find(')')?;
            let url = &after[..end];
            let plain = !text.contains(['[', ']']) && !url.contains(char::is_whitespace);
            (plain && !url.is_empty()).then_some((text, url, close + 3 + end))
        });
        match link {
            Some((text, url, len)) => {
                if text == url || text.is_empty() {
                    out.push_str(url);
                } else {
                    out.push_str(text);
                    out.push_str(" (");
                    out.push_str(url);
                    out.push(')');
                }
                rest = &rest[len..];
            }
            None => {
                out.push('[');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Whether an unterminated line is plain paragraph text (not a heading,
/// list item, quote, table row, fence, rule or indented text).
fn is_paragraph_start(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    !first.is_whitespace() && !"#>|-*+`~_=".contains(first) && !is_rule(s)
}

/// Where to end a row of at most `width` chars: after the last space that
/// leaves the row's inline markup closed (code spans, emphasis, links).
fn row_break(s: &str, width: usize) -> Option<usize> {
    let mut best = None;
    let (mut ticks, mut stars, mut tildes, mut brackets) = (0, 0, 0, 0i32);
    for (n, (i, c)) in s.char_indices().enumerate() {
        if n > width {
            break;
        }
        let in_code = ticks % 2 == 1;
        match c {
            '`' => ticks += 1,
            '*' if !in_code => stars += 1,
            '~' if !in_code => tildes += 1,
            '[' if !in_code => brackets += 1,
            ']' if !in_code => brackets -= 1,
            c if c.is_whitespace()
                && i > 0
                && ticks % 2 == 0
                && stars % 2 == 0
                && tildes % 2 == 0
                && brackets == 0 =>
            {
                best = Some(i);
            }
            _ => {}
        }
    }
    best
}

/// `---`, `***`, `___` (three or more of one char, spaces allowed between).
pub(super) fn is_rule(t: &str) -> bool {
    let mut chars = t.bytes().filter(|&b| b != b' ' && b != b'\t');
    let Some(first) = chars.next() else {
        return false;
    };
    if !matches!(first, b'-' | b'*' | b'_') {
        return false;
    }
    let mut n = 1;
    for c in chars {
        if c != first {
            return false;
        }
        n += 1;
    }
    n >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_split(text: &str, chunk_chars: usize, width: usize, styled: bool) -> String {
        let mut md = MarkdownStream::new(width, styled);
        let mut out = Vec::new();
        let chars: Vec<char> = text.chars().collect();
        for chunk in chars.chunks(chunk_chars.max(1)) {
            let delta: String = chunk.iter().collect();
            md.push(&delta, &mut out).unwrap();
        }
        md.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn strip_sgr(s: &str) -> String {
        let mut out = String::new();
        sanitize_into(s, &mut out, false);
        out
    }

    /// Every escape sequence in `s` must be SGR (`ESC [ params m`).
    fn assert_only_sgr(s: &str) {
        let b = s.as_bytes();
        for (i, _) in s.match_indices('\x1b') {
            assert_eq!(b.get(i + 1), Some(&b'['), "non-CSI escape at {i}");
            let mut j = i + 2;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b';') {
                j += 1;
            }
            assert_eq!(
                b.get(j),
                Some(&b'm'),
                "non-SGR sequence at {i}: {:?}",
                &s[i..j + 1]
            );
        }
    }

    const DOC: &str = "# Title\n\nSome **bold** and *italic* text with `code`, \
        long enough to need wrapping at a narrow width, éèà 日本語 too.\n\
        - item one\n  - nested item\n1. first\n> a quote\n---\n\
        ```rust\n# not a heading\n    let x = 1; // **not bold**\n\tlet y = 2;\n```\n\
        | a | b |\n|---|---|\n| 1 | 2 |\n| 333 | 4 |\n\nafter table\n~~~\n~~~\nlast line";

    #[test]
    fn line_split_across_deltas_is_written_once_whole() {
        let mut md = MarkdownStream::new(80, true);
        let mut out = Vec::new();
        for piece in ["He", "llo **wo", "rld** and", " more"] {
            md.push(piece, &mut out).unwrap();
            assert!(out.is_empty(), "printed a partial line");
        }
        md.push("\nnext", &mut out).unwrap();
        let s = String::from_utf8(out.clone()).unwrap();
        assert_eq!(strip_sgr(&s), "Hello world and more\n");
        assert!(s.contains("\x1b["), "bold should be styled");
        md.finish(&mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(strip_sgr(&s), "Hello world and more\nnext\n");
    }

    #[test]
    fn nothing_before_newline_in_either_mode() {
        for styled in [true, false] {
            let mut md = MarkdownStream::new(80, styled);
            let mut out = Vec::new();
            md.push("# partial heading", &mut out).unwrap();
            assert!(out.is_empty());
            md.push("\n", &mut out).unwrap();
            assert!(!out.is_empty());
        }
    }

    #[test]
    fn heading_and_bold_styled_only_in_styled_mode() {
        let styled = render_split("# Head\nsome **bold**\n", 3, 80, true);
        assert!(styled.contains("\x1b["));
        assert!(styled.contains("Head") && !styled.contains("# Head"));
        assert!(!styled.contains("**"));
        let plain = render_split("# Head\nsome **bold**\n", 3, 80, false);
        assert!(!plain.contains('\x1b'));
        assert_eq!(plain, "# Head\nsome **bold**\n");
    }

    #[test]
    fn code_block_lines_are_not_markdown_and_keep_indentation() {
        let src = "```python\n# comment\n    return **x**\n```\n# real heading\n";
        let out = render_split(src, 2, 80, true);
        let plain = strip_sgr(&out);
        let lines: Vec<&str> = plain.lines().collect();
        assert_eq!(lines[0], "# comment");
        assert_eq!(lines[1], "    return **x**");
        assert_eq!(lines[2], "real heading");
        assert!(!plain.contains("```"));
    }

    #[test]
    fn code_lines_are_printed_before_the_closing_fence() {
        let mut md = MarkdownStream::new(80, true);
        let mut out = Vec::new();
        md.push("```\nfn main() {}\n", &mut out).unwrap();
        assert_eq!(
            strip_sgr(&String::from_utf8(out).unwrap()),
            "fn main() {}\n"
        );
    }

    #[test]
    fn longer_fence_is_not_closed_by_shorter_one() {
        let out = render_split("````md\n```\n# x\n````\n# y\n", 4, 80, true);
        let plain = strip_sgr(&out);
        assert_eq!(plain.lines().collect::<Vec<_>>(), ["```", "# x", "y"]);
    }

    #[test]
    fn table_printed_only_when_complete_with_all_cells() {
        let mut md = MarkdownStream::new(80, true);
        let mut out = Vec::new();
        md.push("| name | size |\n|---|---|\n| alpha | 1 |\n", &mut out)
            .unwrap();
        md.push("| beta-longer | 22 |\n", &mut out).unwrap();
        assert!(out.is_empty(), "table printed before it ended");
        md.push("done\n", &mut out).unwrap();
        let plain = strip_sgr(&String::from_utf8(out).unwrap());
        for cell in ["name", "size", "alpha", "1", "beta-longer", "22", "done"] {
            assert!(plain.contains(cell), "missing {cell} in\n{plain}");
        }
        // Columns aligned: every row line has the same display width.
        let rows: Vec<&str> = plain.lines().filter(|l| l.contains('│')).collect();
        assert_eq!(rows.len(), 3);
        let w = rows[0].chars().count();
        assert!(rows.iter().all(|r| r.chars().count() == w), "{plain}");
    }

    #[test]
    fn open_table_flushed_by_finish() {
        let out = render_split("| a | b |\n| c | d |", 5, 80, true);
        let plain = strip_sgr(&out);
        for cell in ["a", "b", "c", "d"] {
            assert!(plain.contains(cell));
        }
    }

    #[test]
    fn plain_mode_is_identity_for_any_split() {
        let text = format!("{DOC}\n");
        for chunk in [1, 2, 3, 7, 20, 64, 10_000] {
            assert_eq!(render_split(&text, chunk, 40, false), text, "chunk {chunk}");
        }
        // Splits in the middle of a multi-byte char are impossible with &str; splitting next to
        // them (1 char per delta above) is covered. Check exact byte-level splits too:
        let s = "héllo 日本\nwörld\n";
        for cut in (0..=s.len()).filter(|&i| s.is_char_boundary(i)) {
            let mut md = MarkdownStream::new(40, false);
            let mut out = Vec::new();
            md.push(&s[..cut], &mut out).unwrap();
            md.push(&s[cut..], &mut out).unwrap();
            md.finish(&mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), s);
        }
    }

    #[test]
    fn finish_writes_unterminated_code_line_and_resets() {
        let mut md = MarkdownStream::new(80, true);
        let mut out = Vec::new();
        md.push("```sh\necho hi\n# still code", &mut out).unwrap();
        md.finish(&mut out).unwrap();
        let plain = strip_sgr(&String::from_utf8(out).unwrap());
        assert_eq!(plain, "echo hi\n# still code\n");
        // The next answer starts outside any code block.
        let mut out = Vec::new();
        md.push("# head\n", &mut out).unwrap();
        assert_eq!(strip_sgr(&String::from_utf8(out).unwrap()), "head\n");
    }

    #[test]
    fn plain_finish_adds_missing_newline() {
        assert_eq!(render_split("a\nb", 1, 40, false), "a\nb\n");
        assert_eq!(render_split("", 1, 40, false), "");
    }

    #[test]
    fn plain_mode_shows_the_models_escapes_as_text() {
        let out = render_split("red \x1b[31mtext\x1b[2J\n", 3, 40, false);
        assert_eq!(out, "red \\e[31mtext\\e[2J\n");
    }

    #[test]
    fn styled_output_only_sgr_for_large_mixed_document() {
        let doc = DOC.repeat(50) + "\x1b[2Aup\x1b[Hhome\x1b]0;t\x07\n";
        for width in [20, 33, 80] {
            for chunk in [1, 17] {
                let out = render_split(&doc, chunk, width, true);
                assert_only_sgr(&out);
                assert!(!out.contains('\r'));
                let joined = strip_sgr(&out).replace('\n', "");
                assert!(joined.contains("\\e[2Aup\\e[Hhome\\e]0;t\\x07"), "{joined}");
            }
        }
    }

    #[test]
    fn styled_output_does_not_depend_on_split() {
        let whole = render_split(DOC, 100_000, 50, true);
        for chunk in [1, 5, 13] {
            assert_eq!(render_split(DOC, chunk, 50, true), whole);
        }
    }

    #[test]
    fn wraps_to_width() {
        let long = "word ".repeat(40);
        let out = strip_sgr(&render_split(&format!("{long}\n- {long}\n"), 9, 30, true));
        assert!(out.lines().count() > 4);
        for l in out.lines() {
            assert!(l.chars().count() <= 30, "too wide: {l:?}");
        }
    }

    #[test]
    fn lists_quotes_and_rules() {
        let out = strip_sgr(&render_split("- a\n  - b\n> q\n---\n1. one\n", 3, 40, true));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "• a");
        assert_eq!(lines[1], " • b");
        assert_eq!(lines[2], "▐ q");
        assert!(lines[3].starts_with("――"));
        assert_eq!(lines[4], "1. one");
    }

    #[test]
    fn tiny_width_does_not_panic() {
        let out = render_split(DOC, 7, 1, true);
        assert!(out.contains("Title"));
    }

    fn streamed(text: &str, width: usize, styled: bool) -> (String, String) {
        let mut md = MarkdownStream::new(width, styled);
        md.stream_words = true;
        let mut out = Vec::new();
        for c in text.chars() {
            md.push(&c.to_string(), &mut out).unwrap();
        }
        let before = String::from_utf8(out.clone()).unwrap();
        md.push("\n", &mut out).unwrap();
        md.finish(&mut out).unwrap();
        (before, String::from_utf8(out).unwrap())
    }

    #[test]
    fn long_paragraph_rows_print_before_the_line_ends() {
        let text = "Some **bold words** here and `a code span` there, ".repeat(4);
        let (before, all) = streamed(text.trim_end(), 40, true);
        assert!(strip_sgr(&before).lines().count() >= 3, "{before:?}");
        let plain = strip_sgr(&all);
        assert!(plain.lines().all(|l| l.chars().count() <= 40), "{plain}");
        assert!(!plain.contains("**") && !plain.contains('`'), "{plain}");
        let words: Vec<&str> = plain.split_whitespace().collect();
        let want: Vec<String> = text
            .replace(['*', '`'], "")
            .split_whitespace()
            .map(String::from)
            .collect();
        assert_eq!(words, want);
        // A short line, or one that is not a paragraph, still waits for its end.
        assert_eq!(streamed("short line", 40, true).0, "");
        assert_eq!(
            streamed(&format!("# {}", "long ".repeat(20)), 40, true).0,
            ""
        );
    }

    #[test]
    fn plain_stream_prints_words_as_they_come_and_keeps_the_text() {
        let (before, all) = streamed("one two thr", 40, false);
        assert_eq!(before, "one two ");
        assert_eq!(all, "one two thr\n");
    }

    #[test]
    fn links_show_text_and_address() {
        assert_eq!(
            links("see [the docs](https://x.org/d) and [https://a.b](https://a.b)."),
            "see the docs (https://x.org/d) and https://a.b."
        );
        assert_eq!(
            links("`[a](b)` [not a link] x](y"),
            "`[a](b)` [not a link] x](y"
        );
        let out = strip_sgr(&render_split(
            "Read [the guide](https://g.io/x).\n",
            3,
            80,
            true,
        ));
        assert_eq!(out, "Read the guide (https://g.io/x).\n");
    }

    #[test]
    fn without_escapes_keeps_structure_but_no_codes() {
        let mut md = MarkdownStream::without_escapes(40);
        let mut out = Vec::new();
        md.push(
            "# Head\n- item **bold**\n| a | b |\n|---|---|\n| 1 | 2 |\nend\n",
            &mut out,
        )
        .unwrap();
        md.finish(&mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(!s.contains('\x1b'), "{s:?}");
        assert!(s.starts_with("Head\n• item bold\n"), "{s}");
        assert!(s.contains('│'), "table drawn: {s}");
    }

    /// Ad-hoc cost check: `cargo test --release render_100k -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn render_100k_cost() {
        let mut doc = String::new();
        while doc.len() < 100_000 {
            doc.push_str(DOC);
            doc.push('\n');
        }
        let bytes: Vec<&str> = {
            let mut v = Vec::new();
            let mut i = 0;
            while i < doc.len() {
                let mut j = (i + 20).min(doc.len());
                while !doc.is_char_boundary(j) {
                    j += 1;
                }
                v.push(&doc[i..j]);
                i = j;
            }
            v
        };
        for styled in [true, false] {
            let t = std::time::Instant::now();
            let mut md = MarkdownStream::new(80, styled);
            let mut sink = io::sink();
            for d in &bytes {
                md.push(d, &mut sink).unwrap();
            }
            md.finish(&mut sink).unwrap();
            eprintln!(
                "styled={styled}: {} bytes in {} deltas: {:?}",
                doc.len(),
                bytes.len(),
                t.elapsed()
            );
        }
    }
}
