//! OpenAI Responses API (`POST {base}/responses`, SSE): OpenAI's primary
//! interface for its own models. Reasoning is carried from one call to the
//! next as encrypted reasoning items (`store: false`), so a tool loop does not
//! think from scratch at every step and nothing is kept at OpenAI.
//!
//! A reasoning item lives in the neutral conversation as a thinking block: its
//! summary is the text, and its id and encrypted content, as a small JSON
//! object, are the signature that only this format reads back.

use super::body;
use super::http::{json_error_message, Http};
use super::openai::{arguments_string, parse_arguments};
use super::stream::{self, Framing, CUT_SHORT};
use super::{Delta, DeltaSink, Provider, ProviderError, ProviderId, Reply, Request, StopReason};
use crate::agent::conversation::{Block, Message, Role, Usage};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

const NAME: &str = "openai";

pub struct Responses {
    /// Includes the version path, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub api_key: Option<String>,
    pub http: Http,
}

impl Provider for Responses {
    fn id(&self) -> ProviderId {
        ProviderId::OpenAi
    }

    fn stream<'a>(
        &'a self,
        req: Request<'a>,
        sink: &'a mut DeltaSink<'a>,
    ) -> LocalBoxFuture<'a, Result<Reply, ProviderError>> {
        Box::pin(async move {
            let body = request_body(&req);
            let url = format!("{}/responses", self.base_url.trim_end_matches('/'));
            let mut headers = Vec::new();
            if let Some(key) = &self.api_key {
                headers.push(("authorization", format!("Bearer {key}")));
            }
            let resp = self.http.post(NAME, &url, &headers, body, sink).await?;
            let mut dec = Decoder::default();
            stream::read(&self.http, NAME, resp, Framing::Sse, &mut dec, sink).await?;
            dec.finish()
        })
    }
}

/// Whether this endpoint is OpenAI's own, where Responses is the default.
pub fn is_openai_endpoint(base_url: &str) -> bool {
    let rest = base_url
        .strip_prefix("https://")
        .unwrap_or(base_url)
        .trim_end_matches('/');
    rest == "api.openai.com" || rest.starts_with("api.openai.com/")
}

/// Builds the Responses request body from the neutral conversation.
pub fn request_body(req: &Request) -> Vec<u8> {
    let mut envelope = json!({
        "model": req.model,
        "stream": true,
        // Nothing stored at OpenAI: reasoning comes back encrypted instead.
        "store": false,
        "include": ["reasoning.encrypted_content"],
    });
    if !req.system.is_empty() {
        envelope["instructions"] = json!(req.system);
    }
    if !req.tools.is_empty() {
        envelope["tools"] = req
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "name": t.name, "description": t.description,
                       "parameters": t.schema})
            })
            .collect();
    }
    if let Some(n) = req.max_tokens {
        envelope["max_output_tokens"] = json!(n);
    }
    if let Some(e) = req.effort {
        envelope["reasoning"] = match e.level() {
            Some(l) => json!({"effort": l, "summary": "auto"}),
            None => json!({"effort": "none"}),
        };
    }
    if let Some(k) = req.cache_key {
        envelope["prompt_cache_key"] = json!(k);
    }
    body::build(&envelope, "input", |push| {
        let mut items = Vec::new();
        for m in req.messages {
            message_items(m, &mut items);
            items.drain(..).for_each(|v| push(&v));
        }
    })
}

