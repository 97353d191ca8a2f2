//! The `update_plan` tool: rewrites the plan file (a markdown checklist) from
//! the model's list of items, so the plan stays readable by people and is the
//! single source of truth for `/plan run`.
//!
//! Arguments: `{items: [{text, done?, note?}]}`; the whole list, in order.

use super::util::{resolve_path, write_nofollow, write_target};
use super::{Tool, ToolCtx, ToolKind, ToolOutput};
use crate::plan::{self, Item};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

pub struct UpdatePlan;

impl Tool for UpdatePlan {
    fn name(&self) -> &str {
        "update_plan"
    }
    fn description(&self) -> &str {
        "Rewrite the plan checklist: every item, in order; done marks finished ones."
    }
    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "text": {"type": "string"},
                            "done": {"type": "boolean"},
                            "note": {"type": "string"}
                        },
                        "required": ["text"]
                    }
                }
            },
            "required": ["items"]
        })
    }
    fn kind(&self) -> ToolKind {
        ToolKind::Other
    }
    fn summary(&self, args: &Value) -> String {
        let n = args
            .get("items")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        format!("{n} item{}", if n == 1 { "" } else { "s" })
    }
    fn run<'a>(&'a self, args: &'a Value, ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let Some(list) = args.get("items").and_then(Value::as_array) else {
                return ToolOutput::err("`items` must be an array of {text, done?, note?}");
            };
            let mut items = Vec::with_capacity(list.len());
            for v in list {
                // A bare string is accepted as an unchecked item.
                let text = v
                    .get("text")
                    .and_then(Value::as_str)
                    .or_else(|| v.as_str())
                    .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|t| !t.is_empty());
                let Some(text) = text else {
                    return ToolOutput::err("every item needs a non-empty `text`");
                };
                items.push(Item {
                    text,
                    done: v.get("done").and_then(Value::as_bool).unwrap_or(false),
                    note: v
                        .get("note")
                        .and_then(Value::as_str)
                        .map(|n| n.lines().next().unwrap_or("").trim().to_string())
                        .filter(|n| !n.is_empty()),
                });
            }
            let named = resolve_path(&ctx.cwd, &ctx.plan_file.to_string_lossy());
            // The plan file obeys the workspace boundary in every mode.
            let path = match write_target(&ctx.cwd, &named, true) {
                Ok(p) if !p.components().any(|c| c.as_os_str() == ".git") => p,
                Ok(p) => return ToolOutput::err(format!("{} is inside .git/", p.display())),
                Err(e) => return ToolOutput::err(format!("cannot write the plan: {e}")),
            };
            let old = tokio::fs::read_to_string(&path).await.unwrap_or_default();
            let text = plan::render(plan::title(&old), &items);
            match write_nofollow(&path, text.as_bytes()).await {
                Ok(()) => {
                    let open = items.iter().filter(|i| !i.done).count();
                    ToolOutput::ok(format!(
                        "plan saved to {}: {} items, {open} open",
                        ctx.plan_file.display(),
                        items.len()
                    ))
                }
                Err(e) => ToolOutput::err(format!("cannot write {}: {e}", path.display())),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn the_plan_file_stays_inside_the_workspace() {
        let top = tempfile::tempdir().unwrap();
        let ws = top.path().join("ws");
        std::fs::create_dir_all(ws.join(".git")).unwrap();
        std::fs::write(top.path().join("outside.md"), "keep").unwrap();
        std::os::unix::fs::symlink(top.path().join("outside.md"), ws.join("PLAN.md")).unwrap();
        std::os::unix::fs::symlink(top.path().join("new.md"), ws.join("DANGLING.md")).unwrap();
        let args = json!({"items": [{"text": "step"}]});
        for plan in [
            "PLAN.md",
            "DANGLING.md",
            "../outside.md",
            "/tmp/wisp-plan-test.md",
            ".git/x",
        ] {
            let mut ctx = ToolCtx::new(ws.clone());
            ctx.plan_file = plan.into();
            let out = UpdatePlan.run(&args, &ctx).await;
            assert!(out.is_error, "{plan}: {}", out.content);
        }
        assert_eq!(
            std::fs::read_to_string(top.path().join("outside.md")).unwrap(),
            "keep"
        );
        assert!(!top.path().join("new.md").exists());
        assert!(!std::path::Path::new("/tmp/wisp-plan-test.md").exists());
        assert!(!ws.join(".git/x").exists());
        let mut ctx = ToolCtx::new(ws.clone());
        ctx.plan_file = "plans/P.md".into();
        std::fs::create_dir_all(ws.join("plans")).unwrap();
        let out = UpdatePlan.run(&args, &ctx).await;
        assert!(!out.is_error, "{}", out.content);
        assert!(std::fs::read_to_string(ws.join("plans/P.md"))
            .unwrap()
            .contains("step"));
    }
}
