//! Ollama's native chat API (`POST {base}/api/chat`, NDJSON stream): tools in
//! the OpenAI function format, arguments as JSON objects, tool results as
//! `role: tool` messages carrying `tool_name`, images as base64 on the message.
//! Also lists local models (`GET /api/tags`).

use super::body;
use super::effort::Effort;
use super::http::{json_error_message, Http};
use super::openai::parse_arguments;
use super::openai::tool_json;
use super::stream::{self, Framing, CUT_SHORT};
use super::{Delta, DeltaSink, Provider, ProviderError, ProviderId, Reply, Request, StopReason};
use crate::agent::conversation::{Block, Message, Role, Usage};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Map, Value};

const NAME: &str = "ollama";

pub struct Ollama {
    /// `http://host:port`, already normalised from `OLLAMA_HOST`.
    pub base_url: String,
    /// Context window to ask for (`options.num_ctx`); Ollama's default otherwise.
    pub num_ctx: Option<u32>,
    pub http: Http,
}

impl Ollama {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.trim_end_matches('/'))
    }
}

impl Provider for Ollama {
    fn id(&self) -> ProviderId {
        ProviderId::Ollama
    }

    fn stream<'a>(
        &'a self,
        req: Request<'a>,
        sink: &'a mut DeltaSink<'a>,
    ) -> LocalBoxFuture<'a, Result<Reply, ProviderError>> {
        Box::pin(async move {
            let body = request_body(&req, self.num_ctx);
            let url = self.url("/api/chat");
            let resp = self.http.post(NAME, &url, &[], body, sink).await?;
            let mut dec = Decoder::default();
            stream::read(&self.http, NAME, resp, Framing::Lines, &mut dec, sink).await?;
            dec.finish()
        })
    }
}

/// Builds the /api/chat request body from the neutral conversation.
pub fn request_body(req: &Request, num_ctx: Option<u32>) -> Vec<u8> {
    let mut envelope = json!({"model": req.model, "stream": true});
    if !req.tools.is_empty() {
        envelope["tools"] = Value::Array(req.tools.iter().map(tool_json).collect());
    }
    if let Some(e) = req.effort {
        envelope["think"] = think(req.model, e);
    }
    let mut options = Map::new();
    if let Some(n) = num_ctx {
        options.insert("num_ctx".into(), json!(n));
    }
    if let Some(n) = req.max_tokens {
        options.insert("num_predict".into(), json!(n));
    }
    if !options.is_empty() {
        envelope["options"] = Value::Object(options);
    }
    body::chat(&envelope, req.system, req.messages, push_message)
}

/// Ollama's `think`: a level for the models that take one (gpt-oss),
/// true or false for the others.
fn think(model: &str, e: Effort) -> Value {
    match e.level() {
        Some(level) if model.starts_with("gpt-oss") => json!(level),
        Some(_) => json!(true),
        None => json!(false),
    }
}

fn push_message(out: &mut Vec<Value>, m: &Message) {
    let mut text = String::new();
    let mut thinking = String::new();
    let mut images = Vec::new();
    let mut calls = Vec::new();
    for b in &m.content {
        match b {
            Block::Text { text: t } => text.push_str(t),
            Block::Image { data, .. } => images.push(json!(data)),
            Block::Thinking { text: t, .. } => thinking.push_str(t),
            Block::ToolUse { name, input, .. } => {
                let args = match input {
                    Value::Object(_) => input.clone(),
                    _ => Value::Object(Map::new()),
                };
                calls.push(json!({"function": {"name": name, "arguments": args}}));
            }
            // Results must directly follow the assistant turn that asked.
            Block::ToolResult { name, content, .. } => {
                out.push(json!({"role": "tool", "content": content, "tool_name": name}))
            }
        }
    }
    let role = match m.role {
        Role::User => "user",
        Role::Assistant => "assistant",
    };
    if text.is_empty() && images.is_empty() && calls.is_empty() {
        return;
    }
    let mut msg = json!({"role": role, "content": text});
    if !images.is_empty() {
        msg["images"] = Value::Array(images);
    }
    if !thinking.is_empty() && m.role == Role::Assistant {
        msg["thinking"] = json!(thinking);
    }
    if !calls.is_empty() {
        msg["tool_calls"] = Value::Array(calls);
    }
    out.push(msg);
}

