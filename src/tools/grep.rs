//! The `grep` tool: regex search over files, gitignore-aware.

use super::util::{
    cut_line, display_path, glob_filter, glob_wants_hidden, opt_bool, opt_str, opt_u64, req_str,
    resolve_path, walker,
};
use super::{Tool, ToolCtx, ToolKind, ToolOutput};
use crate::agent::cancel::Cancel;
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub struct Grep;

/// Most matching lines reported.
const MAX_MATCHES: usize = 200;
/// Longest line shown, in chars.
const MAX_LINE_CHARS: usize = 300;
/// Most context lines either side of a match.
const MAX_CONTEXT: usize = 10;
/// Files larger than this are skipped.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Room kept in the output budget for the trailing notes.
const NOTE_ROOM: usize = 200;

impl Tool for Grep {
    fn name(&self) -> &str {
        "grep"
    }
    fn description(&self) -> &str {
        "Search file contents with a regex; respects .gitignore."
    }
    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "pattern": {"type": "string", "description": "Rust regex"},
                "path": {"type": "string", "description": "file or directory (default: cwd)"},
                "glob": {"type": "string", "description": "file filter, e.g. *.rs"},
                "ignore_case": {"type": "boolean"},
                "context": {"type": "integer", "description": "lines around each match"}
            },
            "required": ["pattern"]
        })
    }
    fn kind(&self) -> ToolKind {
        ToolKind::Search
    }
    fn summary(&self, args: &Value) -> String {
        let pattern = args.get("pattern").and_then(Value::as_str).unwrap_or("");
        let mut s = format!("\"{}\"", cut_line(pattern, 60));
        if let Some(path) = args.get("path").and_then(Value::as_str) {
            let _ = write!(s, " in {path}");
        }
        if let Some(glob) = args.get("glob").and_then(Value::as_str) {
            let _ = write!(s, " ({glob})");
        }
        s
    }
    fn run<'a>(&'a self, args: &'a Value, ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match run(args, ctx).await {
                Ok(out) | Err(out) => out,
            }
        })
    }
}

struct Search {
    re: regex::Regex,
    root: PathBuf,
    cwd: PathBuf,
    glob: Option<String>,
    context: usize,
    max_output: usize,
    cancel: Cancel,
}

async fn run(args: &Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolOutput> {
    let pattern = req_str(args, "pattern")?;
    let path_arg = opt_str(args, "path")?;
    let glob = opt_str(args, "glob")?.filter(|g| !g.trim().is_empty());
    let ignore_case = opt_bool(args, "ignore_case")?.unwrap_or(false);
    let context = opt_u64(args, "context")?
        .unwrap_or(0)
        .min(MAX_CONTEXT as u64) as usize;

    let re = regex::RegexBuilder::new(pattern)
        .case_insensitive(ignore_case)
        .build()
        .map_err(|e| ToolOutput::err(format!("invalid regex: {e}")))?;
    let root = resolve_path(&ctx.cwd, path_arg.unwrap_or("."));
    if tokio::fs::metadata(&root).await.is_err() {
        return Err(ToolOutput::err(format!(
            "path not found: {}",
            path_arg.unwrap_or(".")
        )));
    }
    let search = Search {
        re,
        root,
        cwd: ctx.cwd.clone(),
        glob: glob.map(str::to_string),
        context,
        max_output: ctx.max_output,
        cancel: ctx.cancel.clone(),
    };
    let task = tokio::task::spawn_blocking(move || search.run());
    tokio::select! {
        r = task => match r {
            Ok(Ok(text)) => Ok(ToolOutput::ok(text)),
            Ok(Err(e)) => Err(ToolOutput::err(e)),
            Err(e) => Err(ToolOutput::err(format!("search failed: {e}"))),
        },
        // The blocking task sees the flag and stops on its own.
        _ = ctx.cancel.cancelled() => Err(ToolOutput::err("cancelled by user")),
    }
}

impl Search {
    fn run(self) -> Result<String, String> {
        let filter = match &self.glob {
            Some(g) => Some(glob_filter(&self.root, g)?),
            None => None,
        };
        let hidden = self.glob.as_deref().is_some_and(glob_wants_hidden);
        let budget = self.max_output.saturating_sub(NOTE_ROOM).max(200);
        let mut out = String::new();
        let mut matches = 0usize;
        let mut hit_limit = false;
        let mut cut_output = false;

        'files: for entry in walker(&self.root, hidden) {
            if self.cancel.is_cancelled() {
                return Err("cancelled by user".to_string());
            }
            let Ok(entry) = entry else { continue };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path();
            if let Some(f) = &filter {
                // Explicitly named files (depth 0) are searched whatever the glob.
                let rel = path.strip_prefix(&self.root).unwrap_or(path);
                if entry.depth() > 0 && !f.matched(rel, false).is_whitelist() {
                    continue;
                }
            }
            let Some(text) = read_text(path) else {
                continue;
            };
            let shown = display_path(&self.cwd, path);

            let lines: Vec<&str> = text.lines().collect();
            let mut hits = Vec::new();
            for (i, line) in lines.iter().enumerate() {
                if self.re.is_match(line) {
                    if matches == MAX_MATCHES {
                        hit_limit = true;
                        break;
                    }
                    matches += 1;
                    hits.push(i);
                }
            }
            for (start, end) in groups(&hits, self.context, lines.len()) {
                if self.context > 0 && !out.is_empty() {
                    out.push_str("--\n");
                }
                for (i, line) in lines.iter().enumerate().take(end + 1).skip(start) {
                    let sep = if hits.binary_search(&i).is_ok() {
                        ':'
                    } else {
                        '-'
                    };
                    let line = cut_line(line.trim_end_matches('\r'), MAX_LINE_CHARS);
                    let entry = format!("{shown}{sep}{}{sep}{line}\n", i + 1);
                    if out.len() + entry.len() > budget {
                        cut_output = true;
                        break 'files;
                    }
                    out.push_str(&entry);
                }
            }
            if hit_limit {
                break;
            }
        }

        if matches == 0 {
            return Ok("no matches".to_string());
        }
        if hit_limit {
            let _ = writeln!(
                out,
                "[stopped at {MAX_MATCHES} matches; narrow the pattern, path or glob]"
            );
        } else if cut_output {
            out.push_str("[output truncated; narrow the pattern, path or glob]\n");
        }
        out.pop();
        Ok(out)
    }
}

