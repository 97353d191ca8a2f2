//! Small one-line helpers for the front end (tool calls, results, errors, notes) and a compact
//! unified diff. Every helper returns a `String` ending in a newline; with `styled == false` the
//! result contains no escape bytes at all.

use std::borrow::Cow;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";

/// Lines of context around each diff hunk.
const CONTEXT: usize = 3;
/// Above this edit distance (after trimming the common prefix and suffix) the diff falls back
/// to one replace hunk; bounds time to O(N·D) and trace memory to about D² × 4 bytes.
const MAX_EDIT_DISTANCE: usize = 500;
/// Cut for the one-line summary of a tool result, in chars.
const RESULT_MAX_CHARS: usize = 100;

/// `● name  summary` (bullet and name coloured when styled). Only the first line of `summary`
/// is shown, followed by ` …` when there was more.
pub fn tool_line(name: &str, summary: &str, styled: bool) -> String {
    let name = super::safe::line(name);
    let mut lines = summary.lines();
    let first = lines.next().unwrap_or("").trim_end();
    let more = lines.any(|l| !l.trim().is_empty());
    let first = sanitize(first);
    let mut s = String::with_capacity(name.len() + first.len() + 32);
    if styled {
        s.push_str(CYAN);
        s.push('●');
        s.push_str(RESET);
        s.push(' ');
        s.push_str(BOLD);
        s.push_str(&name);
        s.push_str(RESET);
    } else {
        s.push_str("● ");
        s.push_str(&name);
    }
    if !first.is_empty() {
        s.push_str("  ");
        s.push_str(&first);
    }
    if more {
        s.push_str(" …");
    }
    s.push('\n');
    s
}

/// `  ⎿ first line of text` (dim, or red when `is_error`), cut to about 100 chars.
/// Blank text gives `(no output)`.
pub fn result_line(text: &str, is_error: bool, styled: bool) -> String {
    let first = text
        .lines()
        .map(str::trim_end)
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no output)");
    let first = sanitize(first);
    let body = match first.char_indices().nth(RESULT_MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &first[..cut]),
        None => first.into_owned(),
    };
    let mut s = String::with_capacity(body.len() + 16);
    if styled {
        s.push_str(if is_error { RED } else { DIM });
        s.push_str("  ⎿ ");
        s.push_str(&body);
        s.push_str(RESET);
    } else {
        s.push_str("  ⎿ ");
        s.push_str(&body);
    }
    s.push('\n');
    s
}

/// `error: msg`, red when styled.
pub fn error_line(msg: &str, styled: bool) -> String {
    wrap_line("error: ", msg, if styled { Some(RED) } else { None })
}

/// `msg`, dim when styled.
pub fn note_line(msg: &str, styled: bool) -> String {
    wrap_line("", msg, if styled { Some(DIM) } else { None })
}

fn wrap_line(prefix: &str, msg: &str, sgr: Option<&str>) -> String {
    let msg = sanitize(msg.trim_end_matches(['\n', '\r']));
    let mut s = String::with_capacity(prefix.len() + msg.len() + 12);
    if let Some(sgr) = sgr {
        s.push_str(sgr);
    }
    s.push_str(prefix);
    s.push_str(&msg);
    if sgr.is_some() {
        s.push_str(RESET);
    }
    s.push('\n');
    s
}

/// `head` then `text` wrapped at word boundaries to `width` columns, later
/// lines indented under the text's start (or not at all when too narrow).
pub fn hanging(head: &str, text: &str, width: usize) -> String {
    let indent = head.chars().count();
    let indent = if indent + 20 > width { 0 } else { indent };
    let mut out = head.to_string();
    let mut col = head.chars().count();
    let mut first = true;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if !first && col + 1 + len > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
        } else if !first {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += len;
        first = false;
    }
    out
}

/// Text from the model or from files, made harmless: every escape sequence and control
/// character except `\n` and `\t` is shown escaped (see `safe`). Borrows when clean.
pub(crate) fn sanitize(s: &str) -> Cow<'_, str> {
    super::safe::text(s)
}

