//! The provider-neutral conversation: messages made of content blocks.
//!
//! Tool calls and their results keep their native structure (ids, names, JSON
//! input) across turns, so every provider can be given back exactly what it
//! produced, and switching providers converts structure rather than text.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Text {
        text: String,
    },
    Image {
        media_type: String,
        /// Base64 data, without a `data:` prefix.
        data: String,
    },
    ToolUse {
        id: String,
        name: String,
        /// The parsed arguments. When the model sent arguments that are not
        /// valid JSON, this holds the raw text as a JSON string so the exact
        /// bytes can be sent back to the provider.
        input: Value,
    },
    ToolResult {
        id: String,
        /// The tool's name, kept because some wire formats (Gemini) match
        /// results by name rather than id.
        name: String,
        content: String,
        #[serde(default, skip_serializing_if = "is_false")]
        is_error: bool,
    },
    Thinking {
        text: String,
        /// Opaque signature some providers require back verbatim.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: Vec<Block>,
}

impl Message {
    pub fn user_text(text: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: vec![Block::Text { text: text.into() }],
        }
    }

    /// All text blocks joined, for display and for formats without blocks.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for b in &self.content {
            if let Block::Text { text } = b {
                out.push_str(text);
            }
        }
        out
    }

    pub fn tool_uses(&self) -> impl Iterator<Item = (&str, &str, &Value)> {
        self.content.iter().filter_map(|b| match b {
            Block::ToolUse { id, name, input } => Some((id.as_str(), name.as_str(), input)),
            _ => None,
        })
    }
}

/// Token counts reported by a provider for one model call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub input: u64,
    pub output: u64,
    #[serde(default)]
    pub cache_read: u64,
    #[serde(default)]
    pub cache_write: u64,
    /// Of `output`, the tokens spent thinking (when the provider says).
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub reasoning: u64,
    /// USD, when the provider reports it (OpenRouter); 0 otherwise.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cost: f64,
}

fn is_zero_u64(x: &u64) -> bool {
    *x == 0
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Usage {
    /// Tokens in the context after this call: all it read and wrote goes
    /// into the next request.
    pub fn in_context(&self) -> u64 {
        self.input + self.cache_read + self.cache_write + self.output
    }

    pub fn add(&mut self, o: &Usage) {
        self.input += o.input;
        self.output += o.output;
        self.cache_read += o.cache_read;
        self.cache_write += o.cache_write;
        self.reasoning += o.reasoning;
        self.cost += o.cost;
    }
}

/// The conversation: the system prompt and the message history.
#[derive(Clone, Debug, Default)]
pub struct Conversation {
    pub system: String,
    pub messages: Vec<Message>,
}

impl Conversation {
    /// Makes the history valid to send: every tool call must be answered.
    /// A call left without a result (the step was cancelled or failed) gets
    /// an error result, so no provider rejects the next request.
    pub fn repair(&mut self) {
        let Some(last) = self.messages.last() else {
            return;
        };
        if last.role != Role::Assistant {
            return;
        }
        let missing: Vec<Block> = last
            .tool_uses()
            .map(|(id, name, _)| Block::ToolResult {
                id: id.to_string(),
                name: name.to_string(),
                content: "cancelled by user".into(),
                is_error: true,
            })
            .collect();
        if !missing.is_empty() {
            self.messages.push(Message {
                role: Role::User,
                content: missing,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repair_answers_dangling_tool_calls() {
        let mut c = Conversation::default();
        c.messages.push(Message::user_text("hi"));
        c.messages.push(Message {
            role: Role::Assistant,
            content: vec![Block::ToolUse {
                id: "1".into(),
                name: "bash".into(),
                input: serde_json::json!({"command":"sleep 9"}),
            }],
        });
        c.repair();
        assert_eq!(c.messages.len(), 3);
        match &c.messages[2].content[0] {
            Block::ToolResult {
                id,
                is_error,
                content,
                ..
            } => {
                assert_eq!(id, "1");
                assert!(is_error);
                assert_eq!(content, "cancelled by user");
            }
            other => panic!("unexpected {other:?}"),
        }
        // Already consistent: nothing more is added.
        c.repair();
        assert_eq!(c.messages.len(), 3);
    }
}