/// A file's text, or None for binary, huge or unreadable files.
fn read_text(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > MAX_FILE_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return None;
    }
    Some(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Line ranges (inclusive) to print: each hit with `context` lines either
/// side, overlapping or touching ranges merged.
fn groups(hits: &[usize], context: usize, n_lines: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &h in hits {
        let start = h.saturating_sub(context);
        let end = (h + context).min(n_lines.saturating_sub(1));
        match out.last_mut() {
            Some(last) if start <= last.1 + 1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, ToolCtx) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::create_dir_all(p.join("src")).unwrap();
        std::fs::create_dir_all(p.join("target")).unwrap();
        std::fs::write(p.join(".gitignore"), "target/\n*.log\n").unwrap();
        std::fs::write(
            p.join("src/main.rs"),
            "use x;\n\nfn main() {\n    run();\n}\n",
        )
        .unwrap();
        std::fs::write(p.join("src/lib.rs"), "pub fn run() {}\nfn helper() {}\n").unwrap();
        std::fs::write(p.join("notes.md"), "fn main is the entry\n").unwrap();
        std::fs::write(p.join("target/gen.rs"), "fn main() {}\n").unwrap();
        std::fs::write(p.join("debug.log"), "fn main\n").unwrap();
        std::fs::write(p.join(".hidden.rs"), "fn main() {}\n").unwrap();
        std::fs::write(p.join("bin.dat"), b"fn main\0\x01\x02").unwrap();
        let ctx = ToolCtx::new(p.to_path_buf());
        (dir, ctx)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn honours_gitignore_hidden_and_binary() {
        let (_dir, ctx) = setup();
        let out = Grep.run(&json!({"pattern": "fn main"}), &ctx).await;
        assert!(!out.is_error, "{}", out.content);
        assert_eq!(
            out.content,
            "notes.md:1:fn main is the entry\nsrc/main.rs:3:fn main() {"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn glob_filters_file_names() {
        let (_dir, ctx) = setup();
        let out = Grep
            .run(&json!({"pattern": "fn", "glob": "*.rs"}), &ctx)
            .await;
        assert_eq!(
            out.content,
            "src/lib.rs:1:pub fn run() {}\nsrc/lib.rs:2:fn helper() {}\nsrc/main.rs:3:fn main() {"
        );
        // A glob does not bring back ignored files.
        let out = Grep
            .run(&json!({"pattern": "main", "glob": "*.log"}), &ctx)
            .await;
        assert_eq!(out.content, "no matches");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn context_lines_and_path() {
        let (_dir, ctx) = setup();
        let out = Grep
            .run(
                &json!({"pattern": "run\\(\\)", "path": "src/main.rs", "context": 1}),
                &ctx,
            )
            .await;
        assert_eq!(
            out.content,
            "src/main.rs-3-fn main() {\nsrc/main.rs:4:    run();\nsrc/main.rs-5-}"
        );
        let out = Grep
            .run(
                &json!({"pattern": "FN HELPER", "path": "src", "ignore_case": true}),
                &ctx,
            )
            .await;
        assert_eq!(out.content, "src/lib.rs:2:fn helper() {}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn limits_matches_and_cuts_long_lines() {
        let dir = tempfile::tempdir().unwrap();
        let body: String = (0..500)
            .map(|i| format!("hit {i} {}\n", "y".repeat(1000)))
            .collect();
        std::fs::write(dir.path().join("many.txt"), body).unwrap();
        let mut ctx = ToolCtx::new(dir.path().to_path_buf());
        ctx.max_output = 1_000_000;
        let out = Grep.run(&json!({"pattern": "hit"}), &ctx).await;
        assert_eq!(
            out.content
                .lines()
                .filter(|l| l.starts_with("many.txt:"))
                .count(),
            200
        );
        assert!(out.content.contains("[stopped at 200 matches"));
        assert!(out.content.lines().all(|l| l.chars().count() < 400));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn errors() {
        let (_dir, ctx) = setup();
        let out = Grep.run(&json!({"pattern": "fn ("}), &ctx).await;
        assert!(out.is_error);
        assert!(out.content.starts_with("invalid regex"), "{}", out.content);
        let out = Grep
            .run(&json!({"pattern": "x", "path": "nope"}), &ctx)
            .await;
        assert!(out.is_error);
        assert!(out.content.contains("not found"));
        let out = Grep.run(&json!({"path": "src"}), &ctx).await;
        assert!(out.is_error);
        assert!(out.content.contains("`pattern`"));
        let out = Grep.run(&json!({"pattern": "zzzz"}), &ctx).await;
        assert!(!out.is_error);
        assert_eq!(out.content, "no matches");
    }

    #[test]
    fn merges_context_groups() {
        assert_eq!(groups(&[1, 3, 10], 1, 12), vec![(0, 4), (9, 11)]);
        assert_eq!(groups(&[0], 0, 1), vec![(0, 0)]);
    }

    #[test]
    fn summary_names_pattern_and_path() {
        assert_eq!(
            Grep.summary(&json!({"pattern": "fn main", "path": "src"})),
            "\"fn main\" in src"
        );
    }
}
