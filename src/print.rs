//! `wisp -p`: one prompt, one turn, the answer on stdout, then exit.
//!
//! Formats: `text` streams the answer (tool activity on stderr); `json`
//! prints one object at the end; `stream-json` prints one JSON object per
//! line as things happen (schema in README.md).

use crate::agent::turn::TurnEnd;
use crate::agent::{Agent, AgentEvent, Approval, ApprovalRequest, Approver, EventSink};
use crate::cli::OutputFormat;
use crate::config::Settings;
use crate::provider::StopReason;
use crate::render::{self, Renderer};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

/// Refuses whatever would ask: nobody is there to answer.
pub struct Refuser;

impl Approver for Refuser {
    fn ask<'a>(&'a mut self, req: &'a ApprovalRequest<'a>) -> LocalBoxFuture<'a, Approval> {
        let rule = req.always;
        let msg = format!(
            "`{} {}` needs approval ({}); rerun with --allow '{rule}' or --mode, or ask the user to do it",
            req.tool, req.summary, req.reason
        );
        Box::pin(async move { Approval::Refuse(msg) })
    }

    fn waits_for_a_person(&self) -> bool {
        false
    }
}

/// Writes stream-json lines and remembers the answer for the final object.
///
/// Besides wisp's own fine-grained events (`text`, `tool_use`, ...), it writes
/// the envelopes Claude Code's stream-json has: a `system` init line, an
/// `assistant` message per model answer and tool call, a `user` message per
/// tool result, so scripts written for Claude Code read wisp's output.
struct JsonSink {
    stream: bool,
    text: String,
    session_id: String,
    model: String,
    /// The current model answer's text, for its `assistant` envelope.
    said: String,
}

impl JsonSink {
    fn line(&self, v: Value) {
        if self.stream {
            render::println(&v.to_string());
        }
    }

    fn envelope(&self, kind: &str, role: &str, content: Value, usage: Option<Value>) {
        let mut message = json!({"role": role, "content": content});
        if role == "assistant" {
            message["type"] = json!("message");
            message["model"] = json!(self.model);
        }
        if let Some(u) = usage {
            message["usage"] = u;
        }
        self.line(json!({
            "type": kind, "message": message,
            "parent_tool_use_id": null, "session_id": self.session_id,
        }));
    }

    /// The answer so far as an `assistant` message (once the call ended).
    fn flush_said(&mut self, usage: Option<Value>) {
        if self.said.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.said);
        self.envelope(
            "assistant",
            "assistant",
            json!([{"type": "text", "text": text}]),
            usage,
        );
    }
}

/// Token counts under both wisp's names and Claude's (Anthropic's) names.
fn usage_json(u: &crate::agent::conversation::Usage) -> Value {
    json!({
        "input_tokens": u.input, "output_tokens": u.output,
        "cache_read_input_tokens": u.cache_read, "cache_creation_input_tokens": u.cache_write,
        "cache_read_tokens": u.cache_read, "cache_write_tokens": u.cache_write,
        "reasoning_tokens": u.reasoning,
    })
}

impl EventSink for JsonSink {
    fn event(&mut self, ev: AgentEvent<'_>) {
        match &ev {
            AgentEvent::Text(t) => {
                self.text.push_str(t);
                if self.stream {
                    self.said.push_str(t);
                }
            }
            AgentEvent::ToolStarted { .. } => {
                // A new step's text replaces the previous one as "the answer".
                self.text.clear();
                self.flush_said(None);
            }
            // Without a stream, hook lines go where tool activity goes.
            AgentEvent::Hook(line) if !self.stream => return render::eprintln(line),
            _ => {}
        }
        if let Some(v) = event_json(&ev) {
            self.line(v);
        }
        // Claude Code's envelopes, after wisp's own line for the same event.
        match ev {
            AgentEvent::ToolStarted {
                id, name, input, ..
            } => self.envelope(
                "assistant",
                "assistant",
                json!([{"type": "tool_use", "id": id, "name": name, "input": input}]),
                None,
            ),
            AgentEvent::ToolFinished { id, output, .. } => self.envelope(
                "user",
                "user",
                json!([{"type": "tool_result", "tool_use_id": id,
                        "content": output.content, "is_error": output.is_error}]),
                None,
            ),
            AgentEvent::Usage { call: u, .. } => self.flush_said(Some(usage_json(u))),
            _ => {}
        }
    }
}

/// One stream-json line; a subagent's carry its label in `child` and the
/// `task` call running it in `parent_tool_use_id`.
fn event_json(ev: &AgentEvent<'_>) -> Option<Value> {
    Some(match ev {
        AgentEvent::Text(t) => json!({"type": "text", "text": t}),
        AgentEvent::Thinking(t) => json!({"type": "thinking", "text": t}),
        AgentEvent::Status(s) => json!({"type": "status", "message": s}),
        AgentEvent::ToolStarted {
            id,
            name,
            kind,
            input,
            ..
        } => {
            json!({"type": "tool_use", "id": id, "name": name, "kind": kind.as_str(), "input": input})
        }
        AgentEvent::ToolFinished { id, name, output } => json!({
            "type": "tool_result", "id": id, "name": name,
            "content": output.content, "is_error": output.is_error,
        }),
        AgentEvent::Usage { call: u, .. } => {
            let mut v = usage_json(u);
            v["type"] = json!("usage");
            v
        }
        AgentEvent::Hook(line) => json!({"type": "hook", "message": line}),
        AgentEvent::Child { call, child, event } => {
            let mut v = event_json(event)?;
            v["child"] = json!(child);
            v["parent_tool_use_id"] = json!(call);
            v
        }
    })
}

