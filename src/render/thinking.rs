//! The model's thinking as the user chose to see it: in full, dimmed and line
//! by line (`/thinking on`), or, by default, one line when it ends saying how
//! long it was and how it began. Only complete lines are printed, so a screen
//! reader never hears a line twice.

use super::style;

/// Roughly how many characters a token holds, for a size the user can weigh.
const CHARS_PER_TOKEN: usize = 4;
/// How much of the thinking the one-line summary quotes.
const QUOTE_CHARS: usize = 60;

#[derive(Default)]
pub struct Thinking {
    /// Show every line (`/thinking on`), not the one-line summary.
    pub full: bool,
    /// The current line, not yet complete.
    line: String,
    /// The start of this thinking, for the summary.
    quote: String,
    chars: usize,
}

impl Thinking {
    /// Takes a piece of thinking; returns what to print now (maybe nothing).
    pub fn push(&mut self, t: &str, styled: bool, labels: bool) -> String {
        self.chars += t.chars().count();
        if self.quote.chars().count() < QUOTE_CHARS {
            self.quote.push_str(t);
        }
        if !self.full {
            return String::new();
        }
        self.line.push_str(t);
        let mut out = String::new();
        while let Some(i) = self.line.find('\n') {
            let rest = self.line.split_off(i + 1);
            let line = std::mem::replace(&mut self.line, rest);
            out.push_str(&format_line(line.trim_end(), styled, labels));
        }
        out
    }

    /// The thinking is over (text or a tool call follows): the rest of it,
    /// or the summary line.
    pub fn end(&mut self, styled: bool, labels: bool) -> String {
        if self.chars == 0 {
            return String::new();
        }
        let out = if self.full {
            if self.line.trim().is_empty() {
                String::new()
            } else {
                format_line(self.line.trim_end(), styled, labels)
            }
        } else {
            let words = self.quote.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut quote: String = words.chars().take(QUOTE_CHARS).collect();
            if words.chars().count() > QUOTE_CHARS {
                quote.push('…');
            }
            let size = (self.chars / CHARS_PER_TOKEN).max(1);
            format_line(
                &format!("~{size} tokens: {quote} (/thinking on shows it)"),
                styled,
                labels,
            )
        };
        self.line.clear();
        self.quote.clear();
        self.chars = 0;
        out
    }
}

fn format_line(line: &str, styled: bool, labels: bool) -> String {
    if styled && !labels {
        style::note_line(line, true)
    } else {
        style::note_line(&format!("thinking: {line}"), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_thinking_prints_complete_lines_labelled() {
        let mut t = Thinking {
            full: true,
            ..Default::default()
        };
        assert_eq!(t.push("First li", false, true), "");
        assert_eq!(
            t.push("ne.\nSecond", false, true),
            "thinking: First line.\n"
        );
        assert_eq!(t.end(false, true), "thinking: Second\n");
        assert_eq!(t.end(false, true), "", "nothing twice");
    }

    #[test]
    fn summary_names_the_size_and_the_start() {
        let mut t = Thinking::default();
        assert_eq!(t.push("The user wants\nthe tests run. ", true, false), "");
        let line = t.end(false, false);
        assert!(
            line.starts_with("thinking: ~7 tokens: The user wants the tests run."),
            "{line}"
        );
        assert!(!line.contains('\x1b'));
    }

    #[test]
    fn escape_sequences_in_thinking_are_not_printed_raw() {
        let mut t = Thinking {
            full: true,
            ..Default::default()
        };
        let out = t.push("a\x1b[2Kb\n", true, false);
        assert!(!out.contains("\x1b[2K"), "{out:?}");
    }
}
