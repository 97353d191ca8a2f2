//! The `skill` tool: loads an Agent Skill's instructions by name. Only the
//! skills' names and descriptions sit in the system prompt; the model calls
//! this when one fits the task, so a skill costs context only when used.

use super::{Tool, ToolCtx, ToolKind, ToolOutput};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::path::PathBuf;

pub struct Skill {
    /// Name and SKILL.md path of every skill found.
    skills: Vec<(String, PathBuf)>,
}

impl Skill {
    pub fn new(skills: Vec<(String, PathBuf)>) -> Self {
        Skill { skills }
    }
}

impl Tool for Skill {
    fn name(&self) -> &str {
        "skill"
    }
    fn description(&self) -> &str {
        "Load a listed skill's instructions by name, then follow them."
    }
    fn schema(&self) -> Value {
        json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]})
    }
    fn kind(&self) -> ToolKind {
        ToolKind::Read
    }
    fn summary(&self, args: &Value) -> String {
        args.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    }
    fn run<'a>(&'a self, args: &'a Value, _ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let Some(name) = args.get("name").and_then(Value::as_str) else {
                return ToolOutput::err("argument `name` is missing");
            };
            let Some((_, path)) = self.skills.iter().find(|(n, _)| n == name) else {
                let known: Vec<&str> = self.skills.iter().map(|(n, _)| n.as_str()).collect();
                return ToolOutput::err(format!(
                    "no skill `{name}`; available: {}",
                    known.join(", ")
                ));
            };
            match crate::prompts::skill_text(name, path).await {
                Ok(text) => ToolOutput::ok(text),
                Err(e) => ToolOutput::err(e),
            }
        })
    }
}
