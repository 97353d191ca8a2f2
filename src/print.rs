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
struct JsonSink {
    stream: bool,
    text: String,
}

impl JsonSink {
    fn line(&self, v: Value) {
        if self.stream {
            render::println(&v.to_string());
        }
    }
}

impl EventSink for JsonSink {
    fn event(&mut self, ev: AgentEvent<'_>) {
        match &ev {
            AgentEvent::Text(t) => self.text.push_str(t),
            // A new step's text replaces the previous one as "the answer".
            AgentEvent::ToolStarted { .. } => self.text.clear(),
            // Without a stream, hook lines go where tool activity goes.
            AgentEvent::Hook(line) if !self.stream => render::eprintln(line),
            _ => {}
        }
        if let Some(v) = event_json(&ev) {
            self.line(v);
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
        AgentEvent::Usage { call: u, .. } => json!({
            "type": "usage", "input_tokens": u.input, "output_tokens": u.output,
            "cache_read_tokens": u.cache_read, "cache_write_tokens": u.cache_write,
            "reasoning_tokens": u.reasoning,
        }),
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
            };
            if let Err(code) = begin(agent, prompt, &mut sink).await {
                return code;
            }
            let res = agent.turn(&mut sink, &mut Refuser, max_steps, None).await;
            end_session(agent, &mut sink).await;
            let t = agent.ledger.total;
            let (u, cost, unknown) = (t.usage, t.cost, t.unpriced > 0);
            let mut result = json!({
                "type": "result",
                "result": sink.text,
                "is_error": matches!(res.0, TurnEnd::Error(_) | TurnEnd::MaxSteps(_)),
                "stop_reason": stop_name(&res.0),
                "steps": res.1,
                "usage": {"input_tokens": u.input, "output_tokens": u.output,
                          "cache_read_tokens": u.cache_read, "cache_write_tokens": u.cache_write,
                          "reasoning_tokens": u.reasoning},
                "cost_usd": if unknown { Value::Null } else { json!(cost) },
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
