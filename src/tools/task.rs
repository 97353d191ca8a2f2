//! The `task` tool as the model sees it: a subagent with a fresh context.
//!
//! Only the declaration lives here. The agent loop runs `task` calls itself
//! (`agent/child.rs`): a child needs the parent's provider, event sink and
//! approver, and several calls of one step run at once.

use super::{Tool, ToolCtx, ToolKind, ToolOutput};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

pub struct Task {
    description: String,
}

impl Task {
    /// `agents`: (name, description) of every agent the tool can start.
    pub fn new(agents: &[(String, String)], max_parallel: usize) -> Self {
        let mut d = format!(
            "Run a subagent with a fresh context on a self-contained task; returns only its final answer. Use it for broad searches and side investigations that would crowd this conversation; up to {max_parallel} calls in one step run at once. It sees none of this conversation: put all it needs, and what to report, in prompt. Agents:"
        );
        for (name, desc) in agents {
            d.push_str(&format!("\n- {name}: {desc}"));
        }
        Task { description: d }
    }
}

impl Tool for Task {
    fn name(&self) -> &str {
        "task"
    }
    fn description(&self) -> &str {
        &self.description
    }
    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "description": {"type": "string", "description": "3-5 words"},
                "prompt": {"type": "string"},
                "agent": {"type": "string", "description": "default explore"}
            },
            "required": ["description", "prompt"]
        })
    }
    fn kind(&self) -> ToolKind {
        ToolKind::Other
    }
    fn summary(&self, args: &Value) -> String {
        let agent = args
            .get("agent")
            .and_then(Value::as_str)
            .filter(|a| !a.is_empty())
            .unwrap_or("explore");
        let what = args
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("");
        super::util::first_line(&format!("{agent}: {what}"), 80)
    }
    fn run<'a>(&'a self, _args: &'a Value, _ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput> {
        Box::pin(async {
            ToolOutput::err(
                "task runs only inside the agent loop (subagents cannot start subagents)",
            )
        })
    }
}
