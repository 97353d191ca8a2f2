//! Anthropic Messages API (`POST {base}/v1/messages`, SSE): Claude's native
//! format, with prompt-cache breakpoints, tool_use/tool_result blocks and
//! signed thinking blocks sent back verbatim.

use super::body;
use super::http::{json_error_message, Http};
use super::openai::parse_arguments;
use super::stream::{self, Framing, CUT_SHORT};
use super::{Delta, DeltaSink, Provider, ProviderError, ProviderId, Reply, Request, StopReason};
use crate::agent::conversation::{Block, Message, Role, Usage};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Map, Value};

const NAME: &str = "anthropic";
const DEFAULT_MAX_TOKENS: u32 = 8192;

pub struct Anthropic {
    /// The bare host, e.g. `https://api.anthropic.com`.
    pub base_url: String,
    pub api_key: Option<String>,
    pub http: Http,
}

impl Provider for Anthropic {
    fn id(&self) -> ProviderId {
        ProviderId::Anthropic
    }

    fn stream<'a>(
        &'a self,
        req: Request<'a>,
        sink: &'a mut DeltaSink<'a>,
    ) -> LocalBoxFuture<'a, Result<Reply, ProviderError>> {
        Box::pin(async move {
            let body = request_body(&req);
            let url = format!("{}/v1/messages", self.base_url.trim_end_matches('/'));
            let mut headers = vec![("anthropic-version", "2023-06-01".to_string())];
            if req.effort.is_some_and(|e| e.budget() > 0) {
                // Thinking between tool calls, not only before the first one.
                headers.push((
                    "anthropic-beta",
                    "interleaved-thinking-2025-05-14".to_string(),
                ));
            }
            if let Some(key) = &self.api_key {
                headers.push(("x-api-key", key.clone()));
            }
            let resp = self.http.post(NAME, &url, &headers, body, sink).await?;
            let mut dec = Decoder::default();
            stream::read(&self.http, NAME, resp, Framing::Sse, &mut dec, sink).await?;
            dec.finish()
        })
    }
}

fn ephemeral() -> Value {
    json!({"type": "ephemeral"})
}

/// Builds the Messages request body from the neutral conversation.
pub fn request_body(req: &Request) -> Vec<u8> {
    let mut max_tokens = req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS);
    let budget = req.effort.map_or(0, |e| e.budget());
    if budget > 0 {
        // The budget counts against max_tokens: leave room for the answer.
        max_tokens = max_tokens.max(budget + DEFAULT_MAX_TOKENS);
    }
    let mut envelope = json!({
        "model": req.model,
        "max_tokens": max_tokens,
        "stream": true,
    });
    if budget > 0 {
        envelope["thinking"] = json!({"type": "enabled", "budget_tokens": budget});
    }
    if !req.system.is_empty() {
        envelope["system"] =
            json!([{"type": "text", "text": req.system, "cache_control": ephemeral()}]);
    }
    if !req.tools.is_empty() {
        let mut tools: Vec<Value> = req
            .tools
            .iter()
            .map(
                |t| json!({"name": t.name, "description": t.description, "input_schema": t.schema}),
            )
            .collect();
        if let Some(last) = tools.last_mut() {
            last["cache_control"] = ephemeral();
        }
        envelope["tools"] = Value::Array(tools);
    }
    // Cache everything up to the latest user turn, so the next call reads it.
    let breakpoint = req
        .messages
        .iter()
        .rposition(|m| m.role == Role::User && m.content.iter().any(is_sent));
    body::build(&envelope, "messages", |push| {
        for (i, m) in req.messages.iter().enumerate() {
            let Some(mut v) = message_json(m) else {
                continue;
            };
            if Some(i) == breakpoint {
                if let Some(last) = v["content"].as_array_mut().and_then(|c| c.last_mut()) {
                    last["cache_control"] = ephemeral();
                }
            }
            push(&v);
        }
    })
}

/// Whether a block goes to the API: empty text and unsigned thinking do not.
fn is_sent(b: &Block) -> bool {
    match b {
        Block::Text { text } => !text.is_empty(),
        Block::Thinking { signature, .. } => signature.is_some(),
        _ => true,
    }
}

