//! The `kill_shell` tool: stops a background command's whole process group.

use super::util::req_str;
use super::{Tool, ToolCtx, ToolKind, ToolOutput};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

pub struct KillShell;

impl Tool for KillShell {
    fn name(&self) -> &str {
        "kill_shell"
    }
    fn description(&self) -> &str {
        "Stop a background command and its process group."
    }
    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {"id": {"type": "string"}},
            "required": ["id"]
        })
    }
    fn kind(&self) -> ToolKind {
        ToolKind::Execute
    }
    fn summary(&self, args: &Value) -> String {
        args.get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    }
    fn run<'a>(&'a self, args: &'a Value, _ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let id = match req_str(args, "id") {
                Ok(id) => id,
                Err(e) => return e,
            };
            match super::jobs::kill(id).await {
                Ok(s) => ToolOutput::ok(s),
                Err(e) => ToolOutput::err(e),
            }
        })
    }
}
