//! OpenAI Chat Completions (`POST {base}/chat/completions`, SSE), spoken by
//! OpenAI, OpenRouter and most compatible servers (llama.cpp, vLLM, LM Studio).

use super::body;
use super::http::{json_error_message, Http};
use super::stream::{self, Framing, CUT_SHORT};
use super::{Delta, DeltaSink, Provider, ProviderError, ProviderId, Reply, Request, StopReason};
use crate::agent::conversation::{Block, Message, Role, Usage};
use crate::tools::ToolSpec;
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Map, Value};

pub struct OpenAi {
    pub id: ProviderId,
    /// Includes the version path, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub api_key: Option<String>,
    /// Extra headers (OpenRouter's attribution headers).
    pub headers: Vec<(&'static str, String)>,
    pub http: Http,
}

impl Provider for OpenAi {
    fn id(&self) -> ProviderId {
        self.id
    }

    fn stream<'a>(
        &'a self,
        req: Request<'a>,
        sink: &'a mut DeltaSink<'a>,
    ) -> LocalBoxFuture<'a, Result<Reply, ProviderError>> {
        Box::pin(async move {
            let name = self.id.as_str();
            let body = request_body(&req, self.id == ProviderId::OpenRouter);
            let url = format!("{}/chat/completions", self.base_url.trim_end_matches('/'));
            let mut headers: Vec<(&str, String)> =
                self.headers.iter().map(|(k, v)| (*k, v.clone())).collect();
            if let Some(key) = &self.api_key {
                headers.push(("authorization", format!("Bearer {key}")));
            }
            let resp = self.http.post(name, &url, &headers, body, sink).await?;
            let mut decoder = Decoder::new(name);
            stream::read(&self.http, name, resp, Framing::Sse, &mut decoder, sink).await?;
            decoder.finish()
        })
    }
}

