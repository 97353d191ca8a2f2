//! The `bash` tool (stub; implemented in its own change).

use super::{Tool, ToolCtx, ToolKind, ToolOutput};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

pub struct Bash;

impl Tool for Bash {
    fn name(&self) -> &str {
        "bash"
    }
    fn description(&self) -> &str {
        "not implemented yet"
    }
    fn schema(&self) -> Value {
        json!({"type": "object", "properties": {}})
    }
    fn kind(&self) -> ToolKind {
        ToolKind::Other
    }
    fn summary(&self, _args: &Value) -> String {
        String::new()
    }
    fn run<'a>(&'a self, _args: &'a Value, _ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput> {
        Box::pin(async { ToolOutput::err("not implemented") })
    }
}
