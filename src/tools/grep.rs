//! The `grep` tool: regex search over files, gitignore-aware. The walk
//! feeds files to one searcher per core; results are put back in walk order,
//! so the output does not depend on the number of threads.

use super::grep_file::{self, FileHits};
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
    re: regex::bytes::Regex,
    root: PathBuf,
    cwd: PathBuf,
    glob: Option<String>,
    context: usize,
    max_output: usize,
    cancel: Cancel,
    /// Files searched at once: the cores available (1 searches in line).
    threads: usize,
}

async fn run(args: &Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolOutput> {
    let pattern = req_str(args, "pattern")?;
    let path_arg = opt_str(args, "path")?;
    let glob = opt_str(args, "glob")?.filter(|g| !g.trim().is_empty());
    let ignore_case = opt_bool(args, "ignore_case")?.unwrap_or(false);
    let context = opt_u64(args, "context")?
        .unwrap_or(0)
        .min(MAX_CONTEXT as u64) as usize;

    let re = grep_file::build(pattern, ignore_case)
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
        threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS)),
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

/// Search threads at most, however many cores there are.
const MAX_THREADS: usize = 8;

/// The report, built file by file in walk order.
struct Report {
    out: String,
    matches: usize,
    budget: usize,
    context: usize,
    hit_limit: bool,
    cut_output: bool,
}

impl Report {
    /// Adds one file's lines; false once the report is full.
    fn add(&mut self, shown: &str, mut r: FileHits) -> bool {
        let remaining = MAX_MATCHES - self.matches;
        if r.hits.len() > remaining {
            r.hits.truncate(remaining);
            self.hit_limit = true;
        }
        self.matches += r.hits.len();
        let mut lines = r.lines.iter();
        for (start, end) in groups(&r.hits, self.context, r.n_lines) {
            if self.context > 0 && !self.out.is_empty() {
                self.out.push_str("--\n");
            }
            for i in start..=end {
                let Some((_, text)) = lines.find(|(n, _)| *n == i) else {
                    continue;
                };
                let sep = if r.hits.binary_search(&i).is_ok() {
                    ':'
                } else {
                    '-'
                };
                let line = cut_line(text, MAX_LINE_CHARS);
                let entry = format!("{shown}{sep}{}{sep}{line}\n", i + 1);
                if self.out.len() + entry.len() > self.budget {
                    self.cut_output = true;
                    return false;
                }
                self.out.push_str(&entry);
            }
        }
        !self.hit_limit
    }

    fn finish(mut self) -> String {
        if self.matches == 0 {
            return "no matches".to_string();
        }
        if self.hit_limit {
            let _ = writeln!(
                self.out,
                "[stopped at {MAX_MATCHES} matches; narrow the pattern, path or glob]"
            );
        } else if self.cut_output {
            self.out
                .push_str("[output truncated; narrow the pattern, path or glob]\n");
        }
        self.out.pop();
        self.out
    }
}