/// Assembles a streamed /api/chat answer from its NDJSON lines.
#[derive(Default)]
pub struct Decoder {
    text: String,
    thinking: String,
    calls: Vec<Block>,
    done_reason: Option<String>,
    usage: Usage,
    done: bool,
}

impl stream::Decoder for Decoder {
    fn payload(&mut self, line: &str, sink: &mut DeltaSink<'_>) -> Result<(), ProviderError> {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| ProviderError::new(NAME, format!("malformed JSON in stream: {e}")))?;
        if v.get("error").is_some() {
            let msg = json_error_message(&v).unwrap_or_else(|| v["error"].to_string());
            return Err(ProviderError::new(NAME, format!("error in stream: {msg}")));
        }
        let m = &v["message"];
        if let Some(t) = m["thinking"].as_str().filter(|t| !t.is_empty()) {
            self.thinking.push_str(t);
            sink(Delta::Thinking(t));
        }
        if let Some(t) = m["content"].as_str().filter(|t| !t.is_empty()) {
            self.text.push_str(t);
            sink(Delta::Text(t));
        }
        for c in m["tool_calls"].as_array().into_iter().flatten() {
            let f = &c["function"];
            let name = f["name"].as_str().unwrap_or("").to_string();
            let input = match &f["arguments"] {
                Value::String(raw) => parse_arguments(raw),
                a @ Value::Object(_) => a.clone(),
                _ => Value::Object(Map::new()),
            };
            let id = match c["id"].as_str() {
                Some(id) if !id.is_empty() => id.to_string(),
                _ => stream::call_id("ollama_call_"),
            };
            sink(Delta::ToolCall { name: &name });
            self.calls.push(Block::ToolUse { id, name, input });
        }
        if v["done"] == true {
            self.done = true;
            self.done_reason = v["done_reason"].as_str().map(str::to_string);
            self.usage.input = v["prompt_eval_count"].as_u64().unwrap_or(0);
            self.usage.output = v["eval_count"].as_u64().unwrap_or(0);
        }
        Ok(())
    }
}

impl Decoder {
    /// The stream ended: builds the reply, or fails if it was cut short.
    pub fn finish(self) -> Result<Reply, ProviderError> {
        if !self.done {
            return Err(ProviderError::new(NAME, CUT_SHORT));
        }
        let mut content = Vec::new();
        if !self.thinking.is_empty() {
            content.push(Block::Thinking {
                text: self.thinking,
                signature: None,
            });
        }
        if !self.text.is_empty() {
            content.push(Block::Text { text: self.text });
        }
        let stop = match self.done_reason.as_deref() {
            _ if !self.calls.is_empty() => StopReason::ToolUse,
            Some("length") => StopReason::MaxTokens,
            Some("stop") | None => StopReason::EndTurn,
            Some(_) => StopReason::Other,
        };
        content.extend(self.calls);
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

    /// A thinking model answering with text, then both tool calls in one
    /// `done: false` chunk (arguments as objects), then the final counts.
    const STREAM: &str = concat!(
        "{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"thinking\":\"Read \u{e9} first.\"},\"done\":false}\n",
        "{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"Let me \"},\"done\":false}\n",
        "{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"look.\"},\"done\":false}\n",
        "{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"read\",\"arguments\":{\"path\":\"a.txt\"}}},{\"function\":{\"name\":\"glob\",\"arguments\":{\"pattern\":\"*.rs\"}}}]},\"done\":false}\n",
        "{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"total_duration\":1,\"prompt_eval_count\":31,\"eval_count\":12}\n",
    );

    fn decode(chunks: &[&[u8]]) -> (Result<Reply, ProviderError>, String) {
        let mut dec = Decoder::default();
        let (r, shown) = stream::feed_chunks(Framing::Lines, chunks, &mut dec);
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
            assert_eq!((reply.usage.input, reply.usage.output), (31, 12));
            assert_eq!(
                reply.message.content[0],
                Block::Thinking {
                    text: "Read \u{e9} first.".into(),
                    signature: None
                }
            );
            let calls: Vec<_> = reply.message.tool_uses().collect();
            assert_eq!(calls.len(), 2);
            assert!(calls.iter().all(|c| c.0.starts_with("ollama_call_")));
            assert_ne!(calls[0].0, calls[1].0);
            assert_eq!(
                (calls[0].1, calls[0].2),
                ("read", &json!({"path": "a.txt"}))
            );
            assert_eq!(
                (calls[1].1, calls[1].2),
                ("glob", &json!({"pattern": "*.rs"}))
            );
        }
    }

