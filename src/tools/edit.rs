//! The `edit` tool: exact substring replacement in one file.

use super::util::{opt_bool, read_existing, req_str, resolve_path, write_nofollow, write_target};
use super::{FileDiff, Tool, ToolCtx, ToolKind, ToolOutput};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

pub struct Edit;

impl Tool for Edit {
    fn name(&self) -> &str {
        "edit"
    }
    fn description(&self) -> &str {
        "Replace an exact string in a file; old_string must be unique unless replace_all."
    }
    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "old_string": {"type": "string", "description": "exact text to replace"},
                "new_string": {"type": "string"},
                "replace_all": {"type": "boolean"}
            },
            "required": ["path", "old_string", "new_string"]
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
        Box::pin(async move { plan(args, ctx).await.ok().map(|(diff, _)| diff) })
    }
    fn run<'a>(&'a self, args: &'a Value, ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match run(args, ctx).await {
                Ok(out) | Err(out) => out,
            }
        })
    }
}

/// The change a call would make and the number of replacements, checked but
/// not written.
async fn plan(args: &Value, ctx: &ToolCtx) -> Result<(FileDiff, usize), ToolOutput> {
    let path_arg = req_str(args, "path")?;
    let old_string = req_str(args, "old_string")?;
    let new_string = req_str(args, "new_string")?;
    let replace_all = opt_bool(args, "replace_all")?.unwrap_or(false);
    if old_string.is_empty() {
        return Err(ToolOutput::err(
            "old_string is empty; to create or overwrite a file use write",
        ));
    }
    if old_string == new_string {
        return Err(ToolOutput::err(
            "old_string and new_string are the same; nothing to change",
        ));
    }
    let path = resolve_path(&ctx.cwd, path_arg);
    let read = match super::client::read_text(ctx, &path).await {
        Some(r) => r.map(Some),
        None => read_existing(&path).await,
    };
    let text = match read {
        Ok(Some(text)) => text,
        Ok(None) => {
            return Err(ToolOutput::err(format!(
                "file not found: {path_arg}; use write to create a file"
            )))
        }
        Err(e) => return Err(ToolOutput::err(format!("cannot edit {path_arg}: {e}"))),
    };

    // A file with CRLF line endings: match the model's LF text against it.
    let (old_s, new_s);
    let (mut old_string, mut new_string) = (old_string, new_string);
    if !text.contains(old_string) && old_string.contains('\n') && text.contains("\r\n") {
        old_s = old_string.replace("\r\n", "\n").replace('\n', "\r\n");
        new_s = new_string.replace("\r\n", "\n").replace('\n', "\r\n");
        old_string = &old_s;
        new_string = &new_s;
    }

    let count = text.matches(old_string).count();
    if count == 0 {
        return Err(ToolOutput::err(format!(
            "old_string not found in {path_arg}; it must match exactly, including whitespace and \
             indentation; re-read the file and try again"
        )));
    }
    if count > 1 && !replace_all {
        return Err(ToolOutput::err(format!(
            "old_string occurs {count} times in {path_arg}; add surrounding lines to make it unique \
             or set replace_all"
        )));
    }
    let new = if replace_all {
        text.replace(old_string, new_string)
    } else {
        text.replacen(old_string, new_string, 1)
    };
    Ok((
        FileDiff {
            path,
            old: Some(text),
            new,
        },
        count,
    ))
}

