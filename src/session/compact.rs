//! Context accounting and compaction: how full the model's window is, what
//! fills it, and summarising older turns (keeping recent ones verbatim and
//! tool calls next to their results) when it gets full.

use crate::agent::conversation::{Block, Message, Role};
use crate::agent::Agent;
use crate::provider::Request;

/// The context window of well-known models, by name; config overrides it.
pub fn window_for(model: &str) -> Option<u64> {
    let m = model.to_ascii_lowercase();
    let table: &[(&str, u64)] = &[
        ("claude", 200_000),
        ("gpt-4.1", 1_047_576),
        ("gpt-5", 400_000),
        ("gpt-4o", 128_000),
        ("o3", 200_000),
        ("o4", 200_000),
        ("gemini", 1_048_576),
        ("llama3", 128_000),
        ("qwen", 32_768),
        ("mistral", 32_768),
    ];
    table.iter().find(|(k, _)| m.contains(k)).map(|(_, n)| *n)
}

/// The window and when to compact automatically.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// From config, else the built-in table; None when unknown.
    pub window: Option<u64>,
    /// Percent of the window that triggers compaction; 0 turns it off.
    pub threshold: u8,
}

impl Limits {
    pub fn new(model: &str, configured: Option<u64>, threshold: Option<u8>) -> Limits {
        Limits {
            window: configured.or_else(|| window_for(model)),
            threshold: threshold.unwrap_or(80),
        }
    }
}

/// Tokens the last request used (its whole prompt plus the answer).
pub fn used(agent: &Agent) -> Option<u64> {
    Some(agent.session.as_ref()?.last_usage?.in_context())
}

/// Whether the context has passed the automatic compaction threshold.
pub fn over_threshold(agent: &Agent) -> bool {
    let l = agent.limits;
    match (l.window, used(agent)) {
        (Some(w), Some(u)) if l.threshold > 0 && w > 0 => u * 100 >= w * u64::from(l.threshold),
        _ => false,
    }
}

/// Rough tokens for text: four characters per token.
pub fn estimate(chars: usize) -> u64 {
    chars.div_ceil(4) as u64
}

/// Estimated tokens: (system prompt, tool definitions, history, tool results).
pub fn breakdown(agent: &Agent) -> (u64, u64, u64, u64) {
    let system = estimate(agent.conv.system.len());
    let tools: usize = agent
        .tools
        .specs()
        .iter()
        .map(|s| s.name.len() + s.description.len() + s.schema.to_string().len())
        .sum();
    let (mut history, mut results) = (0usize, 0usize);
    for m in &agent.conv.messages {
        for b in &m.content {
            match b {
                Block::ToolResult { content, .. } => results += content.len(),
                Block::Text { text } | Block::Thinking { text, .. } => history += text.len(),
                Block::ToolUse { input, .. } => history += input.to_string().len(),
                Block::Image { .. } => history += 6_000,
            }
        }
    }
    (
        system,
        estimate(tools),
        estimate(history),
        estimate(results),
    )
}

/// Where the kept tail starts: at the start of the `keep`-th last turn. A turn
/// starts with a typed prompt, so a tool call is never parted from its result.
pub fn split_point(messages: &[Message], keep: usize) -> usize {
    let starts: Vec<usize> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.role == Role::User && !m.text().is_empty())
        .map(|(i, _)| i)
        .collect();
    if starts.len() <= keep {
        return 0;
    }
    starts[starts.len() - keep]
}

const SUMMARY_SYSTEM: &str = "You summarise a coding session so it can continue with less context. Write a concise summary: the user's goals and requests, decisions made, files read and changed (with paths), commands run and their results, errors met, and what remains to do. Do not call tools.";

/// Summarises all but the last `keep` turns; returns (messages before, after).
pub async fn compact(
    agent: &mut Agent,
    instructions: &str,
    keep: usize,
) -> Result<(usize, usize), String> {
    agent.conv.repair();
    agent.save().await;
    let split = split_point(&agent.conv.messages, keep);
    if split == 0 {
        return Err("nothing to compact: the conversation is already short".into());
    }
    let mut ask = "Summarise the conversation so far for continuing it later.".to_string();
    if !instructions.trim().is_empty() {
        ask.push_str(&format!(" Focus: {}", instructions.trim()));
    }
    let mut older = agent.conv.messages[..split].to_vec();
    older.push(Message::user_text(ask));
    let specs = agent.tools.specs();
    let req = Request {
        model: &agent.model,
        system: SUMMARY_SYSTEM,
        messages: &older,
        tools: &specs,
        max_tokens: agent.max_tokens,
        effort: None,
        cache_key: None,
    };
    let cancel = agent.ctx.cancel.clone();
    let mut ignore = |_: crate::provider::Delta<'_>| {};
    let call = agent.provider.stream(req, &mut ignore);
    let reply = tokio::select! {
        r = call => r.map_err(|e| format!("compaction failed: {e}"))?,
        _ = cancel.cancelled() => return Err("compaction cancelled".into()),
    };
    let summary = reply.message.text();
    if summary.trim().is_empty() {
        return Err("compaction failed: the model returned no summary".into());
    }
    let before = agent.conv.messages.len();
    let mut kept = super::summary_messages(&summary);
    kept.extend(agent.conv.messages.drain(split..));
    agent.conv.messages = kept;
    let now = agent.conv.messages.len();
    if let Some(s) = &mut agent.session {
        s.note_compaction(&summary, split, now);
        s.last_usage = None;
    }
    agent.save().await;
    Ok((before, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn split_keeps_whole_turns() {
        let tool_turn = |p: &str| {
            vec![
                Message::user_text(p),
                Message {
                    role: Role::Assistant,
                    content: vec![Block::ToolUse {
                        id: p.into(),
                        name: "bash".into(),
                        input: json!({}),
                    }],
                },
                Message {
                    role: Role::User,
                    content: vec![Block::ToolResult {
                        id: p.into(),
                        name: "bash".into(),
                        content: "ok".into(),
                        is_error: false,
                    }],
                },
            ]
        };
        let mut msgs = tool_turn("a");
        msgs.extend(tool_turn("b"));
        msgs.extend(tool_turn("c"));
        assert_eq!(split_point(&msgs, 2), 3);
        assert_eq!(split_point(&msgs, 1), 6);
        assert_eq!(split_point(&msgs, 3), 0);
        assert_eq!(window_for("claude-sonnet-4-5"), Some(200_000));
        assert_eq!(window_for("no-such-model"), None);
    }
}
