//! The `bash_output` tool: what a background command printed since the last
//! read, and whether it is still running.

use super::util::{opt_str, req_str};
use super::{Tool, ToolCtx, ToolKind, ToolOutput};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

pub struct BashOutput;

impl Tool for BashOutput {
    fn name(&self) -> &str {
        "bash_output"
    }
    fn description(&self) -> &str {
        "New output of a background command since the last read, and its status."
    }
    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "filter": {"type": "string", "description": "regex"}
            },
            "required": ["id"]
        })
    }
    fn kind(&self) -> ToolKind {
        ToolKind::Read
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
            let filter = match opt_str(args, "filter") {
                Ok(Some(f)) => match regex::Regex::new(f) {
                    Ok(re) => Some(re),
                    Err(e) => return ToolOutput::err(format!("invalid `filter` regex: {e}")),
                },
                Ok(None) => None,
                Err(e) => return e,
            };
            match super::jobs::read(id, filter.as_ref()) {
                Ok(s) => ToolOutput::ok(s),
                Err(e) => ToolOutput::err(e),
            }
        })
    }
}
