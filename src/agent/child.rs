//! Subagents: each `task` call runs a child [`Agent`] (the same `step()`)
//! with a fresh conversation; the calls of one step run concurrently on the
//! current-thread runtime (their futures are joined, no threads).
//!
//! Children report through the parent's event sink (wrapped as
//! [`AgentEvent::Child`]) and ask through the parent's approver (one question
//! at a time, labelled with the child). They share the parent's cancellation,
//! so Ctrl-C stops them all, and their permissions never exceed the parent's.
//! A child has no `task` tool: depth 1.

use super::conversation::{Block, Conversation, Message, Role};
use super::hooks;
use super::{Agent, AgentEvent, Approval, ApprovalRequest, Approver, EventSink, StepOutcome};
use crate::agent::turn::TurnEnd;
use crate::permissions::{Mode, Policy};
use crate::tools::{Registry, ToolKind, ToolOutput};
use futures_util::future::LocalBoxFuture;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// An agent definition: plain data the front end loads from files.
#[cfg_attr(test, derive(Debug))]
pub struct AgentDef {
    pub name: String,
    pub description: String,
    /// wisp tool names; None gives the parent's tools.
    pub tools: Option<Vec<String>>,
    /// None runs on the parent's model.
    pub model: Option<String>,
    /// Only ever lowers the parent's mode.
    pub mode: Option<Mode>,
    /// Thinking effort; None keeps the parent's.
    pub effort: Option<crate::provider::effort::Effort>,
    /// The system prompt (the file's body).
    pub prompt: String,
    /// Commands that would ask are refused, and allow rules do not apply:
    /// only what the shell classifier calls read-only runs.
    pub read_only: bool,
    /// Where it was found, for `/agents`.
    pub source: String,
}

/// The parent's subagent set-up: definitions and limits.
pub struct Subagents {
    pub defs: Vec<AgentDef>,
    pub max_parallel: usize,
    pub max_steps: u32,
    /// Children started this session, for their labels (`explore#2`).
    started: Cell<u32>,
}

impl Subagents {
    pub fn new(defs: Vec<AgentDef>, max_parallel: usize, max_steps: u32) -> Self {
        Subagents {
            defs,
            max_parallel: max_parallel.max(1),
            max_steps,
            started: Cell::new(0),
        }
    }

    pub fn get(&self, name: &str) -> Option<&AgentDef> {
        self.defs.iter().find(|d| d.name == name)
    }
}

/// The events of one child, passed to the parent's sink labelled. Streaming
/// text stays inside the child: the parent gets its final answer.
struct ChildSink<'s, 'p> {
    parent: &'s RefCell<&'p mut dyn EventSink>,
    call: &'s str,
    label: &'s str,
    /// Tool names in call order, for the summary line.
    used: Vec<String>,
}

impl EventSink for ChildSink<'_, '_> {
    fn event(&mut self, ev: AgentEvent<'_>) {
        match ev {
            AgentEvent::Text(_) | AgentEvent::Thinking(_) => return,
            AgentEvent::ToolStarted { name, .. } => self.used.push(name.to_string()),
            _ => {}
        }
        self.parent.borrow_mut().event(AgentEvent::Child {
            call: self.call,
            child: self.label,
            event: &ev,
        });
    }
}

/// The parent's approver, lent to one asking child at a time: a child that
/// finds the slot empty waits until it is put back.
struct Shared<'p> {
    approver: Cell<Option<&'p mut dyn Approver>>,
    returned: tokio::sync::Notify,
}

/// Puts the approver back (and wakes waiting children) however the
/// question ends, even if the asking future is dropped.
struct Lent<'s, 'p> {
    slot: &'s Shared<'p>,
    approver: Option<&'p mut dyn Approver>,
}

impl Drop for Lent<'_, '_> {
    fn drop(&mut self) {
        self.slot.approver.set(self.approver.take());
        self.slot.returned.notify_waiters();
    }
}

/// Asks the parent's approver, one child at a time, saying which child asks.
struct ChildApprover<'s, 'p> {
    parent: &'s Shared<'p>,
    label: &'s str,
    read_only: bool,
}