/// The input items one message becomes.
fn message_items(m: &Message, out: &mut Vec<Value>) {
    match m.role {
        Role::Assistant => {
            for b in &m.content {
                match b {
                    Block::Thinking {
                        text,
                        signature: Some(sig),
                    } => {
                        if let Some(item) = reasoning_item(text, sig) {
                            out.push(item);
                        }
                    }
                    Block::Text { text } if !text.is_empty() => {
                        out.push(json!({"role": "assistant", "content": text}))
                    }
                    Block::ToolUse { id, name, input } => out.push(json!({
                        "type": "function_call", "call_id": id, "name": name,
                        "arguments": arguments_string(input),
                    })),
                    _ => {}
                }
            }
        }
        Role::User => {
            // Results answer the calls of the message before, so they come first.
            let mut parts = Vec::new();
            for b in &m.content {
                match b {
                    Block::ToolResult { id, content, .. } => out.push(json!({
                        "type": "function_call_output", "call_id": id, "output": content,
                    })),
                    Block::Text { text } if !text.is_empty() => {
                        parts.push(json!({"type": "input_text", "text": text}))
                    }
                    Block::Image { media_type, data } => parts.push(json!({
                        "type": "input_image",
                        "image_url": format!("data:{media_type};base64,{data}"),
                    })),
                    _ => {}
                }
            }
            if !parts.is_empty() {
                out.push(json!({"role": "user", "content": parts}));
            }
        }
    }
}

/// A reasoning item from a thinking block this format produced; None for
/// another provider's signature, which Responses cannot take.
fn reasoning_item(text: &str, sig: &str) -> Option<Value> {
    let v: Value = serde_json::from_str(sig).ok()?;
    let id = v["id"].as_str()?;
    let enc = v["encrypted_content"].as_str()?;
    let summary: Vec<Value> = if text.is_empty() {
        Vec::new()
    } else {
        vec![json!({"type": "summary_text", "text": text})]
    };
    Some(json!({"type": "reasoning", "id": id, "summary": summary, "encrypted_content": enc}))
}

/// One output item while it streams, in output order.
enum Item {
    Reasoning {
        id: String,
        summary: String,
        encrypted: Option<String>,
    },
    Call {
        item_id: String,
        call_id: String,
        name: String,
        args: String,
    },
}

/// Assembles a streamed Responses answer from its events.
#[derive(Default)]
pub struct Decoder {
    text: String,
    items: Vec<Item>,
    usage: Usage,
    /// `response.completed` or `response.incomplete` arrived.
    done: bool,
    /// Why an incomplete response stopped (`max_output_tokens`, `content_filter`).
    incomplete: Option<String>,
}

