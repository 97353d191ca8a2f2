//! Helpers shared by the tools.

use super::ToolOutput;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Resolves a path the model gave against the session's working directory.
pub fn resolve_path(cwd: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    }
}

/// Where a write to `path` lands, symlinks (dangling ones too) followed.
/// A symlink never carries a write from inside the workspace (`cwd`) to a
/// place outside it; `confined` also refuses a path named outside.
pub fn write_target(cwd: &Path, path: &Path, confined: bool) -> Result<PathBuf, String> {
    use crate::permissions::workspace::{canonical, normalize};
    let root = canonical(cwd);
    let lexical = normalize(path);
    let inside = lexical.starts_with(cwd) || lexical.starts_with(&root);
    let target = canonical(path);
    if (inside || confined) && !target.starts_with(&root) {
        return Err(if inside {
            format!(
                "{} leads through a symlink to {}, outside the workspace",
                path.display(),
                target.display()
            )
        } else {
            format!("{} is outside the workspace", path.display())
        });
    }
    Ok(target)
}

/// Writes a whole file without following a symlink in its last part, so a
/// link put there after the check cannot redirect the write.
pub async fn write_nofollow(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut f = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .await?;
    f.write_all(bytes).await?;
    f.flush().await
}

/// A path as shown to the model: relative to `cwd` when inside it.
pub fn display_path(cwd: &Path, p: &Path) -> String {
    match p.strip_prefix(cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => p.to_string_lossy().into_owned(),
    }
}

/// A required string argument.
pub fn req_str<'a>(args: &'a Value, name: &str) -> Result<&'a str, ToolOutput> {
    match args.get(name) {
        None | Some(Value::Null) => Err(ToolOutput::err(format!(
            "missing required argument `{name}`"
        ))),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ToolOutput::err(format!(
            "argument `{name}` must be a string"
        ))),
    }
}

/// An optional string argument.
pub fn opt_str<'a>(args: &'a Value, name: &str) -> Result<Option<&'a str>, ToolOutput> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ToolOutput::err(format!(
            "argument `{name}` must be a string"
        ))),
    }
}

/// An optional non-negative integer argument (numeric strings are accepted too).
pub fn opt_u64(args: &Value, name: &str) -> Result<Option<u64>, ToolOutput> {
    let bad = || ToolOutput::err(format!("argument `{name}` must be a non-negative integer"));
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(v) = n.as_u64() {
                Ok(Some(v))
            } else {
                match n.as_f64() {
                    Some(f) if f >= 0.0 && f.fract() == 0.0 && f <= u64::MAX as f64 => {
                        Ok(Some(f as u64))
                    }
                    _ => Err(bad()),
                }
            }
        }
        Some(Value::String(s)) => s.trim().parse::<u64>().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// An optional boolean argument (`"true"`/`"false"` strings are accepted too).
pub fn opt_bool(args: &Value, name: &str) -> Result<Option<bool>, ToolOutput> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(_) => Err(ToolOutput::err(format!(
            "argument `{name}` must be a boolean"
        ))),
    }
}

