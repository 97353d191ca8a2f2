//! Google Gemini API (`POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse`):
//! `contents` of `parts`, function calls without ids (matched by name and
//! order), thought parts and thought signatures sent back on their part.
//!
//! Signatures: a `thoughtSignature` on a thought part is kept in that
//! `Thinking` block; one on any other part (a function call, a text part) is
//! kept as a `Thinking` block with empty text placed just before that block,
//! and goes back on the part that follows it.
//!
//! Blocked answers (finishReason SAFETY, RECITATION, ... or
//! `promptFeedback.blockReason`) are a `ProviderError`
//! "response blocked (REASON)", so nothing half-written joins the history.

use super::body;
use super::http::{json_error_message, Http};
use super::schema::gemini_subset;
use super::stream::{self, Framing, CUT_SHORT};
use super::{Delta, DeltaSink, Provider, ProviderError, ProviderId, Reply, Request, StopReason};
use crate::agent::conversation::{Block, Message, Role, Usage};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Map, Value};

const NAME: &str = "gemini";
/// Prefix of the ids wisp invents for Gemini's id-less function calls; such
/// ids are never sent back.
const ID_PREFIX: &str = "gemini_call_";

pub struct Gemini {
    /// The bare host, e.g. `https://generativelanguage.googleapis.com`.
    pub base_url: String,
    pub api_key: Option<String>,
    pub http: Http,
}

impl Provider for Gemini {
    fn id(&self) -> ProviderId {
        ProviderId::Gemini
    }

    fn stream<'a>(
        &'a self,
        req: Request<'a>,
        sink: &'a mut DeltaSink<'a>,
    ) -> LocalBoxFuture<'a, Result<Reply, ProviderError>> {
        Box::pin(async move {
            let body = request_body(&req);
            let model = req.model.trim_start_matches("models/");
            let url = format!(
                "{}/v1beta/models/{model}:streamGenerateContent?alt=sse",
                self.base_url.trim_end_matches('/')
            );
            let headers: Vec<(&str, String)> = self
                .api_key
                .iter()
                .map(|k| ("x-goog-api-key", k.clone()))
                .collect();
            let resp = self.http.post(NAME, &url, &headers, body, sink).await?;
            let mut dec = Decoder::default();
            stream::read(&self.http, NAME, resp, Framing::Sse, &mut dec, sink).await?;
            dec.finish()
        })
    }
}

/// Builds the request body from the neutral conversation.
pub fn request_body(req: &Request) -> Vec<u8> {
    let mut envelope = json!({});
    if !req.system.is_empty() {
        envelope["systemInstruction"] = json!({"parts": [{"text": req.system}]});
    }
    if !req.tools.is_empty() {
        let decls: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut d = json!({"name": t.name, "description": t.description});
                let params = gemini_subset(&t.schema);
                // An object without properties is sent as no parameters at all.
                if params.get("properties").is_some() {
                    d["parameters"] = params;
                }
                d
            })
            .collect();
        envelope["tools"] = json!([{"functionDeclarations": decls}]);
    }
    if let Some(n) = req.max_tokens {
        envelope["generationConfig"] = json!({"maxOutputTokens": n});
    }
    if let Some(e) = req.effort {
        // A budget of 0 turns thinking off where the model allows it.
        envelope["generationConfig"]["thinkingConfig"] =
            json!({"thinkingBudget": e.budget(), "includeThoughts": e.budget() > 0});
    }
    body::build(&envelope, "contents", |push| {
        req.messages
            .iter()
            .filter_map(content_json)
            .for_each(|v| push(&v))
    })
}

/// A call id worth sending back: one Gemini itself gave.
fn native_id(id: &str) -> Option<&str> {
    (!id.starts_with(ID_PREFIX) && !id.is_empty()).then_some(id)
}