/// Appends `src` to `dst` without control characters (other than `\n`, `\t`) and without escape
/// sequences, except SGR sequences (`ESC [ ... m`) when `keep_sgr`.
pub(crate) fn sanitize_into(src: &str, dst: &mut String, keep_sgr: bool) {
    let b = src.as_bytes();
    let mut i = 0;
    let mut start = 0; // start of the pending clean run
    while i < b.len() {
        let c = b[i];
        let is_c1 = c == 0xc2 && matches!(b.get(i + 1), Some(0x80..=0x9f));
        if !((c < 0x20 && c != b'\n' && c != b'\t') || c == 0x7f || is_c1) {
            i += 1;
            continue;
        }
        dst.push_str(&src[start..i]);
        if is_c1 {
            i += 2;
        } else if c == 0x1b {
            match b.get(i + 1) {
                Some(b'[') => {
                    // CSI: parameters and intermediates, then one final byte 0x40..=0x7e.
                    let mut j = i + 2;
                    while j < b.len() && (0x20..=0x3f).contains(&b[j]) {
                        j += 1;
                    }
                    if j < b.len() && (0x40..=0x7e).contains(&b[j]) {
                        if keep_sgr && b[j] == b'm' {
                            dst.push_str(&src[i..=j]);
                        }
                        j += 1;
                    }
                    i = j;
                }
                Some(b']') | Some(b'P') | Some(b'_') | Some(b'^') => {
                    // OSC / DCS / APC / PM: up to BEL or ST (ESC \).
                    let mut j = i + 2;
                    while j < b.len()
                        && b[j] != 0x07
                        && !(b[j] == 0x1b && b.get(j + 1) == Some(&b'\\'))
                    {
                        j += 1;
                    }
                    i = if j >= b.len() {
                        j
                    } else if b[j] == 0x07 {
                        j + 1
                    } else {
                        j + 2
                    };
                }
                Some(&n) if n < 0x80 => i += 2,
                _ => i += 1,
            }
        } else {
            i += 1;
        }
        start = i;
    }
    dst.push_str(&src[start.min(b.len())..]);
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Equal,
    Delete,
    Insert,
}

