//! The `write` tool: creates or overwrites a whole file.

use super::util::{req_str, resolve_path, write_nofollow, write_target};
use super::{FileDiff, Tool, ToolCtx, ToolKind, ToolOutput};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::path::PathBuf;

pub struct Write;

impl Tool for Write {
    fn name(&self) -> &str {
        "write"
    }
    fn description(&self) -> &str {
        "Create or overwrite a file with the given content."
    }
    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "content": {"type": "string"}
            },
            "required": ["path", "content"]
        })
    }
    fn kind(&self) -> ToolKind {
        ToolKind::Edit
    }
    fn summary(&self, args: &Value) -> String {
        args.get("path")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string()
    }
    fn preview<'a>(
        &'a self,
        args: &'a Value,
        ctx: &'a ToolCtx,
    ) -> LocalBoxFuture<'a, Option<FileDiff>> {
        Box::pin(async move { plan(args, ctx).await.ok() })
    }
    fn run<'a>(&'a self, args: &'a Value, ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match run(args, ctx).await {
                Ok(out) | Err(out) => out,
            }
        })
    }
}

/// The change a call would make, checked but not written.
async fn plan(args: &Value, ctx: &ToolCtx) -> Result<FileDiff, ToolOutput> {
    let path_arg = req_str(args, "path")?;
    let content = req_str(args, "content")?;
    let path: PathBuf = resolve_path(&ctx.cwd, path_arg);
    if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir()) {
        return Err(ToolOutput::err(format!("{path_arg} is a directory")));
    }
    if let Some(r) = super::client::read_text(ctx, &path).await {
        // The editor reports a missing file as an error: then it is a new one.
        return Ok(FileDiff {
            path,
            old: r.ok(),
            new: content.to_string(),
        });
    }
    let old = match tokio::fs::read(&path).await {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(ToolOutput::err(format!("cannot read {path_arg}: {e}"))),
    };
    Ok(FileDiff {
        path,
        old,
        new: content.to_string(),
    })
}

async fn run(args: &Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolOutput> {
    let diff = plan(args, ctx).await?;
    let path_arg = req_str(args, "path")?;
    let target = write_target(&ctx.cwd, &diff.path, false).map_err(ToolOutput::err)?;
    if let Some(r) = super::client::write_text(ctx, &target, &diff.new).await {
        r.map_err(|e| ToolOutput::err(format!("cannot write {path_arg}: {e}")))?;
    } else {
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(|e| {
                ToolOutput::err(format!("cannot create directory for {path_arg}: {e}"))
            })?;
        }
        write_nofollow(&target, diff.new.as_bytes())
            .await
            .map_err(|e| ToolOutput::err(format!("cannot write {path_arg}: {e}")))?;
    }
    let verb = if diff.old.is_some() {
        "overwrote"
    } else {
        "created"
    };
    let lines = diff.new.lines().count();
    let s = if lines == 1 { "" } else { "s" };
    let mut out = ToolOutput::ok(format!("{verb} {path_arg} ({lines} line{s})"));
    out.diff = Some(Box::new(diff));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn creates_parent_dirs_and_reports_diff() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ToolCtx::new(dir.path().to_path_buf());
        let args = json!({"path": "a/b/c.txt", "content": "x\ny\n"});

        let preview = Write.preview(&args, &ctx).await.unwrap();
        assert_eq!(preview.old, None);
        assert!(!dir.path().join("a").exists(), "preview must not write");

        let out = Write.run(&args, &ctx).await;
        assert!(!out.is_error, "{}", out.content);
        assert_eq!(out.content, "created a/b/c.txt (2 lines)");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a/b/c.txt")).unwrap(),
            "x\ny\n"
        );
        let diff = out.diff.unwrap();
        assert_eq!(diff.path, dir.path().join("a/b/c.txt"));
        assert_eq!(diff.old, None);
        assert_eq!(diff.new, "x\ny\n");

        let args = json!({"path": "a/b/c.txt", "content": "z"});
        let preview = Write.preview(&args, &ctx).await.unwrap();
        assert_eq!(preview.old.as_deref(), Some("x\ny\n"));
        let out = Write.run(&args, &ctx).await;
        assert_eq!(out.content, "overwrote a/b/c.txt (1 line)");
        assert_eq!(out.diff.unwrap().old.as_deref(), Some("x\ny\n"));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a/b/c.txt")).unwrap(),
            "z"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn bad_args_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ToolCtx::new(dir.path().to_path_buf());
        let out = Write.run(&json!({"path": "f"}), &ctx).await;
        assert!(out.is_error);
        assert!(out.content.contains("`content`"));
        let out = Write.run(&json!({"path": 1, "content": ""}), &ctx).await;
        assert!(out.is_error);
        assert!(out.content.contains("`path`"));
        let out = Write.run(&json!({"path": ".", "content": "x"}), &ctx).await;
        assert!(out.is_error);
        assert!(out.content.contains("directory"));
        assert!(Write.preview(&json!({"path": "."}), &ctx).await.is_none());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn never_writes_through_a_symlink_out_of_the_workspace() {
        let top = tempfile::tempdir().unwrap();
        let ws = top.path().join("ws");
        let out = top.path().join("out");
        std::fs::create_dir_all(&ws).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("kept"), "old").unwrap();
        std::os::unix::fs::symlink(out.join("new"), ws.join("dangling")).unwrap();
        std::os::unix::fs::symlink(out.join("kept"), ws.join("existing")).unwrap();
        std::os::unix::fs::symlink(&out, ws.join("dir")).unwrap();
        std::fs::write(ws.join("inner"), "a").unwrap();
        std::os::unix::fs::symlink(ws.join("inner"), ws.join("inner_link")).unwrap();
        let ctx = ToolCtx::new(ws.clone());
        for path in ["dangling", "existing", "dir/x", "dir/../dir/y"] {
            let out_msg = Write
                .run(&json!({"path": path, "content": "pwned"}), &ctx)
                .await;
            assert!(out_msg.is_error, "{path}: {}", out_msg.content);
            assert!(
                out_msg.content.contains("outside the workspace"),
                "{}",
                out_msg.content
            );
        }
        assert!(!out.join("new").exists());
        assert!(!out.join("x").exists() && !out.join("y").exists());
        assert_eq!(std::fs::read_to_string(out.join("kept")).unwrap(), "old");
        // A symlink that stays inside is written through to its target.
        let ok = Write
            .run(&json!({"path": "inner_link", "content": "b"}), &ctx)
            .await;
        assert!(!ok.is_error, "{}", ok.content);
        assert_eq!(std::fs::read_to_string(ws.join("inner")).unwrap(), "b");
    }
}