impl Search {
    fn run(self) -> Result<String, String> {
        let filter = match &self.glob {
            Some(g) => Some(glob_filter(&self.root, g)?),
            None => None,
        };
        let hidden = self.glob.as_deref().is_some_and(glob_wants_hidden);
        let mut report = Report {
            out: String::new(),
            matches: 0,
            budget: self.max_output.saturating_sub(NOTE_ROOM).max(200),
            context: self.context,
            hit_limit: false,
            cut_output: false,
        };
        // The files to search, in the walker's (sorted) order.
        let files = walker(&self.root, hidden).filter_map(|entry| {
            let entry = entry.ok()?;
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return None;
            }
            if let Some(f) = &filter {
                // Explicitly named files (depth 0) are searched whatever the glob.
                let rel = entry
                    .path()
                    .strip_prefix(&self.root)
                    .unwrap_or(entry.path());
                if entry.depth() > 0 && !f.matched(rel, false).is_whitelist() {
                    return None;
                }
            }
            Some(entry.into_path())
        });
        if self.threads <= 1 {
            let mut buf = Vec::new();
            for path in files {
                if self.cancel.is_cancelled() {
                    return Err("cancelled by user".to_string());
                }
                if let Some(r) = self.search_file(&path, &mut buf) {
                    if !report.add(&display_path(&self.cwd, &path), r) {
                        break;
                    }
                }
            }
        } else {
            self.parallel(files, &mut report)?;
        }
        Ok(report.finish())
    }

    fn search_file(&self, path: &Path, buf: &mut Vec<u8>) -> Option<FileHits> {
        if !grep_file::read(path, buf) {
            return None;
        }
        let r = grep_file::search(&self.re, buf, MAX_MATCHES, self.context);
        (!r.hits.is_empty()).then_some(r)
    }

    /// Walks on this thread while `threads` workers search; results join the
    /// report in walk order, so the output is the same as a one-thread
    /// search, and everything stops as soon as the report is full.
    fn parallel(
        &self,
        files: impl Iterator<Item = PathBuf>,
        report: &mut Report,
    ) -> Result<(), String> {
        use std::collections::BTreeMap;
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{mpsc, Mutex};

        type Done = (usize, PathBuf, Option<FileHits>);
        let stop = AtomicBool::new(false);
        let (work_tx, work_rx) = mpsc::sync_channel::<(usize, PathBuf)>(self.threads * 16);
        let work_rx = Mutex::new(work_rx);
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        std::thread::scope(|scope| {
            for _ in 0..self.threads {
                let done_tx = done_tx.clone();
                let (work_rx, stop) = (&work_rx, &stop);
                scope.spawn(move || {
                    let mut buf = Vec::new();
                    loop {
                        let next = work_rx.lock().ok().and_then(|rx| rx.recv().ok());
                        let Some((i, path)) = next else { break };
                        let r = if stop.load(Ordering::Relaxed) || self.cancel.is_cancelled() {
                            None
                        } else {
                            self.search_file(&path, &mut buf)
                        };
                        if done_tx.send((i, path, r)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done_tx);
            // Results that arrive ahead of their turn wait here.
            let mut pending: BTreeMap<usize, (PathBuf, Option<FileHits>)> = BTreeMap::new();
            let mut next = 0;
            let mut take = |done: Done| {
                pending.insert(done.0, (done.1, done.2));
                while let Some((path, r)) = pending.remove(&next) {
                    next += 1;
                    let Some(r) = r else { continue };
                    if !stop.load(Ordering::Relaxed)
                        && !report.add(&display_path(&self.cwd, &path), r)
                    {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            };
            for (sent, path) in files.enumerate() {
                if stop.load(Ordering::Relaxed) || self.cancel.is_cancelled() {
                    break;
                }
                if work_tx.send((sent, path)).is_err() {
                    break;
                }
                done_rx.try_iter().for_each(&mut take);
            }
            drop(work_tx);
            done_rx.iter().for_each(&mut take);
        });
        if self.cancel.is_cancelled() {
            return Err("cancelled by user".to_string());
        }
        Ok(())
    }
}

/// Line ranges (inclusive) to print: each hit with `context` lines either
/// side, overlapping or touching ranges merged.
pub fn groups(hits: &[usize], context: usize, n_lines: usize) -> Vec<(usize, usize)> {
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

    fn search_with(
        root: &Path,
        pattern: &str,
        context: usize,
        threads: usize,
        max: usize,
    ) -> String {
        Search {
            re: grep_file::build(pattern, false).expect("regex"),
            root: root.to_path_buf(),
            cwd: root.to_path_buf(),
            glob: None,
            context,
            max_output: max,
            cancel: Cancel::new(),
            threads,
        }
        .run()
        .expect("search")
    }

    #[test]
    fn the_same_report_on_one_thread_and_on_several() {
        let dir = tempfile::tempdir().unwrap();
        for d in 0..6 {
            let sub = dir.path().join(format!("d{d}"));
            std::fs::create_dir_all(&sub).unwrap();
            for f in 0..25 {
                let body: String = (0..40)
                    .map(|l| {
                        format!(
                            "{} {d} {f} {l}\n",
                            if (l + f) % 7 == 0 { "needle" } else { "hay" }
                        )
                    })
                    .collect();
                std::fs::write(sub.join(format!("f{f:02}.txt")), body).unwrap();
            }
        }
        std::fs::write(dir.path().join("bin.dat"), b"needle\0").unwrap();
        for (context, max) in [(0, 1_000_000), (2, 1_000_000), (0, 3_000), (1, 5_000)] {
            let one = search_with(dir.path(), "needle", context, 1, max);
            for threads in [2, 3, 8] {
                let many = search_with(dir.path(), "needle", context, threads, max);
                assert_eq!(
                    one, many,
                    "context {context}, budget {max}, {threads} threads"
                );
            }
            assert!(!one.contains("bin.dat"), "binary files are skipped");
        }
        let one = search_with(dir.path(), "needle", 0, 1, 1_000_000);
        assert!(one.ends_with("[stopped at 200 matches; narrow the pattern, path or glob]"));
        assert!(
            one.starts_with("d0/f00.txt:1:needle 0 0 0\n"),
            "{}",
            &one[..80]
        );
        let cut = search_with(dir.path(), "needle", 0, 2, 3_000);
        assert!(cut.ends_with("[output truncated; narrow the pattern, path or glob]"));
    }

    #[test]
    fn a_cancelled_search_stops_at_once() {
        let dir = tempfile::tempdir().unwrap();
        for f in 0..200 {
            std::fs::write(dir.path().join(format!("f{f}.txt")), "x\n".repeat(1000)).unwrap();
        }
        for threads in [1, 2] {
            let cancel = Cancel::new();
            cancel.cancel();
            let s = Search {
                re: grep_file::build("zzz", false).unwrap(),
                root: dir.path().to_path_buf(),
                cwd: dir.path().to_path_buf(),
                glob: None,
                context: 0,
                max_output: 10_000,
                cancel,
                threads,
            };
            assert_eq!(s.run(), Err("cancelled by user".to_string()));
        }
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
