//! The `glob` tool: files matching a pattern, newest first, gitignore-aware.

use super::util::{
    display_path, glob_filter, glob_wants_hidden, opt_str, req_str, resolve_path, walk_parallel,
};
use super::{Tool, ToolCtx, ToolKind, ToolOutput};
use crate::agent::cancel::Cancel;
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::time::SystemTime;

pub struct Glob;

/// Most paths listed.
const MAX_FILES: usize = 500;

impl Tool for Glob {
    fn name(&self) -> &str {
        "glob"
    }
    fn description(&self) -> &str {
        "Find files by glob (e.g. src/**/*.rs), newest first; respects .gitignore."
    }
    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "pattern": {"type": "string"},
                "path": {"type": "string", "description": "directory to search (default: cwd)"}
            },
            "required": ["pattern"]
        })
    }
    fn kind(&self) -> ToolKind {
        ToolKind::Search
    }
    fn summary(&self, args: &Value) -> String {
        let pattern = args.get("pattern").and_then(Value::as_str).unwrap_or("");
        match args.get("path").and_then(Value::as_str) {
            Some(path) => format!("{pattern} in {path}"),
            None => pattern.to_string(),
        }
    }
    fn run<'a>(&'a self, args: &'a Value, ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match run(args, ctx).await {
                Ok(out) | Err(out) => out,
            }
        })
    }
}

async fn run(args: &Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolOutput> {
    let pattern = req_str(args, "pattern")?.trim();
    let path_arg = opt_str(args, "path")?;
    if pattern.is_empty() {
        return Err(ToolOutput::err("argument `pattern` is empty"));
    }
    let root = resolve_path(&ctx.cwd, path_arg.unwrap_or("."));
    match tokio::fs::metadata(&root).await {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(ToolOutput::err(format!(
                "{} is not a directory",
                path_arg.unwrap_or(".")
            )))
        }
        Err(_) => {
            return Err(ToolOutput::err(format!(
                "path not found: {}",
                path_arg.unwrap_or(".")
            )))
        }
    }
    // `./src/*.rs` means `src/*.rs`.
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern).to_string();
    let cwd = ctx.cwd.clone();
    let cancel = ctx.cancel.clone();
    let task = tokio::task::spawn_blocking(move || find(&root, &cwd, &pattern, &cancel));
    tokio::select! {
        r = task => match r {
            Ok(Ok(text)) => Ok(ToolOutput::ok(text)),
            Ok(Err(e)) => Err(ToolOutput::err(e)),
            Err(e) => Err(ToolOutput::err(format!("search failed: {e}"))),
        },
        _ = ctx.cancel.cancelled() => Err(ToolOutput::err("cancelled by user")),
    }
}

fn find(
    root: &std::path::Path,
    cwd: &std::path::Path,
    pattern: &str,
    cancel: &Cancel,
) -> Result<String, String> {
    let filter = glob_filter(root, pattern)?;
    let found = std::sync::Mutex::new(Vec::new());
    walk_parallel(root, glob_wants_hidden(pattern), &|entry| {
        if cancel.is_cancelled() {
            return false;
        }
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            return true;
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        if !filter.matched(rel, false).is_whitelist() {
            return true;
        }
        let mtime = entry
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        if let Ok(mut f) = found.lock() {
            f.push((mtime, entry.into_path()));
        }
        true
    });
    if cancel.is_cancelled() {
        return Err("cancelled by user".to_string());
    }
    // Sorted after the walk, so the order does not depend on the threads.
    let mut found = found.into_inner().unwrap_or_default();
    if found.is_empty() {
        return Ok(format!("no files match {pattern}"));
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let total = found.len();
    let mut out: String = found
        .iter()
        .take(MAX_FILES)
        .map(|(_, p)| display_path(cwd, p))
        .collect::<Vec<_>>()
        .join("\n");
    if total > MAX_FILES {
        out.push_str(&format!(
            "\n[showing the {MAX_FILES} newest of {total} files; narrow the pattern or path]"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn touch(path: &std::path::Path, age_secs: u64) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, "x").unwrap();
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(age_secs))
            .unwrap();
    }

    fn setup() -> (tempfile::TempDir, ToolCtx) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(p.join(".gitignore"), "target/\n").unwrap();
        touch(&p.join("src/old.rs"), 300);
        touch(&p.join("src/tools/new.rs"), 10);
        touch(&p.join("src/mid.rs"), 100);
        touch(&p.join("src/readme.md"), 5);
        touch(&p.join("build.rs"), 50);
        touch(&p.join("target/debug/gen.rs"), 1);
        touch(&p.join(".github/workflows/ci.yml"), 1);
        let ctx = ToolCtx::new(p.to_path_buf());
        (dir, ctx)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn matches_newest_first_and_skips_ignored() {
        let (_dir, ctx) = setup();
        let out = Glob.run(&json!({"pattern": "src/**/*.rs"}), &ctx).await;
        assert!(!out.is_error, "{}", out.content);
        assert_eq!(out.content, "src/tools/new.rs\nsrc/mid.rs\nsrc/old.rs");

        let out = Glob.run(&json!({"pattern": "*.rs"}), &ctx).await;
        assert_eq!(
            out.content,
            "src/tools/new.rs\nbuild.rs\nsrc/mid.rs\nsrc/old.rs"
        );

        let out = Glob
            .run(&json!({"pattern": "*.rs", "path": "src/tools"}), &ctx)
            .await;
        assert_eq!(out.content, "src/tools/new.rs");

        let out = Glob
            .run(&json!({"pattern": ".github/**/*.yml"}), &ctx)
            .await;
        assert_eq!(out.content, ".github/workflows/ci.yml");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn caps_the_list() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..(MAX_FILES + 20) {
            std::fs::write(dir.path().join(format!("f{i}.txt")), "").unwrap();
        }
        let ctx = ToolCtx::new(dir.path().to_path_buf());
        let out = Glob.run(&json!({"pattern": "*.txt"}), &ctx).await;
        assert_eq!(out.content.lines().count(), MAX_FILES + 1);
        assert!(out
            .content
            .ends_with("[showing the 500 newest of 520 files; narrow the pattern or path]"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn empty_and_errors() {
        let (_dir, ctx) = setup();
        let out = Glob.run(&json!({"pattern": "*.zig"}), &ctx).await;
        assert!(!out.is_error);
        assert_eq!(out.content, "no files match *.zig");
        let out = Glob
            .run(&json!({"pattern": "*.rs", "path": "nope"}), &ctx)
            .await;
        assert!(out.is_error);
        let out = Glob.run(&json!({"pattern": "a{b"}), &ctx).await;
        assert!(out.is_error);
        assert!(out.content.contains("invalid glob"), "{}", out.content);
        let out = Glob.run(&json!({}), &ctx).await;
        assert!(out.is_error);
        assert!(out.content.contains("`pattern`"));
    }
}