/// The largest index `<= i` that lies on a char boundary of `s`.
pub fn floor_boundary(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    let mut i = i;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest index `>= i` that lies on a char boundary of `s`.
pub fn ceil_boundary(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    let mut i = i;
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Cuts `line` to at most `max` chars, appending a marker when it was longer.
pub fn cut_line(line: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match line.char_indices().nth(max) {
        None => line.into(),
        Some((idx, _)) => {
            let rest = line[idx..].chars().count();
            format!("{}… [{rest} more chars]", &line[..idx]).into()
        }
    }
}

/// Caps `s` at about `max` bytes, keeping its head and tail with a marker in
/// between that says how much was left out.
pub fn cap_head_tail(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let head_len = floor_boundary(s, max / 2);
    let tail_start = ceil_boundary(s, s.len() - (max - max / 2));
    let tail_start = tail_start.max(head_len);
    let omitted = tail_start - head_len;
    format!(
        "{}\n[... {omitted} bytes omitted ...]\n{}",
        &s[..head_len],
        &s[tail_start..]
    )
}

/// The first line of `s`, cut to `max` chars, for one-line summaries.
pub fn first_line(s: &str, max: usize) -> String {
    let line = s
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let more_lines = s.trim().lines().count() > 1;
    let mut out: String = match line.char_indices().nth(max) {
        None => line.to_string(),
        Some((idx, _)) => format!("{}…", &line[..idx]),
    };
    if more_lines && !out.ends_with('…') {
        out.push_str(" …");
    }
    out
}

/// A file's current text for an edit: None when it does not exist.
pub async fn read_existing(path: &Path) -> Result<Option<String>, String> {
    if tokio::fs::metadata(path).await.is_ok_and(|m| m.is_dir()) {
        return Err("is a directory".to_string());
    }
    match tokio::fs::read(path).await {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Ok(Some(s)),
            Err(_) => Err("is not valid UTF-8 text".to_string()),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// A gitignore-aware walk of `root` (also outside git repositories), in
/// file-name order, never entering `.git`. Hidden files are skipped unless
/// `hidden` is true.
pub fn walker(root: &Path, hidden: bool) -> ignore::Walk {
    walk_builder(root, hidden)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build()
}

fn walk_builder(root: &Path, hidden: bool) -> ignore::WalkBuilder {
    let mut b = ignore::WalkBuilder::new(root);
    b.hidden(!hidden)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git");
    b
}

/// The same walk on every core, in no particular order: `each` gets every
/// entry and says whether to go on.
pub fn walk_parallel(root: &Path, hidden: bool, each: &(dyn Fn(ignore::DirEntry) -> bool + Sync)) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    walk_builder(root, hidden)
        .threads(threads)
        .build_parallel()
        .run(|| {
            Box::new(move |entry| match entry.map(each) {
                Ok(false) => ignore::WalkState::Quit,
                _ => ignore::WalkState::Continue,
            })
        });
}

/// Whether a glob names hidden files or directories explicitly (`.github/*`).
pub fn glob_wants_hidden(glob: &str) -> bool {
    glob.split('/')
        .any(|part| part.starts_with('.') && part != "." && part != "..")
}

/// A filter for files by glob, relative to `root`: gitignore glob syntax, so
/// a pattern without `/` matches file names at any depth.
pub fn glob_filter(root: &Path, glob: &str) -> Result<ignore::overrides::Override, String> {
    let mut b = ignore::overrides::OverrideBuilder::new(root);
    b.add(glob)
        .map_err(|e| format!("invalid glob `{glob}`: {e}"))?;
    b.build().map_err(|e| format!("invalid glob `{glob}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cap_keeps_head_and_tail() {
        let s = format!("{}{}", "a".repeat(1000), "b".repeat(1000));
        let out = cap_head_tail(&s, 100);
        assert!(out.starts_with(&"a".repeat(50)));
        assert!(out.ends_with(&"b".repeat(50)));
        assert!(out.contains("[... 1900 bytes omitted ...]"));
        assert_eq!(cap_head_tail("short", 100), "short");
    }

    #[test]
    fn cap_respects_char_boundaries() {
        let s = "é".repeat(100);
        let out = cap_head_tail(&s, 11);
        assert!(out.contains("bytes omitted"));
    }

    #[test]
    fn cut_line_marks_long_lines() {
        assert_eq!(cut_line("abc", 5), "abc");
        assert_eq!(cut_line("abcdefg", 3), "abc… [4 more chars]");
    }

    #[test]
    fn arg_errors_name_the_argument() {
        let args = json!({"path": 3, "limit": "x", "flag": 1});
        assert!(req_str(&args, "path")
            .unwrap_err()
            .content
            .contains("`path`"));
        assert!(req_str(&args, "other")
            .unwrap_err()
            .content
            .contains("missing"));
        assert!(opt_u64(&args, "limit")
            .unwrap_err()
            .content
            .contains("`limit`"));
        assert!(opt_bool(&args, "flag")
            .unwrap_err()
            .content
            .contains("`flag`"));
        assert_eq!(opt_u64(&json!({"n": 5}), "n").unwrap(), Some(5));
        assert_eq!(opt_u64(&json!({"n": "7"}), "n").unwrap(), Some(7));
    }

    #[test]
    fn first_line_summarises() {
        assert_eq!(first_line("cargo test", 80), "cargo test");
        assert_eq!(first_line("cd x\nmake", 80), "cd x …");
    }
}

#[cfg(test)]
mod spec_tests {
    use crate::tools::Registry;

    /// The tool declarations are sent with every request: keep them terse.
    #[test]
    fn tool_specs_are_terse() {
        let specs = Registry::builtin().specs();
        let mut total = 0;
        for s in &specs {
            assert!(
                !s.description.is_empty() && s.description.len() <= 100,
                "{}",
                s.name
            );
            assert!(
                s.schema.get("required").is_some(),
                "{} has no required list",
                s.name
            );
            total += s.name.len() + s.description.len() + s.schema.to_string().len();
        }
        // About 4 bytes a token: well under the shared 1,500-token budget.
        assert!(total < 2_400, "tool specs take {total} bytes");
    }
}