/// One message, or `None` when nothing in it can be sent.
fn message_json(m: &Message) -> Option<Value> {
    let content: Vec<Value> = m.content.iter().filter_map(block_json).collect();
    if content.is_empty() {
        return None;
    }
    let role = match m.role {
        Role::User => "user",
        Role::Assistant => "assistant",
    };
    Some(json!({"role": role, "content": content}))
}

fn block_json(b: &Block) -> Option<Value> {
    if !is_sent(b) {
        return None;
    }
    Some(match b {
        Block::Text { text } => json!({"type": "text", "text": text}),
        Block::Image { media_type, data } => json!({
            "type": "image",
            "source": {"type": "base64", "media_type": media_type, "data": data},
        }),
        Block::ToolUse { id, name, input } => {
            // Arguments kept raw (not valid JSON) still go back as an object.
            let input = match input {
                Value::Object(_) => input.clone(),
                _ => Value::Object(Map::new()),
            };
            json!({"type": "tool_use", "id": id, "name": name, "input": input})
        }
        Block::ToolResult {
            id,
            content,
            is_error,
            ..
        } => {
            let mut r = json!({"type": "tool_result", "tool_use_id": id, "content": content});
            if *is_error {
                r["is_error"] = Value::Bool(true);
            }
            r
        }
        // Only signed thinking may be sent back; unsigned text is display only.
        Block::Thinking { text, signature } => {
            json!({"type": "thinking", "thinking": text, "signature": signature})
        }
    })
}

/// A content block while it streams.
enum Partial {
    Text(String),
    Tool {
        id: String,
        name: String,
        start_input: Value,
        json: String,
    },
    Thinking {
        text: String,
        signature: String,
    },
    /// A block type wisp does not keep (e.g. `redacted_thinking`).
    Other,
}

/// Assembles a streamed Messages answer from its events.
#[derive(Default)]
pub struct Decoder {
    blocks: Vec<Partial>,
    stop_reason: Option<String>,
    usage: Usage,
    done: bool,
}

