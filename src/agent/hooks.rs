//! The core's side of the user's hooks: the events it reports, what the
//! hooks answer, and how an answer bends the loop. The front end supplies
//! the runner ([`Hooks`]); the core never knows where hooks come from.

use super::conversation::{Block, Message};
use super::{Agent, AgentEvent, EventSink, StepOutcome};
use crate::permissions::Decision;
use crate::tools::ToolOutput;
use futures_util::future::LocalBoxFuture;
use serde_json::Value;
use std::path::Path;
use std::rc::Rc;

/// A point of the loop, with what a hook is told about it (Claude Code's events).
pub enum Event<'a> {
    SessionStart {
        source: &'a str,
    },
    SessionEnd {
        reason: &'a str,
    },
    UserPromptSubmit {
        prompt: &'a str,
    },
    PreToolUse {
        name: &'a str,
        input: &'a Value,
        id: &'a str,
    },
    PostToolUse {
        name: &'a str,
        input: &'a Value,
        id: &'a str,
        output: &'a ToolOutput,
    },
    Stop {
        active: bool,
        /// The text of the answer the model just finished.
        last_message: &'a str,
    },
    PreCompact {
        trigger: &'a str,
        instructions: &'a str,
    },
    Notification {
        message: &'a str,
        kind: &'a str,
    },
}

impl Event<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            Event::SessionStart { .. } => "SessionStart",
            Event::SessionEnd { .. } => "SessionEnd",
            Event::UserPromptSubmit { .. } => "UserPromptSubmit",
            Event::PreToolUse { .. } => "PreToolUse",
            Event::PostToolUse { .. } => "PostToolUse",
            Event::Stop { .. } => "Stop",
            Event::PreCompact { .. } => "PreCompact",
            Event::Notification { .. } => "Notification",
        }
    }
}

/// What every hook is told besides the event.
pub struct Common<'a> {
    pub session_id: &'a str,
    pub transcript_path: &'a Path,
    pub cwd: &'a Path,
    pub permission_mode: &'a str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    Allow,
    Ask,
    Deny,
}

/// The combined answer of every hook that ran for one event.
#[derive(Default, Debug)]
pub struct Answer {
    /// Exit 2 or `decision: "block"`: the reason (the hook's stderr or `reason`).
    pub block: Option<String>,
    /// PreToolUse's `permissionDecision` and its reason; any deny wins.
    pub permission: Option<(Permission, String)>,
    /// PreToolUse's `updatedInput`, in wisp's argument names.
    pub updated_input: Option<Value>,
    /// Text for the model: `additionalContext`, or plain stdout where it counts.
    pub context: Vec<String>,
    /// `continue: false`: the loop stops, with this reason for the user.
    pub stop: Option<String>,
    /// One line each for the user: what the hooks did.
    pub lines: Vec<String>,
}

/// Runs the user's hooks; supplied by the front end.
pub trait Hooks {
    /// Whether any hook would run for `event`: when not, nothing is built.
    fn listens(&self, event: &str) -> bool;
    fn run<'a>(
        &'a self,
        common: Common<'a>,
        event: Event<'a>,
        cancel: &'a super::cancel::Cancel,
    ) -> LocalBoxFuture<'a, Answer>;
    /// Every configured hook, one line each, for `/hooks`.
    fn list(&self) -> Vec<String>;
}

/// What PreToolUse hooks made of a call.
#[derive(Default)]
pub(super) struct Pre {
    /// The call is not run: this is its result.
    pub refused: Option<(ToolOutput, StepOutcome)>,
    pub input: Option<Value>,
    pub permission: Option<(Permission, String)>,
}

/// The hooks an agent runs, and context they gave that waits for the next prompt.
pub struct Attached {
    pub runner: Rc<dyn Hooks>,
    pub pending: Vec<String>,
}