/// Builds the Chat Completions request body from the neutral conversation;
/// `openrouter` adds its cost report and its form of the reasoning setting.
pub fn request_body(req: &Request, openrouter: bool) -> Vec<u8> {
    let mut envelope = json!({
        "model": req.model,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    if !req.tools.is_empty() {
        envelope["tools"] = Value::Array(req.tools.iter().map(tool_json).collect());
    }
    if let Some(n) = req.max_tokens {
        envelope["max_tokens"] = json!(n);
    }
    if openrouter {
        envelope["usage"] = json!({"include": true});
    }
    if let Some(e) = req.effort {
        // OpenRouter takes one `reasoning` object for every model it routes
        // to; OpenAI's Chat Completions a flat `reasoning_effort`.
        if openrouter {
            envelope["reasoning"] = match e.level() {
                Some(l) => json!({"effort": l}),
                None => json!({"enabled": false}),
            };
        } else {
            envelope["reasoning_effort"] = json!(e.level().unwrap_or("none"));
        }
    }
    body::chat(&envelope, req.system, req.messages, push_message)
}

/// A tool as Chat Completions declares it; Ollama's /api/chat takes the same.
pub fn tool_json(t: &ToolSpec) -> Value {
    json!({
        "type": "function",
        "function": {"name": t.name, "description": t.description, "parameters": t.schema},
    })
}

/// Tool arguments go back as the exact string the model produced.
pub fn arguments_string(input: &Value) -> String {
    match input {
        Value::String(raw) => raw.clone(),
        v => v.to_string(),
    }
}

fn push_message(out: &mut Vec<Value>, m: &Message) {
    match m.role {
        Role::Assistant => {
            let text = m.text();
            let calls: Vec<Value> = m
                .tool_uses()
                .map(|(id, name, input)| {
                    json!({"id": id, "type": "function",
                           "function": {"name": name, "arguments": arguments_string(input)}})
                })
                .collect();
            let mut msg = json!({"role": "assistant", "content": if text.is_empty() { Value::Null } else { Value::String(text) }});
            if !calls.is_empty() {
                msg["tool_calls"] = Value::Array(calls);
            }
            out.push(msg);
        }
        Role::User => {
            // Tool results become `tool` messages, which must directly follow
            // the assistant message that called them; other content follows.
            let mut parts = Vec::new();
            for b in &m.content {
                match b {
                    Block::ToolResult { id, content, .. } => {
                        out.push(json!({"role": "tool", "tool_call_id": id, "content": content}))
                    }
                    Block::Text { text } => parts.push(json!({"type": "text", "text": text})),
                    Block::Image { media_type, data } => parts.push(json!({
                        "type": "image_url",
                        "image_url": {"url": format!("data:{media_type};base64,{data}")},
                    })),
                    _ => {}
                }
            }
            if parts.is_empty() {
                return;
            }
            let content = if parts.len() == 1 && parts[0]["type"] == "text" {
                parts[0]["text"].clone()
            } else {
                Value::Array(parts)
            };
            out.push(json!({"role": "user", "content": content}));
        }
    }
}

#[derive(Default)]
struct PendingCall {
    id: String,
    name: String,
    args: String,
}

/// Assembles a streamed Chat Completions answer from its `data:` payloads.
pub struct Decoder {
    provider: &'static str,
    text: String,
    thinking: String,
    calls: Vec<PendingCall>,
    finish: Option<String>,
    usage: Usage,
    done: bool,
}

impl Decoder {
    pub fn new(provider: &'static str) -> Self {
        Decoder {
            provider,
            text: String::new(),
            thinking: String::new(),
            calls: Vec::new(),
            finish: None,
            usage: Usage::default(),
            done: false,
        }
    }

    /// The stream ended: builds the reply, or fails if it was cut short.
    pub fn finish(self) -> Result<Reply, ProviderError> {
        if !self.done && self.finish.is_none() {
            return Err(ProviderError::new(self.provider, CUT_SHORT));
        }
        self.assemble()
    }
}

impl stream::Decoder for Decoder {
    /// Handles one SSE `data:` payload.
    fn payload(&mut self, data: &str, sink: &mut DeltaSink<'_>) -> Result<(), ProviderError> {
        let data = data.trim();
        if data == "[DONE]" {
            self.done = true;
            return Ok(());
        }
        if data.is_empty() {
            return Ok(());
        }
        let v: Value = serde_json::from_str(data).map_err(|e| {
            ProviderError::new(self.provider, format!("malformed JSON in stream: {e}"))
        })?;
        if v.get("error").is_some() {
            let msg = json_error_message(&v).unwrap_or_else(|| v["error"].to_string());
            return Err(ProviderError::new(
                self.provider,
                format!("error in stream: {msg}"),
            ));
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            let cached = u["prompt_tokens_details"]["cached_tokens"]
                .as_u64()
                .unwrap_or(0);
            self.usage.input = u["prompt_tokens"]
                .as_u64()
                .unwrap_or(0)
                .saturating_sub(cached);
            self.usage.cache_read = cached;
            self.usage.output = u["completion_tokens"].as_u64().unwrap_or(0);
            self.usage.reasoning = u["completion_tokens_details"]["reasoning_tokens"]
                .as_u64()
                .unwrap_or(0);
            self.usage.cost = u["cost"].as_f64().unwrap_or(0.0);
        }
        let Some(choice) = v["choices"].get(0) else {
            return Ok(());
        };
        let delta = &choice["delta"];
        for key in ["reasoning_content", "reasoning"] {
            if let Some(t) = delta[key].as_str().filter(|t| !t.is_empty()) {
                self.thinking.push_str(t);
                sink(Delta::Thinking(t));
            }
        }
        if let Some(t) = delta["content"].as_str().filter(|t| !t.is_empty()) {
            self.text.push_str(t);
            sink(Delta::Text(t));
        }
        if let Some(calls) = delta["tool_calls"].as_array() {
            for c in calls {
                let index = c["index"]
                    .as_u64()
                    .unwrap_or(self.calls.len().saturating_sub(1) as u64)
                    as usize;
                if index > 1024 {
                    return Err(ProviderError::new(
                        self.provider,
                        "tool call index out of range",
                    ));
                }
                while self.calls.len() <= index {
                    self.calls.push(PendingCall::default());
                }
                let call = &mut self.calls[index];
                if let Some(id) = c["id"].as_str() {
                    call.id = id.to_string();
                }
                if let Some(n) = c["function"]["name"].as_str() {
                    let first = call.name.is_empty();
                    call.name.push_str(n);
                    if first {
                        sink(Delta::ToolCall { name: n });
                    }
                }
                if let Some(a) = c["function"]["arguments"].as_str() {
                    call.args.push_str(a);
                }
            }
        }
        if let Some(f) = choice["finish_reason"].as_str() {
            self.finish = Some(f.to_string());
        }
        Ok(())
    }
}

impl Decoder {
    /// The assistant message and stop reason from what has streamed.
    fn assemble(self) -> Result<Reply, ProviderError> {
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
        let has_calls = !self.calls.is_empty();
        for (i, c) in self.calls.into_iter().enumerate() {
            let input = parse_arguments(&c.args);
            let id = if c.id.is_empty() {
                format!("call_{i}")
            } else {
                c.id
            };
            content.push(Block::ToolUse {
                id,
                name: c.name,
                input,
            });
        }
        let stop = match self.finish.as_deref() {
            Some("tool_calls") | Some("function_call") => StopReason::ToolUse,
            Some("length") => StopReason::MaxTokens,
            Some("content_filter") => StopReason::Refusal,
            _ if has_calls => StopReason::ToolUse,
            _ => StopReason::EndTurn,
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

/// Parses streamed tool arguments; keeps the raw text when it is not a JSON object.
pub fn parse_arguments(raw: &str) -> Value {
    if raw.trim().is_empty() {
        return Value::Object(Map::new());
    }
    match serde_json::from_str::<Value>(raw) {
        Ok(v @ Value::Object(_)) => v,
        _ => Value::String(raw.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Let me \"}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"look.\"}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"read\",\"arguments\":\"\"}}]}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"path\\\":\"}}]}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"glob\",\"arguments\":\"{\\\"pattern\\\":\\\"*.rs\\\"}\"}}]}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"a.txt\\\"}\"}}]}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,\"total_tokens\":19}}\n\n",
        "data: [DONE]\n\n",
    );

    fn decode(chunks: &[&[u8]]) -> (Result<Reply, ProviderError>, String) {
        let mut dec = Decoder::new("openai");
        let (r, shown) = stream::feed_chunks(Framing::Sse, chunks, &mut dec);
        (r.and_then(|_| dec.finish()), shown)
    }

    #[test]
    fn reassembles_interleaved_tool_calls_at_every_split() {
        let bytes = STREAM.as_bytes();
        for i in 0..bytes.len() {
            let (a, b) = bytes.split_at(i);
            let (reply, shown) = decode(&[a, b]);
            let reply = reply.expect("decodes");
            assert_eq!(shown, "Let me look.");
            assert_eq!(reply.stop, StopReason::ToolUse);
            assert_eq!(reply.usage.input, 12);
            assert_eq!(reply.usage.output, 7);
            let calls: Vec<_> = reply.message.tool_uses().collect();
            assert_eq!(calls.len(), 2);
            assert_eq!(calls[0], ("call_a", "read", &json!({"path": "a.txt"})));
            assert_eq!(calls[1], ("call_b", "glob", &json!({"pattern": "*.rs"})));
        }
    }

    #[test]
    fn cut_stream_is_an_error() {
        // The connection drops cleanly between two events, before the end.
        let at = STREAM
            .find("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason")
            .expect("in stream");
        let cut = &STREAM.as_bytes()[..at];
        let (reply, _) = decode(&[cut]);
        let err = reply.expect_err("must fail");
        assert!(err.to_string().contains("connection dropped"), "{err}");
    }

    #[test]
    fn malformed_arguments_are_kept_raw() {
        assert_eq!(
            parse_arguments("{\"path\": "),
            Value::String("{\"path\": ".into())
        );
        assert_eq!(parse_arguments(""), json!({}));
        assert_eq!(arguments_string(&Value::String("{x".into())), "{x");
    }

    #[test]
    fn in_stream_error_is_reported() {
        let (reply, _) =
            decode(&[b"data: {\"error\":{\"message\":\"upstream overloaded\",\"code\":502}}\n\n"]);
        let err = reply.expect_err("must fail");
        assert_eq!(
            err.to_string(),
            "openai: error in stream: upstream overloaded"
        );
    }

    #[test]
    fn history_keeps_tool_structure() {
        let msgs = vec![
            Message::user_text("hi"),
            Message {
                role: Role::Assistant,
                content: vec![Block::ToolUse {
                    id: "c1".into(),
                    name: "read".into(),
                    input: json!({"path":"x"}),
                }],
            },
            Message {
                role: Role::User,
                content: vec![Block::ToolResult {
                    id: "c1".into(),
                    name: "read".into(),
                    content: "1\thello".into(),
                    is_error: false,
                }],
            },
        ];
        let body = request_body(
            &Request {
                model: "m",
                system: "sys",
                messages: &msgs,
                tools: &[],
                max_tokens: None,
                effort: None,
                cache_key: None,
            },
            false,
        );
        let body: Value = serde_json::from_slice(&body).expect("JSON body");
        let m = body["messages"].as_array().expect("messages");
        assert_eq!(m[0], json!({"role":"system","content":"sys"}));
        assert_eq!(m[1], json!({"role":"user","content":"hi"}));
        assert_eq!(
            m[2]["tool_calls"][0]["function"]["arguments"],
            "{\"path\":\"x\"}"
        );
        assert_eq!(
            m[3],
            json!({"role":"tool","tool_call_id":"c1","content":"1\thello"})
        );
        assert_eq!(body["stream_options"]["include_usage"], true);
    }
}