impl Decoder {
    /// The stream ended: builds the reply, or fails if it was cut short.
    pub fn finish(self) -> Result<Reply, ProviderError> {
        if !self.done {
            return Err(ProviderError::new(NAME, CUT_SHORT));
        }
        let mut content = Vec::new();
        let mut calls = Vec::new();
        for item in self.items {
            match item {
                Item::Reasoning {
                    id,
                    summary,
                    encrypted,
                } => {
                    let signature = encrypted
                        .map(|enc| json!({"id": id, "encrypted_content": enc}).to_string());
                    if signature.is_some() || !summary.is_empty() {
                        content.push(Block::Thinking {
                            text: summary,
                            signature,
                        });
                    }
                }
                Item::Call {
                    item_id,
                    call_id,
                    name,
                    args,
                } => {
                    let id = if call_id.is_empty() { item_id } else { call_id };
                    calls.push(Block::ToolUse {
                        id,
                        name,
                        input: parse_arguments(&args),
                    });
                }
            }
        }
        if !self.text.is_empty() {
            content.push(Block::Text { text: self.text });
        }
        let has_calls = !calls.is_empty();
        content.extend(calls);
        let stop = match self.incomplete.as_deref() {
            Some("max_output_tokens") => StopReason::MaxTokens,
            Some("content_filter") => StopReason::Refusal,
            Some(_) => StopReason::Other,
            None if has_calls => StopReason::ToolUse,
            None => StopReason::EndTurn,
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

    fn read_usage(&mut self, u: &Value) {
        let n = |v: &Value| v.as_u64().unwrap_or(0);
        let cached = n(&u["input_tokens_details"]["cached_tokens"]);
        self.usage.input = n(&u["input_tokens"]).saturating_sub(cached);
        self.usage.cache_read = cached;
        self.usage.output = n(&u["output_tokens"]);
        self.usage.reasoning = n(&u["output_tokens_details"]["reasoning_tokens"]);
    }

    /// The call an event names by `item_id`, else the latest one.
    fn call(&mut self, item_id: &str) -> Option<&mut String> {
        let mut found = None;
        for item in self.items.iter_mut().rev() {
            if let Item::Call {
                item_id: id, args, ..
            } = item
            {
                if id == item_id || item_id.is_empty() {
                    found = Some(args);
                    break;
                }
                found.get_or_insert(args);
            }
        }
        found
    }

    fn reasoning(&mut self, item_id: &str) -> Option<(&mut String, &mut Option<String>)> {
        self.items.iter_mut().rev().find_map(|item| match item {
            Item::Reasoning {
                id,
                summary,
                encrypted,
            } if id == item_id || item_id.is_empty() => Some((summary, encrypted)),
            _ => None,
        })
    }
}

impl stream::Decoder for Decoder {
    fn payload(&mut self, data: &str, sink: &mut DeltaSink<'_>) -> Result<(), ProviderError> {
        if data.trim().is_empty() || data.trim() == "[DONE]" {
            return Ok(());
        }
        let v: Value = serde_json::from_str(data)
            .map_err(|e| ProviderError::new(NAME, format!("malformed JSON in stream: {e}")))?;
        let str_of = |v: &Value| v.as_str().unwrap_or("").to_string();
        match v["type"].as_str().unwrap_or("") {
            "response.output_item.added" => {
                let item = &v["item"];
                match item["type"].as_str() {
                    Some("function_call") => {
                        let name = str_of(&item["name"]);
                        sink(Delta::ToolCall { name: &name });
                        self.items.push(Item::Call {
                            item_id: str_of(&item["id"]),
                            call_id: str_of(&item["call_id"]),
                            name,
                            args: str_of(&item["arguments"]),
                        });
                    }
                    Some("reasoning") => self.items.push(Item::Reasoning {
                        id: str_of(&item["id"]),
                        summary: String::new(),
                        encrypted: None,
                    }),
                    _ => {}
                }
            }
            "response.output_text.delta" => {
                if let Some(t) = v["delta"].as_str().filter(|t| !t.is_empty()) {
                    self.text.push_str(t);
                    sink(Delta::Text(t));
                }
            }
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                if let Some(t) = v["delta"].as_str().filter(|t| !t.is_empty()) {
                    if let Some((summary, _)) = self.reasoning(&str_of(&v["item_id"])) {
                        summary.push_str(t);
                    }
                    sink(Delta::Thinking(t));
                }
            }
            "response.reasoning_summary_part.added" => {
                // Summary parts are paragraphs: keep them apart.
                if let Some((summary, _)) = self.reasoning(&str_of(&v["item_id"])) {
                    if !summary.is_empty() {
                        summary.push_str("\n\n");
                        sink(Delta::Thinking("\n\n"));
                    }
                }
            }
            "response.function_call_arguments.delta" => {
                let delta = str_of(&v["delta"]);
                if let Some(args) = self.call(&str_of(&v["item_id"])) {
                    args.push_str(&delta);
                }
            }
            "response.function_call_arguments.done" => {
                if let Some(full) = v["arguments"].as_str() {
                    if let Some(args) = self.call(&str_of(&v["item_id"])) {
                        *args = full.to_string();
                    }
                }
            }
            "response.output_item.done" => {
                let item = &v["item"];
                match item["type"].as_str() {
                    Some("reasoning") => {
                        let from_item: Vec<&str> = item["summary"]
                            .as_array()
                            .map(|a| a.iter().filter_map(|p| p["text"].as_str()).collect())
                            .unwrap_or_default();
                        let enc = item["encrypted_content"].as_str().map(str::to_string);
                        if let Some((summary, encrypted)) = self.reasoning(&str_of(&item["id"])) {
                            if summary.is_empty() {
                                *summary = from_item.join("\n\n");
                            }
                            *encrypted = enc;
                        }
                    }
                    Some("function_call") => {
                        if let Some(full) = item["arguments"].as_str() {
                            if let Some(args) = self.call(&str_of(&item["id"])) {
                                *args = full.to_string();
                            }
                        }
                    }
                    _ => {}
                }
            }
            "response.completed" => {
                self.read_usage(&v["response"]["usage"]);
                self.done = true;
            }
            "response.incomplete" => {
                self.read_usage(&v["response"]["usage"]);
                self.incomplete = Some(
                    v["response"]["incomplete_details"]["reason"]
                        .as_str()
                        .unwrap_or("incomplete")
                        .to_string(),
                );
                self.done = true;
            }
            "response.failed" => {
                let msg = json_error_message(&v["response"])
                    .unwrap_or_else(|| "the response failed".to_string());
                return Err(ProviderError::new(NAME, format!("error in stream: {msg}")));
            }
            "error" => {
                let msg = v["message"]
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| json_error_message(&v))
                    .unwrap_or_else(|| v.to_string());
                return Err(ProviderError::new(NAME, format!("error in stream: {msg}")));
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = concat!(
        "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\"}}\n\n",
        "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]}}\n\n",
        "event: response.reasoning_summary_part.added\ndata: {\"type\":\"response.reasoning_summary_part.added\",\"item_id\":\"rs_1\",\"summary_index\":0}\n\n",
        "event: response.reasoning_summary_text.delta\ndata: {\"type\":\"response.reasoning_summary_text.delta\",\"item_id\":\"rs_1\",\"delta\":\"Need the file.\"}\n\n",
        "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"Need the file.\"}],\"encrypted_content\":\"gAAAenc\"}}\n\n",
        "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"output_index\":1,\"item\":{\"type\":\"function_call\",\"id\":\"fc_1\",\"call_id\":\"call_1\",\"name\":\"read\",\"arguments\":\"\"}}\n\n",
        "event: response.function_call_arguments.delta\ndata: {\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"fc_1\",\"delta\":\"{\\\"path\\\":\"}\n\n",
        "event: response.function_call_arguments.delta\ndata: {\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"fc_1\",\"delta\":\"\\\"a.txt\\\"}\"}\n\n",
        "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"output_index\":1,\"item\":{\"type\":\"function_call\",\"id\":\"fc_1\",\"call_id\":\"call_1\",\"name\":\"read\",\"arguments\":\"{\\\"path\\\":\\\"a.txt\\\"}\"}}\n\n",
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"usage\":{\"input_tokens\":120,\"input_tokens_details\":{\"cached_tokens\":100},\"output_tokens\":50,\"output_tokens_details\":{\"reasoning_tokens\":30},\"total_tokens\":170}}}\n\n",
    );

    fn decode(chunks: &[&[u8]]) -> (Result<Reply, ProviderError>, String) {
        let mut dec = Decoder::default();
        let (r, shown) = stream::feed_chunks(Framing::Sse, chunks, &mut dec);
        (r.and_then(|_| dec.finish()), shown)
    }

    #[test]
    fn reasoning_and_a_call_at_every_split() {
        let bytes = STREAM.as_bytes();
        for i in (0..bytes.len()).step_by(7) {
            let (a, b) = bytes.split_at(i);
            let reply = decode(&[a, b]).0.expect("decodes");
            assert_eq!(reply.stop, StopReason::ToolUse);
            let u = reply.usage;
            assert_eq!(
                (u.input, u.cache_read, u.output, u.reasoning),
                (20, 100, 50, 30)
            );
            let c = &reply.message.content;
            assert_eq!(c.len(), 2, "{c:?}");
            match &c[0] {
                Block::Thinking { text, signature } => {
                    assert_eq!(text, "Need the file.");
                    let sig: Value = serde_json::from_str(signature.as_deref().unwrap_or(""))
                        .expect("signature is JSON");
                    assert_eq!(sig, json!({"id": "rs_1", "encrypted_content": "gAAAenc"}));
                }
                other => panic!("expected thinking, got {other:?}"),
            }
            let calls: Vec<_> = reply.message.tool_uses().collect();
            assert_eq!(calls, vec![("call_1", "read", &json!({"path": "a.txt"}))]);
        }
    }

    #[test]
    fn a_stream_without_completion_is_cut_short() {
        let at = STREAM.find("event: response.completed").expect("in stream");
        let err = decode(&[&STREAM.as_bytes()[..at]]).0.expect_err("cut");
        assert!(err.to_string().contains("connection dropped"), "{err}");
    }

    #[test]
    fn failure_and_incomplete_are_reported() {
        let failed = "data: {\"type\":\"response.failed\",\"response\":{\"error\":{\"code\":\"server_error\",\"message\":\"boom\"}}}\n\n";
        let err = decode(&[failed.as_bytes()]).0.expect_err("fails");
        assert_eq!(err.to_string(), "openai: error in stream: boom");
        let inc = "data: {\"type\":\"response.output_text.delta\",\"delta\":\"Half\"}\n\ndata: {\"type\":\"response.incomplete\",\"response\":{\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"usage\":{\"input_tokens\":1,\"output_tokens\":2}}}\n\n";
        let (reply, shown) = decode(&[inc.as_bytes()]);
        assert_eq!(shown, "Half");
        assert_eq!(
            reply.expect("incomplete is a reply").stop,
            StopReason::MaxTokens
        );
    }

    #[test]
    fn history_sends_reasoning_before_its_call_and_results_as_outputs() {
        let sig = json!({"id": "rs_1", "encrypted_content": "gAAAenc"}).to_string();
        let msgs = vec![
            Message::user_text("hi"),
            Message {
                role: Role::Assistant,
                content: vec![
                    Block::Thinking {
                        text: "Need the file.".into(),
                        signature: Some(sig),
                    },
                    // Another provider's signature is not a reasoning item.
                    Block::Thinking {
                        text: "x".into(),
                        signature: Some("EqQBCkYI".into()),
                    },
                    Block::ToolUse {
                        id: "call_1".into(),
                        name: "read".into(),
                        input: json!({"path": "a.txt"}),
                    },
                ],
            },
            Message {
                role: Role::User,
                content: vec![Block::ToolResult {
                    id: "call_1".into(),
                    name: "read".into(),
                    content: "1\thello".into(),
                    is_error: false,
                }],
            },
        ];
        let body = request_body(&Request {
            model: "gpt-5",
            system: "sys",
            messages: &msgs,
            tools: &[],
            max_tokens: None,
            effort: Some(super::super::effort::Effort::High),
            cache_key: Some("sess-1"),
        });
        let body: Value = serde_json::from_slice(&body).expect("JSON body");
        assert_eq!(body["instructions"], "sys");
        assert_eq!(body["store"], false);
        assert_eq!(body["include"], json!(["reasoning.encrypted_content"]));
        assert_eq!(
            body["reasoning"],
            json!({"effort": "high", "summary": "auto"})
        );
        assert_eq!(body["prompt_cache_key"], "sess-1");
        let input = body["input"].as_array().expect("input");
        assert_eq!(input.len(), 4, "{input:?}");
        assert_eq!(
            input[0]["content"][0],
            json!({"type": "input_text", "text": "hi"})
        );
        assert_eq!(input[1]["type"], "reasoning");
        assert_eq!(input[1]["encrypted_content"], "gAAAenc");
        assert_eq!(
            input[2],
            json!({"type": "function_call", "call_id": "call_1", "name": "read",
                   "arguments": "{\"path\":\"a.txt\"}"})
        );
        assert_eq!(
            input[3],
            json!({"type": "function_call_output", "call_id": "call_1", "output": "1\thello"})
        );
    }

    #[test]
    fn default_wire_is_responses_only_at_openai() {
        assert!(is_openai_endpoint("https://api.openai.com/v1"));
        assert!(is_openai_endpoint("https://api.openai.com/v1/"));
        assert!(!is_openai_endpoint("http://127.0.0.1:8080/v1"));
        assert!(!is_openai_endpoint(
            "https://api.openai.com.evil.example/v1"
        ));
    }
}