impl stream::Decoder for Decoder {
    fn payload(&mut self, data: &str, sink: &mut DeltaSink<'_>) -> Result<(), ProviderError> {
        let v: Value = serde_json::from_str(data)
            .map_err(|e| ProviderError::new(NAME, format!("malformed JSON in stream: {e}")))?;
        match v["type"].as_str().unwrap_or("") {
            "message_start" => self.read_usage(&v["message"]["usage"]),
            "content_block_start" => {
                let cb = &v["content_block"];
                let block = match cb["type"].as_str().unwrap_or("") {
                    "text" => {
                        let t = cb["text"].as_str().unwrap_or("");
                        if !t.is_empty() {
                            sink(Delta::Text(t));
                        }
                        Partial::Text(t.to_string())
                    }
                    "tool_use" => {
                        let name = cb["name"].as_str().unwrap_or("").to_string();
                        sink(Delta::ToolCall { name: &name });
                        Partial::Tool {
                            id: cb["id"].as_str().unwrap_or("").to_string(),
                            name,
                            start_input: cb["input"].clone(),
                            json: String::new(),
                        }
                    }
                    "thinking" => Partial::Thinking {
                        text: cb["thinking"].as_str().unwrap_or("").to_string(),
                        signature: cb["signature"].as_str().unwrap_or("").to_string(),
                    },
                    _ => Partial::Other,
                };
                let index = self.index(&v)?;
                self.blocks[index] = block;
            }
            "content_block_delta" => {
                let index = self.index(&v)?;
                let d = &v["delta"];
                let s = |key: &str| d[key].as_str().unwrap_or("");
                match (&mut self.blocks[index], d["type"].as_str().unwrap_or("")) {
                    (Partial::Text(t), "text_delta") => {
                        t.push_str(s("text"));
                        sink(Delta::Text(s("text")));
                    }
                    (Partial::Tool { json, .. }, "input_json_delta") => {
                        json.push_str(s("partial_json"))
                    }
                    (Partial::Thinking { text, .. }, "thinking_delta") => {
                        text.push_str(s("thinking"));
                        sink(Delta::Thinking(s("thinking")));
                    }
                    (Partial::Thinking { signature, .. }, "signature_delta") => {
                        signature.push_str(s("signature"))
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(r) = v["delta"]["stop_reason"].as_str() {
                    self.stop_reason = Some(r.to_string());
                }
                self.read_usage(&v["usage"]);
            }
            "message_stop" => self.done = true,
            "error" => {
                let msg = json_error_message(&v).unwrap_or_else(|| v["error"].to_string());
                let mut err = ProviderError::new(NAME, format!("error in stream: {msg}"));
                err.retryable = v["error"]["type"] == "overloaded_error";
                return Err(err);
            }
            _ => {} // ping, content_block_stop, and events added later
        }
        Ok(())
    }
}

impl Decoder {
    /// The block slot an event refers to, created on first sight.
    fn index(&mut self, v: &Value) -> Result<usize, ProviderError> {
        let index = v["index"].as_u64().unwrap_or(0) as usize;
        if index > 1024 {
            return Err(ProviderError::new(NAME, "content block index out of range"));
        }
        while self.blocks.len() <= index {
            self.blocks.push(Partial::Other);
        }
        Ok(index)
    }

    fn read_usage(&mut self, u: &Value) {
        let set = |key: &str, slot: &mut u64| {
            if let Some(n) = u[key].as_u64() {
                *slot = n;
            }
        };
        set("input_tokens", &mut self.usage.input);
        set("output_tokens", &mut self.usage.output);
        set("cache_read_input_tokens", &mut self.usage.cache_read);
        set("cache_creation_input_tokens", &mut self.usage.cache_write);
    }

    /// The stream ended: builds the reply, or fails if it was cut short.
    pub fn finish(self) -> Result<Reply, ProviderError> {
        if !self.done {
            return Err(ProviderError::new(NAME, CUT_SHORT));
        }
        let content: Vec<Block> = self
            .blocks
            .into_iter()
            .filter_map(|p| match p {
                Partial::Text(text) if !text.is_empty() => Some(Block::Text { text }),
                Partial::Tool {
                    id,
                    name,
                    start_input,
                    json,
                } => Some(Block::ToolUse {
                    id,
                    name,
                    input: if json.trim().is_empty() && start_input.is_object() {
                        start_input
                    } else {
                        parse_arguments(&json)
                    },
                }),
                Partial::Thinking { text, signature } => Some(Block::Thinking {
                    text,
                    signature: (!signature.is_empty()).then_some(signature),
                }),
                _ => None,
            })
            .collect();
        let has_calls = content.iter().any(|b| matches!(b, Block::ToolUse { .. }));
        let stop = match self.stop_reason.as_deref() {
            Some("tool_use") => StopReason::ToolUse,
            Some("max_tokens") => StopReason::MaxTokens,
            Some("refusal") => StopReason::Refusal,
            _ if has_calls => StopReason::ToolUse,
            Some("end_turn") | Some("stop_sequence") | None => StopReason::EndTurn,
            Some(_) => StopReason::Other,
        };
        Ok(Reply {
            message: Message {
                role: Role::Assistant,
                content,
            },
            stop,
            usage: self.usage,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::ToolSpec;

    const STREAM: &str = concat!(
        "event: message_start\n",
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude\",\"stop_reason\":null,\"usage\":{\"input_tokens\":20,\"cache_creation_input_tokens\":5,\"cache_read_input_tokens\":100,\"output_tokens\":1}}}\n\n",
        "event: ping\ndata: {\"type\":\"ping\"}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Need the file \u{2014} read it.\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAh==\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Let me \"}}\n\n",
        "event: ping\ndata: {\"type\":\"ping\"}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"look.\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"read\",\"input\":{}}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\": \"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"a.txt\\\"}\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_02\",\"name\":\"glob\",\"input\":{}}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":3}\n\n",
        "event: message_delta\n",
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":42}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );

    fn decode(chunks: &[&[u8]]) -> (Result<Reply, ProviderError>, String) {
        let mut dec = Decoder::default();
        let (r, shown) = stream::feed_chunks(Framing::Sse, chunks, &mut dec);
        (r.and_then(|_| dec.finish()), shown)
    }

    #[test]
    fn decodes_recorded_stream_at_every_split() {
        let bytes = STREAM.as_bytes();
        for i in 0..bytes.len() {
            let (a, b) = bytes.split_at(i);
            let (reply, shown) = decode(&[a, b]);
            let reply = reply.expect("decodes");
            assert_eq!(shown, "Let me look.");
            assert_eq!(reply.stop, StopReason::ToolUse);
            let u = reply.usage;
            assert_eq!(
                (u.input, u.output, u.cache_read, u.cache_write),
                (20, 42, 100, 5)
            );
            let c = &reply.message.content;
            assert_eq!(
                c[0],
                Block::Thinking {
                    text: "Need the file \u{2014} read it.".into(),
                    signature: Some("EqQBCgIYAh==".into())
                }
            );
            assert_eq!(
                c[1],
                Block::Text {
                    text: "Let me look.".into()
                }
            );
            let calls: Vec<_> = reply.message.tool_uses().collect();
            assert_eq!(calls[0], ("toolu_01", "read", &json!({"path": "a.txt"})));
            assert_eq!(calls[1], ("toolu_02", "glob", &json!({})));
        }
    }

    #[test]
    fn cut_stream_is_an_error() {
        let end = STREAM.find("event: message_stop").expect("marker");
        // Cut between events, and inside the last JSON payload.
        for cut in [&STREAM[..end], &STREAM[..end + 40]] {
            let err = decode(&[cut.as_bytes()]).0.expect_err("must fail");
            assert_eq!(err.to_string(), format!("anthropic: {CUT_SHORT}"));
        }
    }

    #[test]
    fn in_stream_error_is_one_line_and_overload_is_retryable() {
        let ev = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        let err = decode(&[ev.as_bytes()]).0.expect_err("must fail");
        assert_eq!(err.to_string(), "anthropic: error in stream: Overloaded");
        assert!(err.retryable);
    }

    #[test]
    fn history_keeps_tool_structure_and_cache_breakpoints() {
        let msgs = vec![
            Message::user_text("hi"),
            Message {
                role: Role::Assistant,
                content: vec![
                    Block::Thinking {
                        text: "hmm".into(),
                        signature: Some("sig".into()),
                    },
                    Block::Thinking {
                        text: "unsigned".into(),
                        signature: None,
                    },
                    Block::Text { text: "ok".into() },
                    Block::ToolUse {
                        id: "t1".into(),
                        name: "read".into(),
                        input: json!({"path": "x"}),
                    },
                    Block::ToolUse {
                        id: "t2".into(),
                        name: "read".into(),
                        input: Value::String("{\"path\": ".into()),
                    },
                ],
            },
            Message {
                role: Role::User,
                content: vec![
                    Block::ToolResult {
                        id: "t1".into(),
                        name: "read".into(),
                        content: "1\thello".into(),
                        is_error: false,
                    },
                    Block::ToolResult {
                        id: "t2".into(),
                        name: "read".into(),
                        content: "invalid arguments".into(),
                        is_error: true,
                    },
                ],
            },
        ];
        let tools = [
            ToolSpec {
                name: "read".into(),
                description: "Read".into(),
                schema: json!({"type": "object"}),
            },
            ToolSpec {
                name: "bash".into(),
                description: "Run".into(),
                schema: json!({"type": "object"}),
            },
        ];
        let body = request_body(&Request {
            model: "claude",
            system: "sys",
            messages: &msgs,
            tools: &tools,
            max_tokens: None,
            effort: None,
            cache_key: None,
        });
        let body: Value = serde_json::from_slice(&body).expect("JSON body");
        assert_eq!(body["max_tokens"], 8192);
        assert_eq!(body["stream"], true);
        assert_eq!(
            body["system"],
            json!([{"type": "text", "text": "sys", "cache_control": {"type": "ephemeral"}}])
        );
        assert!(body["tools"][0].get("cache_control").is_none());
        assert_eq!(body["tools"][1]["cache_control"]["type"], "ephemeral");
        assert_eq!(body["tools"][1]["input_schema"], json!({"type": "object"}));
        let m = body["messages"].as_array().expect("messages");
        // The first user turn is no longer the latest: no breakpoint there.
        assert_eq!(
            m[0],
            json!({"role": "user", "content": [{"type": "text", "text": "hi"}]})
        );
        assert_eq!(
            m[1]["content"],
            json!([
                {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                {"type": "text", "text": "ok"},
                {"type": "tool_use", "id": "t1", "name": "read", "input": {"path": "x"}},
                {"type": "tool_use", "id": "t2", "name": "read", "input": {}},
            ])
        );
        assert_eq!(
            m[2]["content"],
            json!([
                {"type": "tool_result", "tool_use_id": "t1", "content": "1\thello"},
                {"type": "tool_result", "tool_use_id": "t2", "content": "invalid arguments",
                 "is_error": true, "cache_control": {"type": "ephemeral"}},
            ])
        );
    }
}
