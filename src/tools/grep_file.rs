//! One file's search for the `grep` tool: matching lines found over the
//! file's bytes in one pass, the way ripgrep does it, instead of a regex call
//! per decoded line. Lines are counted only up to where a match is reported.

use memchr::{memchr, memchr_iter, memrchr};
use regex::bytes::Regex;
use std::io::Read;
use std::path::Path;

/// Files larger than this are skipped.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// A NUL byte in this first block marks a file as binary, as in ripgrep.
const BINARY_PROBE: usize = 8192;

/// What one file contributed: its matching lines, and the lines to print
/// around them, already cut for display.
#[derive(Debug, Default, PartialEq)]
pub struct FileHits {
    /// 0-based numbers of matching lines, at most `limit + 1` of them (one
    /// more than asked says that there are more).
    pub hits: Vec<usize>,
    /// The text of every line a group may print, by line number, ascending.
    pub lines: Vec<(usize, String)>,
    /// Lines in the file, as `str::lines` counts them (only exact when
    /// context is asked for; otherwise the last hit's line + 1).
    pub n_lines: usize,
}

/// Builds the regex the way `search` expects: `^` and `$` at line ends,
/// CRLF files included.
pub fn build(pattern: &str, ignore_case: bool) -> Result<Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(pattern)
        .case_insensitive(ignore_case)
        .multi_line(true)
        .crlf(true)
        .build()
}

/// Reads `path` into `buf` (reused between files); false for files that are
/// too large, unreadable or binary.
pub fn read(path: &Path, buf: &mut Vec<u8>) -> bool {
    buf.clear();
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    match f.metadata() {
        Ok(m) if m.len() <= MAX_FILE_BYTES => {}
        _ => return false,
    }
    // Bounded even if the file grows while it is read.
    if f.take(MAX_FILE_BYTES).read_to_end(buf).is_err() {
        return false;
    }
    !buf[..buf.len().min(BINARY_PROBE)].contains(&0)
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The matching lines of `buf` (at most `limit + 1`), with `context` lines
/// either side kept for printing. A line matches exactly when the regex
/// matches that line alone, as if each line were searched on its own.
pub fn search(re: &Regex, buf: &[u8], limit: usize, context: usize) -> FileHits {
    let len = buf.len();
    let mut hits = Vec::new();
    let mut hit_lines = Vec::new();
    let mut pos = 0;
    let mut line_no = 0;
    let mut counted_to = 0;
    while pos <= len && hits.len() <= limit {
        let Some(m) = re.find_at(buf, pos) else {
            break;
        };
        let s = m.start();
        let ls = memrchr(b'\n', &buf[pos..s]).map_or(pos, |i| pos + i + 1);
        // `str::lines` has no line after a final newline (nor in an empty file).
        if ls == len && (len == 0 || buf[len - 1] == b'\n') {
            break;
        }
        let le = memchr(b'\n', &buf[s..]).map_or(len, |i| s + i);
        line_no += memchr_iter(b'\n', &buf[counted_to..ls]).count();
        counted_to = ls;
        // A match that runs past its line (`\s` takes the newline) counts
        // only if the line matches alone.
        if m.end() <= le || re.is_match(trim_cr(&buf[ls..le])) {
            hits.push(line_no);
            // Without context only the hits print, and this is their line.
            if context == 0 {
                hit_lines.push((line_no, show(&buf[ls..le])));
            }
        }
        pos = le + 1;
    }
    let Some(&last) = hits.last() else {
        return FileHits::default();
    };
    if context == 0 {
        return FileHits {
            hits,
            lines: hit_lines,
            n_lines: last + 1,
        };
    }
    let starts: Vec<usize> = std::iter::once(0)
        .chain(memchr_iter(b'\n', buf).map(|i| i + 1))
        .filter(|&i| i < len)
        .collect();
    let n_lines = starts.len();
    let mut lines = Vec::new();
    for (start, end) in super::grep::groups(&hits, context, n_lines) {
        for n in start..=end {
            let a = starts[n];
            let b = starts.get(n + 1).map_or(len, |&x| x - 1);
            let line = &buf[a..b];
            lines.push((n, show(line.strip_suffix(b"\n").unwrap_or(line))));
        }
    }
    FileHits {
        hits,
        lines,
        n_lines,
    }
}

fn show(line: &[u8]) -> String {
    String::from_utf8_lossy(trim_cr(line)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: each line searched on its own, as the tool used to.
    fn per_line(re: &str, text: &str) -> Vec<usize> {
        let re = regex::Regex::new(re).expect("regex");
        text.lines()
            .enumerate()
            .filter(|(_, l)| re.is_match(l))
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn finds_the_same_lines_as_a_search_line_by_line() {
        let text = "alpha\r\nbeta gamma\n\nfoo bar\nfoo\n  \nend";
        for pat in [
            "a", "^foo$", "o\\s", "\\s+", "^$", "^", "$", "gamma$", "\\n", "r\\nf", "end", "x*",
            "^\\s*$",
        ] {
            let got = search(&build(pat, false).expect("builds"), text.as_bytes(), 100, 0);
            assert_eq!(got.hits, per_line(pat, text), "pattern {pat:?}");
            for (n, l) in &got.lines {
                assert_eq!(Some(l.as_str()), text.lines().nth(*n), "{pat:?} line {n}");
            }
        }
        assert!(search(&build("^", false).unwrap(), b"", 10, 0)
            .hits
            .is_empty());
        assert_eq!(search(&build("^", false).unwrap(), b"a\n", 10, 0).hits, [0]);
    }

    #[test]
    fn stops_one_past_the_limit_and_keeps_context_lines() {
        let text: String = (0..50).map(|i| format!("line {i}\n")).collect();
        let re = build("line", false).expect("builds");
        assert_eq!(search(&re, text.as_bytes(), 9, 0).hits.len(), 10);
        let got = search(&build("line 1$", false).unwrap(), text.as_bytes(), 9, 2);
        assert_eq!(got.hits, [1]);
        assert_eq!(got.n_lines, 50);
        let numbers: Vec<usize> = got.lines.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, [0, 1, 2, 3]);
        assert_eq!(got.lines[3].1, "line 3");
    }
}
