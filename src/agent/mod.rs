//! The agent core: the conversation, one step of the loop, and its events.
//!
//! [`Agent::step`] performs exactly one model call and the tool calls it asks
//! for, reporting everything as [`AgentEvent`]s. The front end decides whether
//! to step again; that is what keeps the loop under the user's control.

pub mod cancel;
pub mod child;
pub mod conversation;
pub mod hooks;
pub mod prompt;
pub mod setup;
pub mod turn;
pub mod usage;

use crate::permissions::{Decision, Policy};
use crate::provider::{Delta, Provider, ProviderError, Request, StopReason};
use crate::tools::{FileDiff, Registry, Tool, ToolCtx, ToolKind, ToolOutput, ToolSpec};
use conversation::{Block, Conversation, Message, Role, Usage};
use futures_util::future::LocalBoxFuture;
use serde_json::Value;
use std::path::Path;
use std::rc::Rc;

/// What happened during a step, in order, for the front end to render.
#[derive(Debug)]
pub enum AgentEvent<'a> {
    Text(&'a str),
    Thinking(&'a str),
    /// A note that is not from the model (retries, waits).
    Status(&'a str),
    ToolStarted {
        id: &'a str,
        name: &'a str,
        kind: ToolKind,
        summary: &'a str,
        input: &'a Value,
    },
    ToolFinished {
        id: &'a str,
        name: &'a str,
        output: &'a ToolOutput,
    },
    /// A model call's token counts, and the session's totals after it.
    Usage {
        call: &'a Usage,
        session: &'a usage::Totals,
    },
    /// What a user's hook did, in one line (`hook PreToolUse: blocked by ...`).
    Hook(&'a str),
    /// Something a subagent did (not its streamed text), for the `task`
    /// call `call` that runs it; `child` labels it (`explore#2`).
    Child {
        call: &'a str,
        child: &'a str,
        event: &'a AgentEvent<'a>,
    },
}

/// Receives events as they happen.
pub trait EventSink {
    fn event(&mut self, ev: AgentEvent<'_>);
}

/// A tool call that needs the user's approval.
pub struct ApprovalRequest<'a> {
    pub tool: &'a str,
    pub kind: ToolKind,
    pub summary: &'a str,
    pub input: &'a Value,
    pub cwd: &'a Path,
    /// Why it asks ("runs a command", "writes outside the workspace").
    pub reason: &'a str,
    pub diff: Option<&'a FileDiff>,
    /// The rule an "always" answer adds (`bash(cargo test*)`), to show.
    pub always: &'a str,
}

/// The user's answer to an approval request.
#[derive(Clone, Debug, PartialEq)]
pub enum Approval {
    Yes,
    /// No, with an optional reason passed to the model.
    No(Option<String>),
    /// Yes, and do not ask again for the same thing this session.
    Always,
    /// No, and end the turn.
    Stop,
    /// Refused without a person to ask (`-p`); the text tells the model why.
    Refuse(String),
}

/// Answers approval requests; supplied by the front end.
pub trait Approver {
    fn ask<'a>(&'a mut self, req: &'a ApprovalRequest<'a>) -> LocalBoxFuture<'a, Approval>;
    /// Whether a person answers (so a `Notification` hook should tell them).
    fn waits_for_a_person(&self) -> bool {
        true
    }
    /// The sandbox stopped `command`: may it run again outside? Only a
    /// person can say yes; without one (`-p`, scripts) the answer is no.
    fn escalate<'a>(&'a mut self, _command: &'a str) -> LocalBoxFuture<'a, bool> {
        Box::pin(async { false })
    }
}

/// How a step ended.
#[derive(Clone, Debug, PartialEq)]
pub enum StepOutcome {
    /// Tools ran; the model should be called again with their results.
    WantsMore,
    /// The model finished its answer.
    Done(StopReason),
    /// Ctrl-C or a client's cancel.
    Cancelled,
    /// The user answered `q` to an approval.
    Stopped,
    /// The model call failed; the conversation is still consistent.
    Error(String),
}

pub struct Agent {
    pub conv: Conversation,
    pub provider: Rc<dyn Provider>,
    pub model: String,
    pub tools: Registry,
    pub policy: Policy,
    pub ctx: ToolCtx,
    /// Tokens and cost of every model call this session.
    pub ledger: usage::Ledger,
    pub prices: crate::provider::pricing::Table,
    pub max_tokens: Option<u32>,
    /// Thinking effort for every call; None sends nothing.
    pub effort: Option<crate::provider::effort::Effort>,
    /// The model that last rejected the effort parameter: it is not sent again.
    pub effort_refused: Option<String>,
    /// The skills list for the system prompt (name and description only).
    pub skills: String,
    /// MCP servers whose tools join `tools`.
    pub mcp: Option<crate::mcp::Manager>,
    /// The transcript and undo checkpoints; None runs without saving.
    pub session: Option<crate::session::Session>,
    pub limits: crate::session::compact::Limits,
    /// The user's hooks; None costs nothing.
    pub hooks: Option<hooks::Attached>,
    /// Agent definitions the `task` tool runs; None in a child (depth 1).
    pub subagents: Option<Rc<child::Subagents>>,
}

impl Agent {
    /// Makes `s` the session: its transcript, and its folder for saved
    /// outputs, which the model may read back without asking.
    pub fn set_session(&mut self, s: crate::session::Session) {
        let dir = s.dir();
        self.policy.readable = vec![crate::permissions::workspace::canonical(&dir)];
        self.ctx.spill_dir = Some(dir);
        self.session = Some(s);
    }

    /// Rebuilds the system prompt for the session's directory (after a move
    /// into a worktree, or once the prompt library is loaded).
    pub fn rebuild_system(&mut self) {
        let instructions = prompt::project_instructions(&self.ctx.cwd);
        self.conv.system = prompt::system_prompt(&self.ctx.cwd, instructions.as_deref());
        self.conv.system.push_str(&self.skills);
    }

    /// Adds the user's message to the conversation.
    pub fn push_user(&mut self, text: &str) {
        self.push_user_blocks(Message::user_text(text).content);
    }

    /// Adds a user message made of blocks (text with attachments, images).
    pub fn push_user_blocks(&mut self, content: Vec<Block>) {
        self.conv.repair();
        self.conv.messages.push(Message {
            role: Role::User,
            content,
        });
        if let Some(s) = &mut self.session {
            s.undo.begin_turn();
        }
    }

    /// Writes what the conversation gained to the transcript.
    pub async fn save(&mut self) {
        if let Some(s) = &mut self.session {
            s.sync(&self.conv.messages).await;
        }
    }

    /// One model call and the tool calls it asks for; the transcript is
    /// written before the call and after it, so a crash loses only the step.
    pub async fn step(
        &mut self,
        sink: &mut dyn EventSink,
        approver: &mut dyn Approver,
    ) -> StepOutcome {
        self.conv.repair();
        self.save().await;
        if crate::session::compact::over_threshold(self) {
            sink.event(AgentEvent::Status(
                "context nearly full: compacting older turns",
            ));
            self.pre_compact("auto", String::new(), sink).await;
            match crate::session::compact::compact(self, "", 2).await {
                Err(e) => sink.event(AgentEvent::Status(&e)),
                Ok(_) => self.session_start("compact", sink).await,
            }
        }
        let outcome = self.step_inner(sink, approver).await;
        self.save().await;
        outcome
    }

    async fn step_inner(
        &mut self,
        sink: &mut dyn EventSink,
        approver: &mut dyn Approver,
    ) -> StepOutcome {
        let cancel = self.ctx.cancel.clone();
        if let Some(m) = self.mcp.clone() {
            for note in m.sync(&mut self.tools, &cancel).await {
                sink.event(AgentEvent::Status(&note));
            }
        }
        let specs: Vec<ToolSpec> = self.tools.specs();
        let mut partial = String::new();
        // A model that rejects the effort parameter is told once per model,
        // and the call goes again without it.
        let mut effort = self
            .effort
            .filter(|_| self.effort_refused.as_deref() != Some(self.model.as_str()));
        let result = loop {
            let result = {
                let mut on_delta = |d: Delta<'_>| match d {
                    Delta::Text(t) => {
                        partial.push_str(t);
                        sink.event(AgentEvent::Text(t));
                    }
                    Delta::Thinking(t) => sink.event(AgentEvent::Thinking(t)),
                    Delta::Status(s) => sink.event(AgentEvent::Status(s)),
                    Delta::ToolCall { .. } => {}
                };
                let req = Request {
                    model: &self.model,
                    system: &self.conv.system,
                    messages: &self.conv.messages,
                    tools: &specs,
                    max_tokens: self.max_tokens,
                    effort,
                    cache_key: self.session.as_ref().map(|s| s.header.id.as_str()),
                };
                let call = self.provider.stream(req, &mut on_delta);
                tokio::select! {
                    r = call => Some(r),
                    _ = cancel.cancelled() => None,
                }
            };
            match result {
                Some(Err(e))
                    if effort.is_some()
                        && partial.is_empty()
                        && crate::provider::effort::rejected(&e) =>
                {
                    let note = format!(
                        "{} rejected the effort setting ({}); sending this model none",
                        self.model, e.message
                    );
                    sink.event(AgentEvent::Status(&note));
                    self.effort_refused = Some(self.model.clone());
                    effort = None;
                }
                r => break r,
            }
        };
        let reply = match result {
            None => {
                self.keep_partial(partial, "interrupted by user");
                return StepOutcome::Cancelled;
            }
            Some(Err(e)) => {
                self.keep_partial(partial, "interrupted: the stream failed");
                return StepOutcome::Error(error_text(&e));
            }
            Some(Ok(r)) => r,
        };
        let local = self.provider.id() == crate::provider::ProviderId::Ollama;
        let cost = self.prices.cost(&self.model, &reply.usage, local);
        self.ledger.record(&self.model, reply.usage, cost);
        let mut reply = reply;
        compact_blocks(&mut reply.message.content);
        if let Some(s) = &mut self.session {
            s.note_usage(&reply.usage);
        }
        sink.event(AgentEvent::Usage {
            call: &reply.usage,
            session: &self.ledger.total,
        });
        if reply.message.content.is_empty() {
            return StepOutcome::Done(reply.stop);
        }
        let calls: Vec<(String, String, Value)> = reply
            .message
            .tool_uses()
            .map(|(i, n, v)| (i.to_string(), n.to_string(), v.clone()))
            .collect();
        self.conv.messages.push(reply.message);
        // Tools may run long; the call is on disk before they start.
        self.save().await;
        if calls.is_empty() {
            return StepOutcome::Done(reply.stop);
        }
        let mut results = Vec::with_capacity(calls.len());
        let mut images = Vec::new();
        let mut outcome = StepOutcome::WantsMore;
        // `task` calls run first, all at once; the others in order after.
        let mut tasks = self.run_tasks(&calls, sink, approver).await;
        for (i, (id, name, input)) in calls.iter().enumerate() {
            let task = tasks.get_mut(i).and_then(Option::take);
            if task.is_none() && outcome != StepOutcome::WantsMore {
                let why = if outcome == StepOutcome::Cancelled {
                    "cancelled by user"
                } else {
                    "not run: the user stopped the turn"
                };
                results.push(result_block(id, name, &ToolOutput::err(why)));
                continue;
            }
            let (mut output, o) = match task {
                Some(done) => done,
                None => self.run_call(id, name, input, sink, approver).await,
            };
            if outcome == StepOutcome::WantsMore {
                outcome = o;
            }
            // Tools cap their own output; this guards against any that do not.
            if output.content.len() > self.ctx.max_output {
                output.content = self.cap_output(&output.content).await;
            }
            results.push(result_block(id, name, &output));
            // Images go beside the results, where every wire format takes them.
            images.extend(
                output
                    .images
                    .into_iter()
                    .map(|(media_type, data)| Block::Image { media_type, data }),
            );
        }
        results.extend(images);
        self.conv.messages.push(Message {
            role: Role::User,
            content: results,
        });
        outcome
    }

    /// Runs one tool call through the permission policy.
    async fn run_call(
        &mut self,
        id: &str,
        name: &str,
        input: &Value,
        sink: &mut dyn EventSink,
        approver: &mut dyn Approver,
    ) -> (ToolOutput, StepOutcome) {
        let tool = self.tools.get(name);
        let summary = tool.as_ref().map(|t| t.summary(input)).unwrap_or_default();
        let kind = tool.as_ref().map(|t| t.kind()).unwrap_or(ToolKind::Other);
        sink.event(AgentEvent::ToolStarted {
            id,
            name,
            kind,
            summary: &summary,
            input,
        });
        let (output, outcome) = self
            .check_and_run(tool, id, name, input, kind, &summary, sink, approver)
            .await;
        sink.event(AgentEvent::ToolFinished {
            id,
            name,
            output: &output,
        });
        (output, outcome)
    }

    #[allow(clippy::too_many_arguments)]
    async fn check_and_run(
        &mut self,
        tool: Option<Rc<dyn Tool>>,
        id: &str,
        name: &str,
        input: &Value,
        kind: ToolKind,
        summary: &str,
        sink: &mut dyn EventSink,
        approver: &mut dyn Approver,
    ) -> (ToolOutput, StepOutcome) {
        let Some(tool) = tool else {
            let known: Vec<&str> = self.tools.iter().map(|t| t.name()).collect();
            return (
                ToolOutput::err(format!(
                    "unknown tool `{name}`; available: {}",
                    known.join(", ")
                )),
                StepOutcome::WantsMore,
            );
        };
        if let Value::String(raw) = input {
            let shown: String = raw.chars().take(200).collect();
            return (
                ToolOutput::err(format!(
                    "invalid arguments for `{name}`: not a JSON object: {shown}; call the tool again with valid JSON"
                )),
                StepOutcome::WantsMore,
            );
        }
        // PreToolUse hooks may refuse the call, rewrite it, or answer the question.
        let pre = self.pre_tool(id, name, input, sink).await;
        if let Some((out, o)) = pre.refused {
            return (out, o);
        }
        let input = pre.input.as_ref().unwrap_or(input);
        // A rewritten call is shown (and asked about) as it will run.
        let rewritten = pre.input.as_ref().map(|i| tool.summary(i));
        let summary = rewritten.as_deref().unwrap_or(summary);
        let mut decision = self.policy.decide(tool.as_ref(), input, &self.ctx.cwd);
        if let Some((p, why)) = &pre.permission {
            let boundary = self.boundary(tool.as_ref(), input);
            decision = hooks::bend(decision, *p, why, boundary);
        }
        match decision {
            Decision::Allow => {}
            Decision::Deny(why) => {
                return (
                    ToolOutput::err(format!("denied: {why}")),
                    StepOutcome::WantsMore,
                )
            }
            Decision::Ask(why) => {
                let diff = tool.preview(input, &self.ctx).await;
                if approver.waits_for_a_person() {
                    let msg = format!("wisp needs your permission to use {name}");
                    self.notify(&msg, "permission_prompt", sink).await;
                }
                let always = self.policy.always_rule(tool.as_ref(), input, &self.ctx.cwd);
                let always_text = always.to_string();
                let req = ApprovalRequest {
                    tool: name,
                    kind,
                    summary,
                    input,
                    cwd: &self.ctx.cwd,
                    reason: &why,
                    diff: diff.as_ref(),
                    always: &always_text,
                };
                match approver.ask(&req).await {
                    Approval::Yes => {}
                    Approval::Always => self.policy.remembered.push(always),
                    Approval::No(reason) => {
                        let msg = match reason {
                            Some(r) if !r.trim().is_empty() => {
                                format!("denied by user: {}", r.trim())
                            }
                            _ => "denied by user".to_string(),
                        };
                        return (ToolOutput::err(msg), StepOutcome::WantsMore);
                    }
                    Approval::Refuse(msg) => {
                        return (
                            ToolOutput::err(format!("denied: {msg}")),
                            StepOutcome::WantsMore,
                        )
                    }
                    Approval::Stop => {
                        return (
                            ToolOutput::err("denied: the user stopped the turn"),
                            StepOutcome::Stopped,
                        )
                    }
                }
            }
        }
        if self.ctx.cancel.is_cancelled() {
            return (ToolOutput::err("cancelled by user"), StepOutcome::Cancelled);
        }
        let cancel = self.ctx.cancel.clone();
        let snap = crate::session::undo::snapshot(name, input, &self.ctx.cwd).await;
        let run = tool.run(input, &self.ctx);
        let mut res = tokio::select! {
            out = run => (out, StepOutcome::WantsMore),
            _ = cancel.cancelled() => (ToolOutput::err("cancelled by user"), StepOutcome::Cancelled),
        };
        if let Some(again) = self.escalate(&tool, input, &res.0, approver).await {
            res = again;
        }
        if let (Some(snap), Some(s)) = (snap, &mut self.session) {
            s.record_change(snap).await;
        }
        if res.1 == StepOutcome::WantsMore
            && self.post_tool(id, name, input, &mut res.0, sink).await
        {
            res.1 = StepOutcome::Stopped;
        }
        res
    }

    /// When the sandbox stopped a command, offers the user to run it again
    /// outside; the result then holds both runs.
    async fn escalate(
        &self,
        tool: &Rc<dyn Tool>,
        input: &Value,
        first: &ToolOutput,
        approver: &mut dyn Approver,
    ) -> Option<(ToolOutput, StepOutcome)> {
        let command = input.get("command").and_then(Value::as_str)?;
        if tool.kind() != ToolKind::Execute || !first.content.contains(crate::sandbox::REFUSED) {
            return None;
        }
        if !approver.escalate(command).await {
            return None;
        }
        let mut ctx = self.ctx.clone();
        ctx.sandbox.mode = crate::sandbox::Mode::Off;
        let cancel = self.ctx.cancel.clone();
        let run = tool.run(input, &ctx);
        let (second, outcome) = tokio::select! {
            out = run => (out, StepOutcome::WantsMore),
            _ = cancel.cancelled() => (ToolOutput::err("cancelled by user"), StepOutcome::Cancelled),
        };
        let content = format!(
            "{}\n[the user let it run again outside the sandbox:]\n{}",
            first.content, second.content
        );
        Some((ToolOutput { content, ..second }, outcome))
    }

    /// Head and tail of a long output for the model; the whole of it saved
    /// in the session's folder, where the model can `read` it.
    async fn cap_output(&mut self, full: &str) -> String {
        let capped = crate::tools::cap_head_tail(full, self.ctx.max_output);
        let saved = match &mut self.session {
            Some(s) => s.save_output(full).await,
            None => None,
        };
        match saved {
            Some(p) => format!(
                "{capped}\n[output truncated: {} bytes in all; the full output is saved in {} (use read with offset/limit)]",
                full.len(),
                p.display()
            ),
            None => capped,
        }
    }

    /// Keeps what streamed before a failure, marked, so nothing shown is lost.
    fn keep_partial(&mut self, partial: String, why: &str) {
        if partial.trim().is_empty() {
            return;
        }
        self.conv.messages.push(Message {
            role: Role::Assistant,
            content: vec![Block::Text {
                text: format!("{partial}\n[{why}]"),
            }],
        });
    }
}

/// Streamed text grows by doubling and a block list starts with room for
/// four; the conversation keeps every answer for the whole session, so it
/// keeps them at their length, not their capacity.
fn compact_blocks(blocks: &mut Vec<Block>) {
    blocks.shrink_to_fit();
    for b in blocks {
        match b {
            Block::Text { text } | Block::Thinking { text, .. } => text.shrink_to_fit(),
            Block::ToolResult { content, .. } => content.shrink_to_fit(),
            _ => {}
        }
    }
}

fn result_block(id: &str, name: &str, out: &ToolOutput) -> Block {
    Block::ToolResult {
        id: id.to_string(),
        name: name.to_string(),
        content: out.content.clone(),
        is_error: out.is_error,
    }
}

fn error_text(e: &ProviderError) -> String {
    e.to_string()
}