/// The policy's decision, bent by a PreToolUse hook: a hook may ask where
/// the policy allows, and allow where it asks, except for a path outside
/// the workspace (`boundary`) or anything the policy denies.
pub fn bend(policy: Decision, hook: Permission, reason: &str, boundary: bool) -> Decision {
    match (hook, policy) {
        (_, Decision::Deny(w)) => Decision::Deny(w),
        (Permission::Deny, _) => Decision::Deny(reason.to_string()),
        (Permission::Ask, Decision::Allow) => Decision::Ask(if reason.is_empty() {
            "a hook asks".into()
        } else {
            format!("a hook asks: {reason}")
        }),
        (Permission::Allow, Decision::Ask(w)) if boundary => Decision::Ask(w),
        (Permission::Allow, _) => Decision::Allow,
        (Permission::Ask, d) => d,
    }
}

/// The permission mode as Claude Code names it where there is a match.
fn mode_name(agent: &Agent) -> &'static str {
    use crate::permissions::Mode;
    if agent.policy.yolo {
        return "bypassPermissions";
    }
    match agent.policy.mode {
        Mode::Standard => "default",
        Mode::AcceptEdits => "acceptEdits",
        m => m.as_str(),
    }
}

impl Agent {
    /// Runs the hooks of `event`, shows their lines, and returns their
    /// answer; None when no hook listens (nothing is built or read).
    pub async fn hook(&mut self, event: Event<'_>, sink: &mut dyn EventSink) -> Option<Answer> {
        let runner = self.hooks.as_ref()?.runner.clone();
        if !runner.listens(event.name()) {
            return None;
        }
        let (id, path) = match &self.session {
            Some(s) => (s.header.id.as_str(), s.path.as_path()),
            None => ("", Path::new("")),
        };
        let common = Common {
            session_id: id,
            transcript_path: path,
            cwd: &self.ctx.cwd,
            permission_mode: mode_name(self),
        };
        let answer = runner.run(common, event, &self.ctx.cancel).await;
        for l in &answer.lines {
            sink.event(AgentEvent::Hook(l));
        }
        Some(answer)
    }

    /// `SessionStart`: what the hooks print joins the next prompt.
    pub async fn session_start(&mut self, source: &str, sink: &mut dyn EventSink) {
        if let Some(a) = self.hook(Event::SessionStart { source }, sink).await {
            if let Some(h) = &mut self.hooks {
                h.pending.extend(a.context);
            }
        }
    }

    pub async fn session_end(&mut self, reason: &str, sink: &mut dyn EventSink) {
        self.hook(Event::SessionEnd { reason }, sink).await;
    }

    pub async fn pre_compact(
        &mut self,
        trigger: &str,
        instructions: String,
        sink: &mut dyn EventSink,
    ) {
        let ev = Event::PreCompact {
            trigger,
            instructions: &instructions,
        };
        self.hook(ev, sink).await;
    }

    /// `Notification`: wisp waits for the user.
    pub async fn notify(&mut self, message: &str, kind: &str, sink: &mut dyn EventSink) {
        self.hook(Event::Notification { message, kind }, sink).await;
    }

