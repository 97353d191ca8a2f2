//! Saved sessions over ACP: `session/load` replays a transcript as the
//! `session/update` notifications an editor would have seen live, and
//! `session/list` lists the transcripts of a directory.

use super::updates::{locations, title};
use crate::agent::conversation::{Block, Message, Role};
use crate::tools::{Registry, ToolKind};
use serde_json::{json, Value};
use std::path::Path;

fn text(kind: &str, t: &str) -> Value {
    json!({"sessionUpdate": kind, "content": {"type": "text", "text": t}})
}

/// The updates that show `messages` again: prompts, answers, thoughts, and
/// each past tool call followed by its result.
pub fn replay(messages: &[Message], tools: &Registry, cwd: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    for m in messages {
        let user = m.role == Role::User;
        for b in &m.content {
            match b {
                Block::Text { text: t } if !t.is_empty() => out.push(text(
                    if user {
                        "user_message_chunk"
                    } else {
                        "agent_message_chunk"
                    },
                    t,
                )),
                Block::Text { .. } => {}
                Block::Image { media_type, data } => out.push(json!({
                    "sessionUpdate": if user { "user_message_chunk" } else { "agent_message_chunk" },
                    "content": {"type": "image", "data": data, "mimeType": media_type},
                })),
                Block::Thinking { text: t, .. } if !t.is_empty() => {
                    out.push(text("agent_thought_chunk", t))
                }
                Block::Thinking { .. } => {}
                Block::ToolUse { id, name, input } => {
                    let tool = tools.get(name);
                    let kind = tool.as_ref().map_or(ToolKind::Other, |t| t.kind());
                    let summary = tool.as_ref().map(|t| t.summary(input)).unwrap_or_default();
                    out.push(json!({
                        "sessionUpdate": "tool_call",
                        "toolCallId": id,
                        "title": title(name, &summary),
                        "kind": kind.as_str(),
                        "status": "pending",
                        "locations": locations(kind, input, cwd),
                        "rawInput": input,
                    }));
                }
                Block::ToolResult {
                    id,
                    content,
                    is_error,
                    ..
                } => out.push(json!({
                    "sessionUpdate": "tool_call_update",
                    "toolCallId": id,
                    "status": if *is_error { "failed" } else { "completed" },
                    "content": [{"type": "content", "content": {"type": "text", "text": content}}],
                })),
            }
        }
    }
    out
}

/// `session/list`: this directory's sessions, newest first, as `SessionInfo`s.
pub async fn list(cwd: &Path) -> Value {
    let entries = crate::session::list::for_dir(cwd).await;
    let sessions: Vec<Value> = entries
        .iter()
        .map(|e| {
            let l = &e.loaded;
            let title = l.name.clone().or_else(|| l.prompts().next());
            let title = title.map(|t| {
                t.lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(80)
                    .collect::<String>()
            });
            json!({
                "sessionId": l.header.id,
                "cwd": l.header.cwd.display().to_string(),
                "title": title,
                "updatedAt": crate::session::iso(e.modified),
            })
        })
        .collect();
    json!({"sessions": sessions})
}

/// RFC 3339 UTC for unix seconds.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_round_trip_replays_as_call_then_result() {
        let msgs = vec![
            Message::user_text("look"),
            Message {
                role: Role::Assistant,
                content: vec![Block::ToolUse {
                    id: "c1".into(),
                    name: "read".into(),
                    input: json!({"path": "a.txt"}),
                }],
            },
            Message {
                role: Role::User,
                content: vec![Block::ToolResult {
                    id: "c1".into(),
                    name: "read".into(),
                    content: "x".into(),
                    is_error: false,
                }],
            },
            Message {
                role: Role::Assistant,
                content: vec![Block::Text {
                    text: "done".into(),
                }],
            },
        ];
        let ups = replay(&msgs, &Registry::builtin(), Path::new("/p"));
        let kinds: Vec<&str> = ups
            .iter()
            .map(|u| u["sessionUpdate"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(
            kinds,
            [
                "user_message_chunk",
                "tool_call",
                "tool_call_update",
                "agent_message_chunk"
            ]
        );
        assert_eq!(ups[1]["kind"], "read");
        assert_eq!(ups[1]["locations"][0]["path"], "/p/a.txt");
        assert_eq!(ups[2]["status"], "completed");
        assert_eq!(crate::session::iso(0), "1970-01-01T00:00:00Z");
    }
}
