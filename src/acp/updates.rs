//! Agent events as ACP `session/update` notifications: message and thought
//! chunks, tool calls and their updates (text, diffs, locations).

use super::rpc::Conn;
use crate::agent::conversation::Usage;
use crate::agent::usage::Totals;
use crate::agent::{AgentEvent, EventSink};
use crate::tools::{FileDiff, ToolKind, ToolOutput};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

/// Sends `session/update` notifications for one session.
pub struct Updates {
    pub conn: Rc<Conn>,
    pub session: String,
    pub cwd: std::path::PathBuf,
    /// The tool call being handled, shared with the approver, which needs its id.
    pub current_call: Rc<RefCell<String>>,
    /// An editor terminal that ran the current call: its final update embeds it.
    pub call_terminal: Rc<RefCell<Option<(String, String)>>>,
    /// The arguments of a running `update_plan` call, sent as a plan once it succeeds.
    pub plan: Option<Value>,
    /// The model's context window, when known: usage updates need it.
    pub window: Option<u64>,
    /// Per running `task` call: its subagent's tool calls so far, one a line.
    pub children: Vec<(String, String)>,
}

impl Updates {
    pub fn send(&self, update: Value) {
        self.conn.notify(
            "session/update",
            json!({"sessionId": self.session, "update": update}),
        );
    }

    pub fn text(&self, kind: &str, text: &str) {
        self.send(json!({"sessionUpdate": kind, "content": {"type": "text", "text": text}}));
    }
}

/// How full the context is after a model call, with the session's cost
/// when every call was priced.
pub fn usage_update(call: &Usage, session: &Totals, size: u64) -> Value {
    let mut u = json!({
        "sessionUpdate": "usage_update",
        "used": call.in_context(),
        "size": size,
    });
    if session.unpriced == 0 {
        u["cost"] = json!({"amount": session.cost, "currency": "USD"});
    }
    u
}

/// An `update_plan` call's items as a `plan` update (the tool takes the
/// whole list each time, as ACP's plan does).
pub fn plan(input: &Value) -> Value {
    let entries: Vec<Value> = input
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    let text = i
                        .get("text")
                        .and_then(Value::as_str)
                        .or_else(|| i.as_str())?;
                    let done = i.get("done").and_then(Value::as_bool).unwrap_or(false);
                    Some(json!({
                        "content": text.trim(),
                        "status": if done { "completed" } else { "pending" },
                        "priority": "medium",
                    }))
                })
                .collect()
        })
        .unwrap_or_default();
    json!({"sessionUpdate": "plan", "entries": entries})
}

/// A short title for a tool call: the tool and what it acts on.
pub fn title(name: &str, summary: &str) -> String {
    if summary.is_empty() {
        name.to_string()
    } else {
        format!("{name} {summary}")
    }
}

/// The files a call touches, absolute, with the first line when the call names one.
pub fn locations(kind: ToolKind, input: &Value, cwd: &Path) -> Vec<Value> {
    if !matches!(kind, ToolKind::Read | ToolKind::Edit | ToolKind::Search) {
        return Vec::new();
    }
    let Some(p) = input.get("path").and_then(Value::as_str) else {
        return Vec::new();
    };
    let path = cwd.join(p);
    let mut loc = json!({"path": path.display().to_string()});
    if let Some(line) = input.get("offset").and_then(Value::as_u64) {
        loc["line"] = json!(line);
    }
    vec![loc]
}

pub fn diff_content(d: &FileDiff) -> Value {
    json!({"type": "diff", "path": d.path.display().to_string(), "oldText": d.old, "newText": d.new})
}

fn finished(id: &str, out: &ToolOutput) -> Value {
    let mut content =
        vec![json!({"type": "content", "content": {"type": "text", "text": out.content}})];
    if let Some(d) = &out.diff {
        content.push(diff_content(d));
    }
    json!({
        "sessionUpdate": "tool_call_update",
        "toolCallId": id,
        "status": if out.is_error { "failed" } else { "completed" },
        "content": content,
    })
}

impl EventSink for Updates {
    fn event(&mut self, ev: AgentEvent<'_>) {
        match ev {
            AgentEvent::Text(t) => self.text("agent_message_chunk", t),
            AgentEvent::Thinking(t) => self.text("agent_thought_chunk", t),
            AgentEvent::Status(s) => eprintln!("wisp acp: {s}"),
            AgentEvent::ToolStarted {
                id,
                name,
                kind,
                summary,
                input,
            } => {
                *self.current_call.borrow_mut() = id.to_string();
                self.plan = (name == "update_plan").then(|| input.clone());
                self.send(json!({
                    "sessionUpdate": "tool_call",
                    "toolCallId": id,
                    "title": title(name, summary),
                    "kind": kind.as_str(),
                    "status": "pending",
                    "locations": locations(kind, input, &self.cwd),
                    "rawInput": input,
                }));
            }
            AgentEvent::ToolFinished { id, name, output } => {
                self.children.retain(|(c, _)| c != id);
                let mut done = finished(id, output);
                let term = self.call_terminal.borrow_mut().take();
                if let (Some((call, t)), Some(c)) = (term, done["content"].as_array_mut()) {
                    if call == id {
                        c.push(json!({"type": "terminal", "terminalId": t}));
                    }
                }
                self.send(done);
                if let Some(input) = self.plan.take().filter(|_| name == "update_plan") {
                    if !output.is_error {
                        self.send(plan(&input));
                    }
                }
            }
            // On a line of its own, so the editor shows it apart from the answer.
            AgentEvent::Hook(line) => self.text("agent_message_chunk", &format!("\n{line}\n")),
            AgentEvent::Usage { call, session } => {
                if let Some(size) = self.window {
                    self.send(usage_update(call, session, size));
                }
            }
            AgentEvent::Child { call, child, event } => {
                // A subagent's tool calls show as progress of the `task` call.
                let AgentEvent::ToolStarted { name, summary, .. } = event else {
                    return;
                };
                // A question the child asks next is about this task call.
                *self.current_call.borrow_mut() = call.to_string();
                let i = match self.children.iter().position(|(c, _)| c == call) {
                    Some(i) => i,
                    None => {
                        self.children.push((call.to_string(), String::new()));
                        self.children.len() - 1
                    }
                };
                let text = &mut self.children[i].1;
                text.push_str(&format!("{child} ● {}\n", title(name, summary)));
                let text = text.clone();
                self.send(json!({
                    "sessionUpdate": "tool_call_update",
                    "toolCallId": call,
                    "status": "in_progress",
                    "content": [{"type": "content", "content": {"type": "text", "text": text}}],
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn edits_carry_their_diff_and_failures_say_so() {
        let mut out = ToolOutput::ok("edited a.txt");
        out.diff = Some(Box::new(FileDiff {
            path: PathBuf::from("/p/a.txt"),
            old: Some("x\n".into()),
            new: "y\n".into(),
        }));
        let v = finished("c1", &out);
        assert_eq!(v["status"], "completed");
        assert_eq!(v["content"][1]["oldText"], "x\n");
        assert_eq!(v["content"][1]["newText"], "y\n");
        assert_eq!(finished("c2", &ToolOutput::err("no"))["status"], "failed");
    }

    #[test]
    fn locations_are_absolute_with_lines() {
        let l = locations(
            ToolKind::Read,
            &json!({"path": "src/a.rs", "offset": 7}),
            Path::new("/p"),
        );
        assert_eq!(l, vec![json!({"path": "/p/src/a.rs", "line": 7})]);
        assert!(locations(
            ToolKind::Execute,
            &json!({"command": "ls"}),
            Path::new("/p")
        )
        .is_empty());
    }
}