async fn run(args: &Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolOutput> {
    let (diff, count) = plan(args, ctx).await?;
    let path_arg = req_str(args, "path")?;
    let target = write_target(&ctx.cwd, &diff.path, false).map_err(ToolOutput::err)?;
    match super::client::write_text(ctx, &target, &diff.new).await {
        Some(r) => r.map_err(|e| ToolOutput::err(format!("cannot write {path_arg}: {e}")))?,
        None => write_nofollow(&target, diff.new.as_bytes())
            .await
            .map_err(|e| ToolOutput::err(format!("cannot write {path_arg}: {e}")))?,
    }
    let s = if count == 1 { "" } else { "s" };
    let mut out = ToolOutput::ok(format!("edited {path_arg}: {count} replacement{s}"));
    out.diff = Some(Box::new(diff));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        dir: tempfile::TempDir,
        ctx: ToolCtx,
    }

    fn fixture(content: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.rs"), content).unwrap();
        let ctx = ToolCtx::new(dir.path().to_path_buf());
        Fixture { dir, ctx }
    }

    impl Fixture {
        fn on_disk(&self) -> String {
            std::fs::read_to_string(self.dir.path().join("f.rs")).unwrap()
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn replaces_unique_text() {
        let f = fixture("fn main() {\n    println!(\"hi\");\n}\n");
        let args = json!({"path": "f.rs", "old_string": "\"hi\"", "new_string": "\"hello\""});
        let preview = Edit.preview(&args, &f.ctx).await.unwrap();
        assert_eq!(
            f.on_disk(),
            "fn main() {\n    println!(\"hi\");\n}\n",
            "preview wrote"
        );
        let out = Edit.run(&args, &f.ctx).await;
        assert!(!out.is_error, "{}", out.content);
        assert_eq!(out.content, "edited f.rs: 1 replacement");
        assert_eq!(f.on_disk(), "fn main() {\n    println!(\"hello\");\n}\n");
        let diff = out.diff.unwrap();
        assert_eq!(*diff, preview);
        assert_eq!(
            diff.old.as_deref(),
            Some("fn main() {\n    println!(\"hi\");\n}\n")
        );
        assert_eq!(diff.new, f.on_disk());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn not_found_explains() {
        let f = fixture("  indented\n");
        let args = json!({"path": "f.rs", "old_string": "   indented", "new_string": "x"});
        let out = Edit.run(&args, &f.ctx).await;
        assert!(out.is_error);
        assert!(out.content.contains("not found"));
        assert!(out.content.contains("whitespace"));
        assert!(out.content.contains("re-read"));
        assert!(Edit.preview(&args, &f.ctx).await.is_none());
        assert_eq!(f.on_disk(), "  indented\n");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn not_unique_without_replace_all() {
        let f = fixture("a = 1;\na = 1;\na = 1;\n");
        let args = json!({"path": "f.rs", "old_string": "a = 1", "new_string": "b = 2"});
        let out = Edit.run(&args, &f.ctx).await;
        assert!(out.is_error);
        assert!(
            out.content.contains("old_string occurs 3 times"),
            "{}",
            out.content
        );
        assert!(out.content.contains("replace_all"));
        assert_eq!(f.on_disk(), "a = 1;\na = 1;\na = 1;\n");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn replace_all_replaces_every_one() {
        let f = fixture("a = 1;\na = 1;\na = 1;\n");
        let args = json!({"path": "f.rs", "old_string": "a = 1", "new_string": "b = 2", "replace_all": true});
        let out = Edit.run(&args, &f.ctx).await;
        assert!(!out.is_error, "{}", out.content);
        assert_eq!(out.content, "edited f.rs: 3 replacements");
        assert_eq!(f.on_disk(), "b = 2;\nb = 2;\nb = 2;\n");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn crlf_files_match_lf_text() {
        let f = fixture("one\r\ntwo\r\nthree\r\n");
        let args = json!({"path": "f.rs", "old_string": "one\ntwo", "new_string": "1\n2"});
        let out = Edit.run(&args, &f.ctx).await;
        assert!(!out.is_error, "{}", out.content);
        assert_eq!(f.on_disk(), "1\r\n2\r\nthree\r\n");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn argument_errors() {
        let f = fixture("x\n");
        let cases = [
            (
                json!({"path": "missing.rs", "old_string": "x", "new_string": "y"}),
                "not found: missing.rs",
            ),
            (
                json!({"path": "f.rs", "old_string": "", "new_string": "y"}),
                "old_string is empty",
            ),
            (
                json!({"path": "f.rs", "old_string": "x", "new_string": "x"}),
                "the same",
            ),
            (json!({"path": "f.rs", "new_string": "y"}), "`old_string`"),
            (
                json!({"path": "f.rs", "old_string": "x", "new_string": 5}),
                "`new_string`",
            ),
            (
                json!({"path": "f.rs", "old_string": "x", "new_string": "y", "replace_all": 3}),
                "`replace_all`",
            ),
            (
                json!({"path": ".", "old_string": "x", "new_string": "y"}),
                "directory",
            ),
        ];
        for (args, want) in cases {
            let out = Edit.run(&args, &f.ctx).await;
            assert!(out.is_error, "{args}");
            assert!(out.content.contains(want), "{args}: {}", out.content);
        }
        assert_eq!(f.on_disk(), "x\n");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn never_edits_through_a_symlink_out_of_the_workspace() {
        let top = tempfile::tempdir().unwrap();
        let ws = top.path().join("ws");
        std::fs::create_dir_all(&ws).unwrap();
        std::fs::write(top.path().join("target"), "keep me").unwrap();
        std::os::unix::fs::symlink(top.path().join("target"), ws.join("link")).unwrap();
        let ctx = ToolCtx::new(ws.clone());
        let args = json!({"path": "link", "old_string": "keep", "new_string": "lost"});
        let out = Edit.run(&args, &ctx).await;
        assert!(
            out.is_error && out.content.contains("outside the workspace"),
            "{}",
            out.content
        );
        assert_eq!(
            std::fs::read_to_string(top.path().join("target")).unwrap(),
            "keep me"
        );
    }
}