/// One `contents` entry, or `None` when nothing in the message can be sent.
fn content_json(m: &Message) -> Option<Value> {
    let mut parts = Vec::new();
    let mut signature: Option<&str> = None;
    let mut push = |mut part: Value, signature: &mut Option<&str>| {
        if let Some(sig) = signature.take() {
            part["thoughtSignature"] = json!(sig);
        }
        parts.push(part);
    };
    // Function responses lead the user turn, in the order of the calls.
    let results = m
        .content
        .iter()
        .filter(|b| matches!(b, Block::ToolResult { .. }));
    let others = m
        .content
        .iter()
        .filter(|b| !matches!(b, Block::ToolResult { .. }));
    for b in results.chain(others) {
        match b {
            Block::Text { text } => push(json!({"text": text}), &mut signature),
            Block::Image { media_type, data } => push(
                json!({"inlineData": {"mimeType": media_type, "data": data}}),
                &mut signature,
            ),
            Block::ToolUse { id, name, input } => {
                let args = match input {
                    Value::Object(_) => input.clone(),
                    _ => Value::Object(Map::new()),
                };
                let mut call = json!({"name": name, "args": args});
                if let Some(id) = native_id(id) {
                    call["id"] = json!(id);
                }
                push(json!({"functionCall": call}), &mut signature)
            }
            Block::ToolResult {
                id,
                name,
                content,
                is_error,
            } => {
                let key = if *is_error { "error" } else { "content" };
                let mut resp = json!({"name": name, "response": {key: content}});
                if let Some(id) = native_id(id) {
                    resp["id"] = json!(id);
                }
                push(json!({"functionResponse": resp}), &mut signature)
            }
            Block::Thinking { text, signature: s } if text.is_empty() => {
                signature = s.as_deref();
            }
            Block::Thinking { text, signature: s } => {
                signature = s.as_deref();
                push(json!({"text": text, "thought": true}), &mut signature)
            }
        }
    }
    if parts.is_empty() {
        return None;
    }
    let role = match m.role {
        Role::User => "user",
        Role::Assistant => "model",
    };
    Some(json!({"role": role, "parts": parts}))
}

/// Assembles a streamed answer from its `GenerateContentResponse` chunks.
#[derive(Default)]
pub struct Decoder {
    content: Vec<Block>,
    finish: Option<String>,
    usage: Usage,
}

impl stream::Decoder for Decoder {
    fn payload(&mut self, data: &str, sink: &mut DeltaSink<'_>) -> Result<(), ProviderError> {
        let v: Value = serde_json::from_str(data)
            .map_err(|e| ProviderError::new(NAME, format!("malformed JSON in stream: {e}")))?;
        if v.get("error").is_some() || v.is_array() {
            let msg = json_error_message(&v).unwrap_or_else(|| v.to_string());
            return Err(ProviderError::new(NAME, format!("error in stream: {msg}")));
        }
        if let Some(reason) = v["promptFeedback"]["blockReason"].as_str() {
            return Err(blocked(reason));
        }
        if let Some(u) = v.get("usageMetadata") {
            let n = |k: &str| u[k].as_u64().unwrap_or(0);
            let cached = n("cachedContentTokenCount");
            self.usage.input = n("promptTokenCount").saturating_sub(cached);
            self.usage.cache_read = cached;
            self.usage.output = n("candidatesTokenCount") + n("thoughtsTokenCount");
            self.usage.reasoning = n("thoughtsTokenCount");
        }
        let Some(cand) = v["candidates"].get(0) else {
            return Ok(());
        };
        for part in cand["content"]["parts"].as_array().into_iter().flatten() {
            self.part(part, sink);
        }
        if let Some(f) = cand["finishReason"].as_str() {
            match f {
                "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII"
                | "IMAGE_SAFETY" | "LANGUAGE" => return Err(blocked(f)),
                "MALFORMED_FUNCTION_CALL" => {
                    return Err(ProviderError::new(
                        NAME,
                        "the model produced a malformed function call (MALFORMED_FUNCTION_CALL)",
                    ))
                }
                _ => self.finish = Some(f.to_string()),
            }
        }
        Ok(())
    }
}

fn blocked(reason: &str) -> ProviderError {
    ProviderError::new(NAME, format!("response blocked ({reason})"))
}