impl Approver for ChildApprover<'_, '_> {
    fn ask<'a>(&'a mut self, req: &'a ApprovalRequest<'a>) -> LocalBoxFuture<'a, Approval> {
        Box::pin(async move {
            if self.read_only && req.kind != ToolKind::Read && req.kind != ToolKind::Search {
                return Approval::Refuse(format!(
                    "{} is read-only: only commands that run without approval are allowed ({})",
                    self.label, req.reason
                ));
            }
            let reason = format!("asked by {}: {}", self.label, req.reason);
            let labelled = ApprovalRequest {
                tool: req.tool,
                kind: req.kind,
                summary: req.summary,
                input: req.input,
                cwd: req.cwd,
                reason: &reason,
                diff: req.diff,
                always: req.always,
            };
            let mut lent = loop {
                if let Some(a) = self.parent.approver.take() {
                    break Lent {
                        slot: self.parent,
                        approver: Some(a),
                    };
                }
                // Single-threaded: the holder cannot return it before this
                // waiter is registered, so no wake-up is lost.
                self.parent.returned.notified().await;
            };
            match lent.approver.as_deref_mut() {
                Some(a) => a.ask(&labelled).await,
                None => Approval::No(None),
            }
        })
    }
}

/// A task call, checked and ready to run.
struct Job {
    index: usize,
    label: String,
    read_only: bool,
    child: Agent,
}

impl Agent {
    /// Runs every `task` call of `calls` (id, name, input) concurrently, at
    /// most `max_parallel` at a time. The result holds, per call, its output
    /// and outcome; None for calls that are not `task` calls.
    pub(super) async fn run_tasks(
        &mut self,
        calls: &[(String, String, Value)],
        sink: &mut dyn EventSink,
        approver: &mut dyn Approver,
    ) -> Vec<Option<(ToolOutput, StepOutcome)>> {
        let Some(subs) = self.subagents.clone() else {
            return Vec::new();
        };
        if self.tools.get("task").is_none() || !calls.iter().any(|c| c.1 == "task") {
            return Vec::new();
        }
        let mut results: Vec<Option<(ToolOutput, StepOutcome)>> =
            (0..calls.len()).map(|_| None).collect();
        let mut jobs = Vec::new();
        for (index, (id, name, input)) in calls.iter().enumerate() {
            if name != "task" {
                continue;
            }
            let tool = self.tools.get("task");
            let summary = tool.as_ref().map(|t| t.summary(input)).unwrap_or_default();
            sink.event(AgentEvent::ToolStarted {
                id,
                name,
                kind: ToolKind::Other,
                summary: &summary,
                input,
            });
            match self.make_child(&subs, input) {
                Ok((label, read_only, child)) => jobs.push(Job {
                    index,
                    label,
                    read_only,
                    child,
                }),
                Err(e) => {
                    let out = ToolOutput::err(e);
                    sink.event(AgentEvent::ToolFinished {
                        id,
                        name,
                        output: &out,
                    });
                    results[index] = Some((out, StepOutcome::WantsMore));
                }
            }
        }
        let shared_sink = RefCell::new(sink);
        let shared_approver = Shared {
            approver: Cell::new(Some(approver)),
            returned: tokio::sync::Notify::new(),
        };
        let max_steps = subs.max_steps;
        let runs = jobs.into_iter().map(|job| {
            let (shared_sink, shared_approver) = (&shared_sink, &shared_approver);
            let id = calls[job.index].0.as_str();
            Box::pin(async move {
                let Job {
                    index,
                    label,
                    read_only,
                    mut child,
                } = job;
                let mut csink = ChildSink {
                    parent: shared_sink,
                    call: id,
                    label: &label,
                    used: Vec::new(),
                };
                let mut cappr = ChildApprover {
                    parent: shared_approver,
                    label: &label,
                    read_only,
                };
                let (end, steps) = child.turn(&mut csink, &mut cappr, max_steps, None).await;
                child.save().await;
                let (out, outcome) = report(&child, &label, &end, steps, &csink.used);
                shared_sink.borrow_mut().event(AgentEvent::ToolFinished {
                    id,
                    name: "task",
                    output: &out,
                });
                (index, out, outcome, child)
            })
        });
        let done = join_bounded(runs.collect(), subs.max_parallel).await;
        for (index, out, outcome, mut child) in done {
            self.ledger.absorb(&child.ledger);
            if let (Some(mine), Some(theirs)) = (&mut self.session, child.session.take()) {
                mine.undo.absorb(theirs.undo);
            }
            results[index] = Some((out, outcome));
        }
        results
    }

