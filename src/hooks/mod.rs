//! The user's hooks (Claude Code's JSON contract): loaded once at start-up,
//! matched per event, run in parallel, their answers combined. The core
//! calls them through [`crate::agent::hooks::Hooks`]; this is its runner.

pub mod claude;
pub mod config;
pub mod exec;
pub mod output;

use crate::agent::cancel::Cancel;
use crate::agent::hooks::{Answer, Attached, Common, Event, Hooks};
use config::Hook;
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::rc::Rc;

pub struct Runner {
    hooks: Vec<Hook>,
}

/// Loads the hooks for a session in `cwd`; None when there are none at all.
/// Warnings are one line each, for the front end to show.
pub fn load(cwd: &std::path::Path, can_ask: bool) -> (Option<Attached>, Vec<String>) {
    let (hooks, warnings) = config::load(cwd, can_ask);
    if hooks.is_empty() {
        return (None, warnings);
    }
    let runner: Rc<dyn Hooks> = Rc::new(Runner { hooks });
    (
        Some(Attached {
            runner,
            pending: Vec::new(),
        }),
        warnings,
    )
}

/// `/hooks`: one line per configured hook.
pub fn listing(hooks: Option<&Attached>) -> Vec<String> {
    match hooks.map(|h| h.runner.list()) {
        Some(l) if !l.is_empty() => l,
        _ => vec![format!(
            "no hooks: add them to {} or the project's {}",
            config::user_path().display(),
            config::PROJECT_FILES.join(", ")
        )],
    }
}

/// A hook as `/hooks` and the approval question show it.
pub fn row(h: &Hook) -> String {
    let matcher = if h.matcher_text.is_empty() {
        "*"
    } else {
        &h.matcher_text
    };
    format!(
        "{} [{}] {}  ({})",
        h.event,
        output::one_line(matcher),
        output::one_line(&h.command),
        h.source
    )
}

/// A hook's command in a line of activity: short, on one line.
fn label(command: &str) -> String {
    let c = output::one_line(command);
    if c.chars().count() <= 60 {
        return c;
    }
    let mut s: String = c.chars().take(59).collect();
    s.push('…');
    s
}

/// Runs futures side by side on this task; their outputs in order. (A few
/// lines instead of futures-util's `join_all`, which links its task pool.)
async fn join<F: std::future::Future>(futs: Vec<F>) -> Vec<F::Output> {
    use std::task::Poll;
    let mut futs: Vec<_> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in futs
            .iter_mut()
            .zip(out.iter_mut())
            .filter(|(_, o)| o.is_none())
        {
            match f.as_mut().poll(cx) {
                Poll::Ready(v) => *o = Some(v),
                Poll::Pending => pending = true,
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// What a hook's matcher is tested against for this event.
fn subjects<'a>(ev: &Event<'a>) -> Vec<&'a str> {
    match ev {
        Event::PreToolUse { name, .. } | Event::PostToolUse { name, .. } => {
            vec![name, claude::tool_name(name)]
        }
        Event::SessionStart { source } => vec![source],
        Event::SessionEnd { reason } => vec![reason],
        Event::PreCompact { trigger, .. } => vec![trigger],
        Event::Notification { kind, .. } => vec![kind],
        // Claude Code ignores matchers for these.
        Event::UserPromptSubmit { .. } | Event::Stop { .. } => Vec::new(),
    }
}

fn tool_fields(c: &Common<'_>, name: &str, input: &Value, id: &str) -> Value {
    json!({
        "tool_name": claude::tool_name(name),
        "wisp_tool_name": name,
        "tool_input": claude::tool_input(name, input, c.cwd),
        "tool_use_id": id,
    })
}

/// The JSON a hook reads on stdin.
fn input(c: &Common<'_>, ev: &Event<'_>) -> Value {
    let mut v = json!({
        "session_id": c.session_id,
        "transcript_path": c.transcript_path.display().to_string(),
        "cwd": c.cwd.display().to_string(),
        "permission_mode": c.permission_mode,
        "hook_event_name": ev.name(),
    });
    let extra = match ev {
        Event::SessionStart { source } => json!({"source": source}),
        Event::SessionEnd { reason } => json!({"reason": reason}),
        Event::UserPromptSubmit { prompt } => json!({"prompt": prompt}),
        Event::PreToolUse { name, input, id } => tool_fields(c, name, input, id),
        Event::PostToolUse {
            name,
            input,
            id,
            output,
        } => {
            let mut v = tool_fields(c, name, input, id);
            let mut response = json!({
                "content": output.content,
                "is_error": output.is_error,
                "success": !output.is_error,
            });
            if let Some(p) = input.get("path").and_then(Value::as_str) {
                let full = crate::tools::resolve_path(c.cwd, p);
                response["filePath"] = json!(full.display().to_string());
            }
            v["tool_response"] = response;
            v
        }
        Event::Stop {
            active,
            last_message,
        } => json!({"stop_hook_active": active, "last_assistant_message": last_message}),
        Event::PreCompact {
            trigger,
            instructions,
        } => json!({"trigger": trigger, "custom_instructions": instructions}),
        Event::Notification { message, kind } => {
            json!({"message": message, "notification_type": kind})
        }
    };
    if let (Some(m), Value::Object(e)) = (v.as_object_mut(), extra) {
        m.extend(e);
    }
    v
}

impl Hooks for Runner {
    fn listens(&self, event: &str) -> bool {
        self.hooks.iter().any(|h| h.event == event && h.runs())
    }

    fn run<'a>(
        &'a self,
        common: Common<'a>,
        event: Event<'a>,
        cancel: &'a Cancel,
    ) -> LocalBoxFuture<'a, Answer> {
        Box::pin(async move {
            let subjects = subjects(&event);
            let mut picked: Vec<&Hook> = Vec::new();
            for h in &self.hooks {
                let Some(m) = h
                    .matcher
                    .as_ref()
                    .filter(|_| h.runs() && h.event == event.name())
                else {
                    continue;
                };
                // Claude Code runs an identical command once per event.
                if (subjects.is_empty() || m.matches(&subjects))
                    && !picked.iter().any(|p| p.command == h.command)
                {
                    picked.push(h);
                }
            }
            let mut answer = Answer::default();
            if picked.is_empty() {
                return answer;
            }
            let stdin = input(&common, &event).to_string();
            let runs = picked
                .iter()
                .map(|h| exec::run(&h.command, stdin.as_bytes(), common.cwd, h.timeout, cancel));
            let ended = join(runs.collect()).await;
            let (tool, original) = match &event {
                Event::PreToolUse { name, input, .. } => (*name, Some(*input)),
                _ => ("", None),
            };
            let sent = original.map(|i| claude::tool_input(tool, i, common.cwd));
            let rewrite = |upd: &Value| match (original, &sent) {
                (Some(o), Some(s)) => claude::updated(tool, o, s, upd),
                _ => None,
            };
            // Folded in the order of the configuration, whatever finished first.
            for (h, e) in picked.iter().zip(ended) {
                output::fold(&mut answer, event.name(), &label(&h.command), e, &rewrite);
            }
            answer
        })
    }

    fn list(&self) -> Vec<String> {
        self.hooks
            .iter()
            .map(|h| {
                let state = match (&h.note, h.approved) {
                    (Some(n), _) => n.as_str(),
                    (None, true) => "approved",
                    (None, false) => "not approved",
                };
                format!("{}  {state}", row(h))
            })
            .collect()
    }
}