    /// Adds the user's prompt after `UserPromptSubmit` hooks saw it, with
    /// the context they (and `SessionStart`) gave; Err when a hook blocked
    /// it (the prompt is not sent; the hook's line already says why).
    pub async fn submit(
        &mut self,
        mut content: Vec<Block>,
        sink: &mut dyn EventSink,
    ) -> Result<(), String> {
        if self.hooks.is_some() {
            let prompt: String = content
                .iter()
                .filter_map(|b| match b {
                    Block::Text { text } => Some(text.as_str()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("\n");
            let answer = self
                .hook(Event::UserPromptSubmit { prompt: &prompt }, sink)
                .await;
            let mut extra = match &mut self.hooks {
                Some(h) => std::mem::take(&mut h.pending),
                None => Vec::new(),
            };
            if let Some(a) = answer {
                if let Some(why) = a.block.or(a.stop) {
                    return Err(why);
                }
                extra.extend(a.context);
            }
            content.extend(extra.into_iter().map(|text| Block::Text { text }));
        }
        self.push_user_blocks(content);
        Ok(())
    }

    /// `Stop`: Some(instruction) when a hook keeps the turn going.
    pub async fn stop_hook(&mut self, active: bool, sink: &mut dyn EventSink) -> Option<String> {
        let last = match self.conv.messages.last() {
            Some(m) if m.role == super::conversation::Role::Assistant => m.text(),
            _ => String::new(),
        };
        let ev = Event::Stop {
            active,
            last_message: &last,
        };
        let a = self.hook(ev, sink).await?;
        if a.stop.is_some() {
            return None;
        }
        let why = a.block?;
        self.conv.repair();
        self.conv.messages.push(Message::user_text(why.clone()));
        Some(why)
    }

    /// `PreToolUse`: a refusal (exit 2 or deny), a rewritten input, or an
    /// answer to the permission question.
    pub(super) async fn pre_tool(
        &mut self,
        id: &str,
        name: &str,
        input: &Value,
        sink: &mut dyn EventSink,
    ) -> Pre {
        let mut pre = Pre::default();
        let Some(a) = self.hook(Event::PreToolUse { name, input, id }, sink).await else {
            return pre;
        };
        let refuse = |text: String, o| Some((ToolOutput::err(text), o));
        if self.ctx.cancel.is_cancelled() {
            pre.refused = refuse("cancelled by user".into(), StepOutcome::Cancelled);
        } else if let Some(why) = a.stop {
            pre.refused = refuse(format!("stopped by a hook: {why}"), StepOutcome::Stopped);
        } else if let Some(why) = a.block {
            pre.refused = refuse(format!("blocked by a hook: {why}"), StepOutcome::WantsMore);
        } else if let Some((Permission::Deny, why)) = &a.permission {
            let text = format!("blocked by a PreToolUse hook: {why}");
            pre.refused = refuse(text, StepOutcome::WantsMore);
        }
        pre.input = a.updated_input;
        pre.permission = a.permission;
        pre
    }

    /// `PostToolUse`: what the hooks say for the model joins the tool's
    /// result; true when a hook stops the turn (`continue: false`).
    pub(super) async fn post_tool(
        &mut self,
        id: &str,
        name: &str,
        input: &Value,
        output: &mut ToolOutput,
        sink: &mut dyn EventSink,
    ) -> bool {
        let ev = Event::PostToolUse {
            name,
            input,
            id,
            output,
        };
        let Some(a) = self.hook(ev, sink).await else {
            return false;
        };
        for note in a.block.into_iter().chain(a.context) {
            output.content.push_str("\n\n[PostToolUse hook] ");
            output.content.push_str(&note);
        }
        a.stop.is_some()
    }

    /// Whether a call's path lies outside the workspace or is protected in it:
    /// a hook's allow never skips that question.
    pub(super) fn boundary(&self, tool: &dyn crate::tools::Tool, input: &Value) -> bool {
        use crate::tools::ToolKind;
        let cwd = &self.ctx.cwd;
        match tool.kind() {
            ToolKind::Read | ToolKind::Edit | ToolKind::Search => {
                let p = input.get("path").and_then(Value::as_str).unwrap_or(".");
                let protected = &self.policy.protected;
                crate::permissions::workspace::check(&self.policy.root, cwd, p, protected).is_some()
            }
            ToolKind::Execute => {
                let c = input.get("command").and_then(Value::as_str).unwrap_or("");
                self.policy.outside(c, cwd)
            }
            ToolKind::Other => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hook_bends_the_policy_but_never_past_a_deny_or_the_boundary() {
        let ask = || Decision::Ask("runs a command".into());
        assert_eq!(bend(ask(), Permission::Allow, "", false), Decision::Allow);
        assert_eq!(bend(ask(), Permission::Allow, "", true), ask());
        assert_eq!(
            bend(Decision::Deny("no".into()), Permission::Allow, "", false),
            Decision::Deny("no".into())
        );
        assert_eq!(
            bend(Decision::Allow, Permission::Deny, "policy", false),
            Decision::Deny("policy".into())
        );
        assert_eq!(
            bend(Decision::Allow, Permission::Ask, "check", false),
            Decision::Ask("a hook asks: check".into())
        );
    }
}