    /// A child for one `task` call: its definition, tools, permissions,
    /// model and transcript.
    fn make_child(
        &mut self,
        subs: &Subagents,
        input: &Value,
    ) -> Result<(String, bool, Agent), String> {
        let text = |k: &str| input.get(k).and_then(Value::as_str).map(str::trim);
        let prompt = text("prompt")
            .filter(|p| !p.is_empty())
            .ok_or("missing required argument `prompt` (the full task for the subagent)")?;
        let name = text("agent")
            .or_else(|| text("subagent_type"))
            .filter(|a| !a.is_empty())
            .unwrap_or("explore");
        let Some(def) = subs.get(name) else {
            let known: Vec<&str> = subs.defs.iter().map(|d| d.name.as_str()).collect();
            return Err(format!(
                "unknown agent `{name}`; available: {}",
                known.join(", ")
            ));
        };
        let n = subs.started.get() + 1;
        subs.started.set(n);
        let label = format!("{}#{n}", def.name);
        let tools = child_tools(&self.tools, def);
        let policy = child_policy(&self.policy, def);
        let model = def.model.clone().unwrap_or_else(|| self.model.clone());
        let mut system = def.prompt.trim().to_string();
        system.push_str(&format!(
            "\n\nYou are `{label}`, a subagent of wisp doing one task for the main agent, which reads only your final message: make it complete, self-contained and brief, with file paths and line numbers where they help. You cannot ask the user anything.\nWorking directory: {}\n",
            self.ctx.cwd.display()
        ));
        let session = self.session.as_ref().map(|s| {
            let mut c =
                crate::session::Session::new(&self.ctx.cwd, self.provider.id().as_str(), &model);
            c.path = s.dir().join(format!("task-{}-{n}.jsonl", def.name));
            c
        });
        let child = Agent {
            conv: Conversation {
                system,
                messages: vec![Message::user_text(prompt)],
            },
            provider: self.provider.clone(),
            model,
            tools,
            policy,
            ctx: self.ctx.clone(),
            ledger: Default::default(),
            prices: self.prices.clone(),
            max_tokens: self.max_tokens,
            skills: String::new(),
            mcp: None,
            session,
            limits: self.limits,
            subagents: None,
            effort: def.effort.or(self.effort),
            effort_refused: self.effort_refused.clone(),
            // The user's hooks hold for the child's calls too (a deny is a deny).
            hooks: self.hooks.as_ref().map(|h| hooks::Attached {
                runner: h.runner.clone(),
                pending: Vec::new(),
            }),
        };
        Ok((label, def.read_only, child))
    }
}