impl Decoder {
    fn part(&mut self, part: &Value, sink: &mut DeltaSink<'_>) {
        let sig = part["thoughtSignature"].as_str().map(str::to_string);
        let text = part["text"].as_str();
        if part["thought"] == true {
            let t = text.unwrap_or("");
            match self.content.last_mut() {
                Some(Block::Thinking { text, signature }) => {
                    text.push_str(t);
                    if sig.is_some() {
                        *signature = sig;
                    }
                }
                _ => self.content.push(Block::Thinking {
                    text: t.to_string(),
                    signature: sig,
                }),
            }
            if !t.is_empty() {
                sink(Delta::Thinking(t));
            }
            return;
        }
        let marker = sig.map(|s| Block::Thinking {
            text: String::new(),
            signature: Some(s),
        });
        if let Some(fc) = part.get("functionCall") {
            let name = fc["name"].as_str().unwrap_or("").to_string();
            let id = match fc["id"].as_str() {
                Some(id) if !id.is_empty() => id.to_string(),
                _ => stream::call_id(ID_PREFIX),
            };
            let input = match &fc["args"] {
                a @ Value::Object(_) => a.clone(),
                _ => Value::Object(Map::new()),
            };
            sink(Delta::ToolCall { name: &name });
            self.content.extend(marker);
            self.content.push(Block::ToolUse { id, name, input });
        } else if let Some(t) = text {
            if !t.is_empty() {
                sink(Delta::Text(t));
            }
            match (marker, self.content.last_mut()) {
                (None, Some(Block::Text { text })) => text.push_str(t),
                (marker, _) => {
                    self.content.extend(marker);
                    self.content.push(Block::Text {
                        text: t.to_string(),
                    });
                }
            }
        }
    }

    /// The stream ended: builds the reply, or fails if it was cut short.
    pub fn finish(self) -> Result<Reply, ProviderError> {
        let Some(finish) = self.finish else {
            return Err(ProviderError::new(NAME, CUT_SHORT));
        };
        // Empty text is kept only where a signature rides on it.
        let mut content = Vec::with_capacity(self.content.len());
        for b in self.content {
            let signed =
                matches!(content.last(), Some(Block::Thinking { text, .. }) if text.is_empty());
            if matches!(&b, Block::Text { text } if text.is_empty()) && !signed {
                continue;
            }
            content.push(b);
        }
        let has_calls = content.iter().any(|b| matches!(b, Block::ToolUse { .. }));
        let stop = match finish.as_str() {
            "MAX_TOKENS" => StopReason::MaxTokens,
            _ if has_calls => StopReason::ToolUse,
            "STOP" | "FUNCTION_CALL" | "FINISH_REASON_UNSPECIFIED" => StopReason::EndTurn,
            _ => StopReason::Other,
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

    /// As the real API streams a thinking model calling two functions:
    /// thought summary, text, then the calls (no ids) and `STOP`.
    const STREAM: &str = concat!(
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Plan: read \u{e9}\",\"thought\":true}],\"role\":\"model\"},\"index\":0}]}\r\n\r\n",
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Let me \"}],\"role\":\"model\"},\"index\":0}]}\r\n\r\n",
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"look.\"}],\"role\":\"model\"},\"index\":0}]}\r\n\r\n",
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"read\",\"args\":{\"path\":\"a.txt\"}},\"thoughtSignature\":\"CiQB0e2Kb==\"},{\"functionCall\":{\"name\":\"glob\",\"args\":{\"pattern\":\"*.rs\"}}}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],",
        "\"usageMetadata\":{\"promptTokenCount\":120,\"cachedContentTokenCount\":100,\"candidatesTokenCount\":9,\"thoughtsTokenCount\":30,\"totalTokenCount\":159}}\r\n\r\n",
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
            assert_eq!((u.input, u.cache_read, u.output), (20, 100, 39));
            let c = &reply.message.content;
            assert_eq!(
                c[0],
                Block::Thinking {
                    text: "Plan: read \u{e9}".into(),
                    signature: None
                }
            );
            assert_eq!(
                c[1],
                Block::Text {
                    text: "Let me look.".into()
                }
            );
            assert_eq!(
                c[2],
                Block::Thinking {
                    text: String::new(),
                    signature: Some("CiQB0e2Kb==".into())
                }
            );
            let calls: Vec<_> = reply.message.tool_uses().collect();
            assert_eq!(calls.len(), 2);
            assert!(calls[0].0.starts_with(ID_PREFIX) && calls[1].0.starts_with(ID_PREFIX));
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
        let cut = &STREAM[..STREAM.rfind("data: ").expect("marker")];
        let err = decode(&[cut.as_bytes()]).0.expect_err("must fail");
        assert_eq!(err.to_string(), format!("gemini: {CUT_SHORT}"));
        let cut = &STREAM[..STREAM.find("\"parts\":[{\"functionCall\"").expect("marker")];
        let err = decode(&[cut.as_bytes()]).0.expect_err("must fail");
        assert_eq!(err.to_string(), format!("gemini: {CUT_SHORT}"));
    }

    #[test]
    fn blocked_answers_are_one_clear_error() {
        let safety = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Sure\"}]},\"finishReason\":\"SAFETY\"}]}\n\n";
        let err = decode(&[safety.as_bytes()]).0.expect_err("blocked");
        assert_eq!(err.to_string(), "gemini: response blocked (SAFETY)");
        let prompt = "data: {\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"}}\n\n";
        let err = decode(&[prompt.as_bytes()]).0.expect_err("blocked");
        assert_eq!(
            err.to_string(),
            "gemini: response blocked (PROHIBITED_CONTENT)"
        );
        let error = "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\"}}\n\n";
        let err = decode(&[error.as_bytes()]).0.expect_err("error");
        assert_eq!(
            err.to_string(),
            "gemini: error in stream: The model is overloaded."
        );
    }