/// A compact unified diff of `old` → `new` (`old == None`: a new file, `--- /dev/null`), with
/// 3 lines of context per hunk. Added lines green, removed red when styled. Returns an empty
/// string when there is no change.
pub fn diff(old: Option<&str>, new: &str, path: &str, styled: bool) -> String {
    let a: Vec<&str> = old
        .map(|o| o.split_inclusive('\n').collect())
        .unwrap_or_default();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = edit_script(&a, &b);
    if ops.iter().all(|&o| o == Op::Equal) && old.is_some() {
        return String::new();
    }
    let path = sanitize(path);
    let mut s = String::new();
    let (bold, red, green, cyan, reset) = if styled {
        (BOLD, RED, GREEN, CYAN, RESET)
    } else {
        ("", "", "", "", "")
    };
    // An absolute path (outside the session's directory) is shown as it is,
    // not as `a//abs/path`.
    let (from, to) = if path.starts_with('/') {
        ("", "")
    } else {
        ("a/", "b/")
    };
    if old.is_some() {
        s.push_str(&format!("{bold}--- {from}{path}{reset}\n"));
    } else {
        s.push_str(&format!("{bold}--- /dev/null{reset}\n"));
    }
    s.push_str(&format!("{bold}+++ {to}{path}{reset}\n"));
    if ops.is_empty() {
        return s; // new empty file
    }

    // Positions (old index, new index) before each op.
    let mut pos = Vec::with_capacity(ops.len() + 1);
    let (mut i, mut j) = (0usize, 0usize);
    for &op in &ops {
        pos.push((i, j));
        match op {
            Op::Equal => {
                i += 1;
                j += 1;
            }
            Op::Delete => i += 1,
            Op::Insert => j += 1,
        }
    }
    pos.push((i, j));

    let changes: Vec<usize> = (0..ops.len()).filter(|&k| ops[k] != Op::Equal).collect();
    let mut c = 0;
    while c < changes.len() {
        let start = changes[c].saturating_sub(CONTEXT);
        let mut last = changes[c];
        c += 1;
        while c < changes.len() && changes[c] - last <= 2 * CONTEXT + 1 {
            last = changes[c];
            c += 1;
        }
        let end = (last + 1 + CONTEXT).min(ops.len());
        let span = &ops[start..end];
        let old_n = span.iter().filter(|&&o| o != Op::Insert).count();
        let new_n = span.iter().filter(|&&o| o != Op::Delete).count();
        let (oi, nj) = pos[start];
        let old_l = if old_n == 0 { oi } else { oi + 1 };
        let new_l = if new_n == 0 { nj } else { nj + 1 };
        s.push_str(&format!(
            "{cyan}@@ -{old_l},{old_n} +{new_l},{new_n} @@{reset}\n"
        ));
        for (k, &op) in span.iter().enumerate() {
            let (oi, nj) = pos[start + k];
            let (mark, line, color) = match op {
                Op::Equal => (' ', a[oi], ""),
                Op::Delete => ('-', a[oi], red),
                Op::Insert => ('+', b[nj], green),
            };
            let (text, had_nl) = match line.strip_suffix('\n') {
                Some(t) => (t.strip_suffix('\r').unwrap_or(t), true),
                None => (line, false),
            };
            s.push_str(color);
            s.push(mark);
            s.push_str(&sanitize(text));
            if !color.is_empty() {
                s.push_str(reset);
            }
            s.push('\n');
            if !had_nl {
                s.push_str("\\ No newline at end of file\n");
            }
        }
    }
    s
}

/// Line edit script: common prefix and suffix stripped, Myers on the middle, and a plain
/// "delete all, insert all" for the middle when the edit distance exceeds the bound.
fn edit_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut ops = vec![Op::Equal; pre];
    match myers(am, bm, MAX_EDIT_DISTANCE) {
        Some(mid) => ops.extend(mid),
        None => {
            ops.extend(std::iter::repeat_n(Op::Delete, am.len()));
            ops.extend(std::iter::repeat_n(Op::Insert, bm.len()));
        }
    }
    ops.extend(std::iter::repeat_n(Op::Equal, suf));
    ops
}