/// Polls `futs` on this task, at most `max` at a time, and returns their
/// outputs in the order they finish: concurrency without spawning or threads.
async fn join_bounded<F: Future>(futs: Vec<Pin<Box<F>>>, max: usize) -> Vec<F::Output> {
    let mut waiting = futs.into_iter();
    let mut running: Vec<Pin<Box<F>>> = waiting.by_ref().take(max.max(1)).collect();
    let mut done = Vec::new();
    std::future::poll_fn(|cx| {
        let mut i = 0;
        while i < running.len() {
            match running[i].as_mut().poll(cx) {
                Poll::Ready(v) => {
                    done.push(v);
                    // The next waiting one takes this slot and is polled now.
                    match waiting.next() {
                        Some(f) => running[i] = f,
                        None => drop(running.swap_remove(i)),
                    }
                }
                Poll::Pending => i += 1,
            }
        }
        if running.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    done
}

/// The parent's tools the definition names (all when it names none), never `task`.
fn child_tools(parent: &Registry, def: &AgentDef) -> Registry {
    let mut r = Registry::default();
    for t in parent.iter() {
        let wanted = match &def.tools {
            Some(names) => names.iter().any(|n| n == t.name()),
            None => true,
        };
        if wanted && t.name() != "task" {
            r.add(t.clone());
        }
    }
    r
}

/// The parent's permissions, lowered to the definition's mode; a read-only
/// agent gets only what the classifier runs without asking.
fn child_policy(parent: &Policy, def: &AgentDef) -> Policy {
    let mut p = Policy::new(parent.mode, &parent.root);
    p.yolo = parent.yolo;
    p.allow = parent.allow.clone();
    p.remembered = parent.remembered.clone();
    p.safe_commands = parent.safe_commands.clone();
    p.protected = parent.protected.clone();
    p.readable = parent.readable.clone();
    if let Some(m) = def.mode {
        p.mode = p.mode.min(m);
        p.yolo = false;
    }
    if def.read_only {
        p.mode = p.mode.min(Mode::Standard);
        p.yolo = false;
        p.allow.clear();
        p.remembered.clear();
        p.safe_commands.clear();
    }
    p
}

/// The tool result the parent gets: the child's final answer and one line
/// about what it did.
fn report(
    child: &Agent,
    label: &str,
    end: &TurnEnd,
    steps: u32,
    used: &[String],
) -> (ToolOutput, StepOutcome) {
    let answer = child
        .conv
        .messages
        .iter()
        .rev()
        .find(|m| m.role == Role::Assistant)
        .map(|m| {
            m.content
                .iter()
                .filter_map(|b| match b {
                    Block::Text { text } => Some(text.as_str()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("")
        })
        .unwrap_or_default();
    let mut tally: Vec<(&str, usize)> = Vec::new();
    for u in used {
        match tally.iter_mut().find(|(n, _)| n == u) {
            Some((_, c)) => *c += 1,
            None => tally.push((u, 1)),
        }
    }
    let tools = if tally.is_empty() {
        "no tool calls".to_string()
    } else {
        let parts: Vec<String> = tally
            .iter()
            .map(|(n, c)| {
                if *c > 1 {
                    format!("{n} ×{c}")
                } else {
                    n.to_string()
                }
            })
            .collect();
        format!(
            "{} tool call{}: {}",
            used.len(),
            if used.len() == 1 { "" } else { "s" },
            parts.join(", ")
        )
    };
    let t = &child.ledger.total;
    let line = format!(
        "[{label}: {steps} step{} · {tools} · {}]",
        if steps == 1 { "" } else { "s" },
        t.summary()
    );
    let (why, outcome) = match end {
        TurnEnd::Done(_) => (None, StepOutcome::WantsMore),
        TurnEnd::MaxSteps(n) => (
            Some(format!("stopped after {n} steps")),
            StepOutcome::WantsMore,
        ),
        TurnEnd::Error(e) => (Some(format!("failed: {e}")), StepOutcome::WantsMore),
        TurnEnd::Cancelled => (
            Some("cancelled by user".to_string()),
            StepOutcome::Cancelled,
        ),
        TurnEnd::Stopped => (
            Some("stopped by the user".to_string()),
            StepOutcome::Stopped,
        ),
    };
    match why {
        None => {
            let body = if answer.trim().is_empty() {
                "(the subagent gave no answer)"
            } else {
                answer.trim()
            };
            (ToolOutput::ok(format!("{body}\n\n{line}")), outcome)
        }
        Some(why) => {
            let mut s = format!("{label} {why}");
            if !answer.trim().is_empty() {
                s.push_str(&format!("; its last message:\n{}", answer.trim()));
            }
            (ToolOutput::err(format!("{s}\n\n{line}")), outcome)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "current_thread")]
    async fn join_bounded_runs_at_most_max_at_once_and_returns_all() {
        let (now, peak) = (Cell::new(0), Cell::new(0));
        let futs: Vec<_> = [30u64, 10, 20, 5, 15]
            .into_iter()
            .map(|ms| {
                let (now, peak) = (&now, &peak);
                Box::pin(async move {
                    now.set(now.get() + 1);
                    peak.set(peak.get().max(now.get()));
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    now.set(now.get() - 1);
                    ms
                })
            })
            .collect();
        let mut out = join_bounded(futs, 2).await;
        assert_eq!(peak.get(), 2);
        assert_eq!(
            out[0], 10,
            "completion order: the shortest of the first two"
        );
        out.sort();
        assert_eq!(out, [5, 10, 15, 20, 30]);
    }
}