fn stop_name(end: &TurnEnd) -> &'static str {
    match end {
        TurnEnd::Done(StopReason::EndTurn | StopReason::ToolUse | StopReason::Other) => "end_turn",
        TurnEnd::Done(StopReason::MaxTokens) => "max_tokens",
        TurnEnd::Done(StopReason::Refusal) => "refusal",
        TurnEnd::Cancelled => "cancelled",
        TurnEnd::Stopped => "stopped",
        TurnEnd::MaxSteps(_) => "max_steps",
        TurnEnd::Error(_) => "error",
    }
}

/// Starts the session's hooks and sends the prompt; Err(exit code) when a
/// hook blocked the prompt.
async fn begin(agent: &mut Agent, prompt: &str, sink: &mut dyn EventSink) -> Result<(), i32> {
    if agent.hooks.is_some() {
        let source = if agent.conv.messages.is_empty() {
            "startup"
        } else {
            "resume"
        };
        agent.session_start(source, sink).await;
    }
    let content = crate::agent::conversation::Message::user_text(prompt).content;
    agent.submit(content, sink).await.map_err(|why| {
        render::eprintln(&format!("wisp: the prompt was blocked by a hook: {why}"));
        1
    })
}

async fn end_session(agent: &mut Agent, sink: &mut dyn EventSink) {
    if agent.hooks.is_some() {
        agent.ctx.cancel.reset();
        agent.session_end("other", sink).await;
    }
}

/// Runs the one-shot turn; returns the process exit code.
pub async fn run(
    agent: &mut Agent,
    prompt: &str,
    format: OutputFormat,
    styled: bool,
    settings: &Settings,
) -> i32 {
    let max_steps = settings.max_steps;
    let started = std::time::Instant::now();
    let session_id = agent
        .session
        .as_ref()
        .map(|s| s.header.id.clone())
        .unwrap_or_default();
    let (end, steps) = match format {
        OutputFormat::Text => {
            let mut r = Renderer::new(styled, true, &agent.ctx.cwd);
            r.thinking.full = settings.show_thinking;
            if let Err(code) = begin(agent, prompt, &mut r).await {
                return code;
            }
            let res = agent.turn(&mut r, &mut Refuser, max_steps, None).await;
            end_session(agent, &mut r).await;
            r.finish();
            res
        }
        OutputFormat::Json | OutputFormat::StreamJson => {
            let mut sink = JsonSink {
                stream: format == OutputFormat::StreamJson,
                text: String::new(),
                session_id: session_id.clone(),
                model: agent.model.clone(),
                said: String::new(),
            };
            let tools: Vec<&str> = agent.tools.iter().map(|t| t.name()).collect();
            sink.line(json!({
                "type": "system", "subtype": "init", "session_id": session_id,
                "cwd": agent.ctx.cwd, "model": agent.model, "tools": tools,
                "permissionMode": agent.policy.mode.as_str(),
                "provider": agent.provider.id().as_str(),
            }));
            if let Err(code) = begin(agent, prompt, &mut sink).await {
                return code;
            }
            let res = agent.turn(&mut sink, &mut Refuser, max_steps, None).await;
            end_session(agent, &mut sink).await;
            sink.flush_said(None);
            let t = agent.ledger.total;
            let (u, cost, unknown) = (t.usage, t.cost, t.unpriced > 0);
            let cost = if unknown { Value::Null } else { json!(cost) };
            let subtype = match res.0 {
                TurnEnd::Done(_) => "success",
                TurnEnd::MaxSteps(_) => "error_max_turns",
                _ => "error_during_execution",
            };
            let mut result = json!({
                "type": "result",
                "subtype": subtype,
                "result": sink.text,
                "is_error": matches!(res.0, TurnEnd::Error(_) | TurnEnd::MaxSteps(_)),
                "session_id": session_id,
                "num_turns": res.1,
                "duration_ms": started.elapsed().as_millis() as u64,
                "total_cost_usd": cost,
                "stop_reason": stop_name(&res.0),
                "steps": res.1,
                "usage": usage_json(&u),
                "cost_usd": cost,
                "provider": agent.provider.id().as_str(),
                "model": agent.model,
            });
            if let TurnEnd::Error(e) = &res.0 {
                result["error"] = json!(e);
            }
            render::println(&result.to_string());
            res
        }
    };
    let _ = steps;
    match end {
        TurnEnd::Done(_) => 0,
        TurnEnd::Cancelled => {
            render::eprintln("wisp: cancelled");
            130
        }
        TurnEnd::Stopped => 1,
        TurnEnd::MaxSteps(n) => {
            render::eprintln(&format!(
                "wisp: stopped after {n} steps (raise --max-steps)"
            ));
            1
        }
        TurnEnd::Error(e) => {
            render::eprintln(&format!("wisp: {}", crate::hint_for(settings, &e)));
            1
        }
    }
}