/// Myers' O((N+M)·D) shortest edit script; `None` when D would exceed `max_d`.
fn myers(a: &[&str], b: &[&str], max_d: usize) -> Option<Vec<Op>> {
    let (n, m) = (a.len() as i64, b.len() as i64);
    if n == 0 || m == 0 {
        let mut ops = vec![Op::Delete; a.len()];
        ops.extend(std::iter::repeat_n(Op::Insert, b.len()));
        return Some(ops);
    }
    let limit = ((n + m) as usize).min(max_d) as i64;
    let off = limit + 1;
    let mut v = vec![0i32; (2 * limit + 3) as usize];
    // trace[d] holds v[k] for k in -d..=d as it was before step d.
    let mut trace: Vec<Vec<i32>> = Vec::new();
    for d in 0..=limit {
        trace.push(v[(off - d) as usize..=(off + d) as usize].to_vec());
        let mut k = -d;
        while k <= d {
            let down = k == -d || (k != d && v[(off + k - 1) as usize] < v[(off + k + 1) as usize]);
            let mut x = if down {
                v[(off + k + 1) as usize] as i64
            } else {
                v[(off + k - 1) as usize] as i64 + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[(off + k) as usize] = x as i32;
            if x >= n && y >= m {
                return Some(backtrack(&trace, n, m));
            }
            k += 2;
        }
    }
    None
}

fn backtrack(trace: &[Vec<i32>], n: i64, m: i64) -> Vec<Op> {
    let mut ops = Vec::with_capacity((n + m) as usize);
    let (mut x, mut y) = (n, m);
    for d in (0..trace.len() as i64).rev() {
        let v = &trace[d as usize];
        let at = |k: i64| v[(k + d) as usize] as i64;
        let k = x - y;
        let prev_k = if k == -d || (k != d && at(k - 1) < at(k + 1)) {
            k + 1
        } else {
            k - 1
        };
        let (px, py) = if d == 0 {
            (0, 0)
        } else {
            let px = at(prev_k);
            (px, px - prev_k)
        };
        while x > px && y > py {
            ops.push(Op::Equal);
            x -= 1;
            y -= 1;
        }
        if d > 0 {
            ops.push(if x == px { Op::Insert } else { Op::Delete });
        }
        x = px;
        y = py;
    }
    ops.reverse();
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_line_plain_exact() {
        assert_eq!(
            tool_line("bash", "cargo test", false),
            "● bash  cargo test\n"
        );
        assert_eq!(
            tool_line("bash", "cat <<EOF\nx\nEOF", false),
            "● bash  cat <<EOF …\n"
        );
        assert_eq!(tool_line("glob", "", false), "● glob\n");
    }

    #[test]
    fn tool_line_styled_colours_name() {
        let s = tool_line("bash", "cargo test", true);
        assert!(s.contains("\x1b["));
        assert!(s.contains("bash"));
        assert!(s.ends_with("  cargo test\n"));
    }

    #[test]
    fn result_line_plain_exact() {
        assert_eq!(result_line("42 lines", false, false), "  ⎿ 42 lines\n");
        assert_eq!(result_line("first\nsecond\n", false, false), "  ⎿ first\n");
        assert_eq!(result_line("\n\n", false, false), "  ⎿ (no output)\n");
        let long = "é".repeat(150);
        let s = result_line(&long, false, false);
        assert_eq!(s, format!("  ⎿ {}…\n", "é".repeat(100)));
    }

    #[test]
    fn result_line_error_is_red_when_styled() {
        assert!(result_line("boom", true, true).starts_with(RED));
        assert!(result_line("ok", false, true).starts_with(DIM));
    }

    #[test]
    fn error_and_note_lines() {
        assert_eq!(error_line("no key", false), "error: no key\n");
        assert_eq!(note_line("saved", false), "saved\n");
        assert!(error_line("no key", true).contains(RED));
        assert!(note_line("saved", true).contains(DIM));
    }

    #[test]
    fn plain_helpers_show_escapes_as_text() {
        let s = tool_line("x\x1b[8m", "echo \x1b[2Jhi\x1b]0;title\x07", false);
        assert_eq!(s, "● x\\e[8m  echo \\e[2Jhi\\e]0;title\\x07\n");
        assert!(!error_line("a\x1b[31mb", false).contains('\x1b'));
    }

    #[test]
    fn sanitize_keeps_sgr_only_when_asked() {
        let src = "a\x1b[1mb\x1b[0m\x1b[2Ac\x1b[Kd\x1b7e\u{9b}f\rg";
        let mut kept = String::new();
        sanitize_into(src, &mut kept, true);
        assert_eq!(kept, "a\x1b[1mb\x1b[0mcdefg");
        assert_eq!(
            sanitize(src),
            "a\\e[1mb\\e[0m\\e[2Ac\\e[Kd\\e7e\\u{9b}f\\rg"
        );
        assert!(matches!(sanitize("plain\ttext\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn diff_insert() {
        let old = "a\nb\nc\n";
        let new = "a\nb\nX\nc\n";
        assert_eq!(
            diff(Some(old), new, "f.txt", false),
            "--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,4 @@\n a\n b\n+X\n c\n"
        );
    }

    #[test]
    fn diff_delete_with_context_limits() {
        let old: String = (1..=10).map(|i| format!("{i}\n")).collect();
        let new: String = (1..=10)
            .filter(|&i| i != 5)
            .map(|i| format!("{i}\n"))
            .collect();
        assert_eq!(
            diff(Some(&old), &new, "n", false),
            "--- a/n\n+++ b/n\n@@ -2,7 +2,6 @@\n 2\n 3\n 4\n-5\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn diff_change_and_separate_hunks() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new: String = (1..=20)
            .map(|i| match i {
                2 => "two\n".to_string(),
                18 => "eighteen\n".to_string(),
                _ => format!("{i}\n"),
            })
            .collect();
        let d = diff(Some(&old), &new, "n", false);
        assert_eq!(
            d,
            "--- a/n\n+++ b/n\n\
             @@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n\
             @@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+eighteen\n 19\n 20\n"
        );
    }

    #[test]
    fn diff_new_file() {
        assert_eq!(
            diff(None, "x\ny\n", "new.rs", false),
            "--- /dev/null\n+++ b/new.rs\n@@ -0,0 +1,2 @@\n+x\n+y\n"
        );
    }

    #[test]
    fn diff_no_change_is_empty_and_missing_newline_is_marked() {
        assert_eq!(diff(Some("a\n"), "a\n", "p", false), "");
        assert_eq!(
            diff(Some("a\n"), "a", "p", false),
            "--- a/p\n+++ b/p\n@@ -1,1 +1,1 @@\n-a\n+a\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn diff_styled_colours_lines() {
        let d = diff(Some("a\nb\n"), "a\nc\n", "p", true);
        assert!(d.contains(&format!("{RED}-b{RESET}")));
        assert!(d.contains(&format!("{GREEN}+c{RESET}")));
        assert!(!diff(Some("a\nb\n"), "a\nc\n", "p", false).contains('\x1b'));
    }

    /// Applies a plain diff's hunks to `old` and checks it yields `new` (Myers correctness).
    fn apply(old: &str, d: &str) -> String {
        let a: Vec<&str> = old.lines().collect();
        let mut out = Vec::new();
        let mut ai = 0usize;
        for line in d.lines().skip(2) {
            if let Some(h) = line.strip_prefix("@@ -") {
                let l: usize = h.split([',', ' ']).next().unwrap().parse().unwrap();
                let n: usize = h.split([',', ' ']).nth(1).unwrap().parse().unwrap();
                let start = if n == 0 { l } else { l - 1 };
                while ai < start {
                    out.push(a[ai].to_string());
                    ai += 1;
                }
            } else if let Some(t) = line.strip_prefix(' ') {
                assert_eq!(a[ai], t);
                out.push(t.to_string());
                ai += 1;
            } else if let Some(t) = line.strip_prefix('-') {
                assert_eq!(a[ai], t);
                ai += 1;
            } else if let Some(t) = line.strip_prefix('+') {
                out.push(t.to_string());
            }
        }
        out.extend(a[ai..].iter().map(|s| s.to_string()));
        out.iter().map(|l| format!("{l}\n")).collect()
    }

    #[test]
    fn diff_round_trips_on_scrambled_inputs() {
        let mut seed = 12345u64;
        let mut rnd = move |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for _ in 0..200 {
            let old: String = (0..rnd(40)).map(|_| format!("{}\n", rnd(6))).collect();
            let new: String = (0..rnd(40)).map(|_| format!("{}\n", rnd(6))).collect();
            let d = diff(Some(&old), &new, "p", false);
            if old == new {
                assert!(d.is_empty());
            } else {
                assert_eq!(apply(&old, &d), new, "diff:\n{d}");
            }
        }
    }

    #[test]
    fn diff_huge_change_falls_back_to_replace() {
        let old: String = (0..3000).map(|i| format!("o{i}\n")).collect();
        let new: String = (0..3000).map(|i| format!("n{i}\n")).collect();
        let d = diff(Some(&old), &new, "p", false);
        assert!(d.contains("@@ -1,3000 +1,3000 @@"));
        assert_eq!(apply(&old, &d), new);
    }
}