    #[test]
    fn aimock_function_call_finish_reason_is_a_tool_call() {
        let s = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"read\",\"args\":{\"path\":\"x\"}}}]},\"finishReason\":\"FUNCTION_CALL\",\"index\":0}]}\n\n";
        let reply = decode(&[s.as_bytes()]).0.expect("decodes");
        assert_eq!(reply.stop, StopReason::ToolUse);
        let max = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"ab\"}]},\"finishReason\":\"MAX_TOKENS\"}]}\n\n";
        assert_eq!(
            decode(&[max.as_bytes()]).0.expect("ok").stop,
            StopReason::MaxTokens
        );
    }

    #[test]
    fn history_keeps_calls_results_and_signatures() {
        let msgs = vec![
            Message::user_text("hi"),
            Message {
                role: Role::Assistant,
                content: vec![
                    Block::Thinking {
                        text: "plan".into(),
                        signature: None,
                    },
                    Block::Text { text: "ok".into() },
                    Block::Thinking {
                        text: String::new(),
                        signature: Some("sig1".into()),
                    },
                    Block::ToolUse {
                        id: "gemini_call_7".into(),
                        name: "read".into(),
                        input: json!({"path": "x"}),
                    },
                    Block::ToolUse {
                        id: "native-1".into(),
                        name: "bash".into(),
                        input: Value::String("{\"command\": ".into()),
                    },
                ],
            },
            Message {
                role: Role::User,
                content: vec![
                    Block::ToolResult {
                        id: "gemini_call_7".into(),
                        name: "read".into(),
                        content: "1\thello".into(),
                        is_error: false,
                    },
                    Block::ToolResult {
                        id: "native-1".into(),
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
            schema: json!({"type": "object", "additionalProperties": false,
                           "properties": {"path": {"type": "string"}}, "required": ["path"]}),
        }];
        let body = request_body(&Request {
            model: "m",
            system: "sys",
            messages: &msgs,
            tools: &tools,
            max_tokens: Some(100),
            effort: None,
            cache_key: None,
        });
        let body: Value = serde_json::from_slice(&body).expect("JSON body");
        assert_eq!(
            body["systemInstruction"],
            json!({"parts": [{"text": "sys"}]})
        );
        assert_eq!(body["generationConfig"]["maxOutputTokens"], 100);
        assert_eq!(
            body["tools"][0]["functionDeclarations"][0],
            json!({"name": "read", "description": "Read", "parameters": {"type": "object",
                   "properties": {"path": {"type": "string"}}, "required": ["path"]}})
        );
        let c = body["contents"].as_array().expect("contents");
        assert_eq!(c[0], json!({"role": "user", "parts": [{"text": "hi"}]}));
        assert_eq!(
            c[1],
            json!({"role": "model", "parts": [
                {"text": "plan", "thought": true},
                {"text": "ok"},
                {"functionCall": {"name": "read", "args": {"path": "x"}}, "thoughtSignature": "sig1"},
                {"functionCall": {"name": "bash", "args": {}, "id": "native-1"}},
            ]})
        );
        assert_eq!(
            c[2],
            json!({"role": "user", "parts": [
                {"functionResponse": {"name": "read", "response": {"content": "1\thello"}}},
                {"functionResponse": {"name": "bash", "id": "native-1",
                                      "response": {"error": "invalid arguments"}}},
            ]})
        );
    }
}