    #[test]
    fn cut_stream_is_an_error() {
        let end = STREAM.rfind("{\"model\"").expect("last line");
        for cut in [&STREAM[..end], &STREAM[..end + 30]] {
            let err = decode(&[cut.as_bytes()]).0.expect_err("must fail");
            assert_eq!(err.to_string(), format!("ollama: {CUT_SHORT}"));
        }
    }

    #[test]
    fn in_stream_error_is_reported() {
        let err = decode(&[b"{\"error\":\"model 'x' not found\"}\n"])
            .0
            .expect_err("must fail");
        assert_eq!(
            err.to_string(),
            "ollama: error in stream: model 'x' not found"
        );
    }

    #[test]
    fn history_keeps_tool_structure_and_images() {
        let msgs = vec![
            Message {
                role: Role::User,
                content: vec![
                    Block::Text {
                        text: "what is this".into(),
                    },
                    Block::Image {
                        media_type: "image/png".into(),
                        data: "iVBORw0K".into(),
                    },
                ],
            },
            Message {
                role: Role::Assistant,
                content: vec![
                    Block::Text {
                        text: "Reading.".into(),
                    },
                    Block::ToolUse {
                        id: "ollama_call_0".into(),
                        name: "read".into(),
                        input: json!({"path": "x"}),
                    },
                    Block::ToolUse {
                        id: "ollama_call_1".into(),
                        name: "bash".into(),
                        input: Value::String("{\"command\": ".into()),
                    },
                ],
            },
            Message {
                role: Role::User,
                content: vec![
                    Block::ToolResult {
                        id: "ollama_call_0".into(),
                        name: "read".into(),
                        content: "1\thello".into(),
                        is_error: false,
                    },
                    Block::ToolResult {
                        id: "ollama_call_1".into(),
                        name: "bash".into(),
                        content: "invalid arguments".into(),
                        is_error: true,
                    },
                ],
            },
        ];
        let tools = [ToolSpec {
            name: "read".into(),
            description: "Read".into(),
            schema: json!({"type": "object"}),
        }];
        let body = request_body(
            &Request {
                model: "qwen3",
                system: "sys",
                messages: &msgs,
                tools: &tools,
                max_tokens: None,
                effort: None,
                cache_key: None,
            },
            Some(16384),
        );
        let body: Value = serde_json::from_slice(&body).expect("JSON body");
        assert_eq!(body["stream"], true);
        assert_eq!(body["options"], json!({"num_ctx": 16384}));
        assert_eq!(body["tools"][0]["function"]["name"], "read");
        assert_eq!(
            body["messages"],
            json!([
                {"role": "system", "content": "sys"},
                {"role": "user", "content": "what is this", "images": ["iVBORw0K"]},
                {"role": "assistant", "content": "Reading.", "tool_calls": [
                    {"function": {"name": "read", "arguments": {"path": "x"}}},
                    {"function": {"name": "bash", "arguments": {}}},
                ]},
                {"role": "tool", "content": "1\thello", "tool_name": "read"},
                {"role": "tool", "content": "invalid arguments", "tool_name": "bash"},
            ])
        );
    }
}
