//! `/plan` in the REPL (draft, show, edit, run) and the headless `wisp loop`.

use super::detect_test_command;
use super::run::{self, plan_path, Between, LoopUi, Options, Outcome};
use crate::agent::{Agent, AgentEvent, EventSink};
use crate::config::Settings;
use crate::permissions::Mode;
use crate::render::{self, Renderer};
use crate::repl::input::Input;
use crate::repl::Repl;
use futures_util::future::LocalBoxFuture;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const DRAFT: &str = "Draft a plan for this goal. Explore the project read-only first (read, grep, glob; no edits, no commands that write). \
Then call update_plan once with small, ordered items, each one testable on its own and phrased as a change to make. \
Finish with one line summarising the plan.\n\nGoal: ";

/// `/plan ...`.
pub async fn command(repl: &mut Repl, args: &str) {
    let (word, rest) = match args.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (args, ""),
    };
    match word {
        "" | "show" => show(repl).await,
        "edit" => edit(repl).await,
        "run" => run_cmd(repl, rest).await,
        _ => draft(repl, args).await,
    }
}

async fn show(repl: &mut Repl) {
    let path = plan_path(&repl.agent);
    match tokio::fs::read_to_string(&path).await {
        Ok(t) => render::println(&render::safe::text(t.trim_end())),
        Err(_) => repl.error(&format!(
            "no plan yet at {} (/plan GOAL drafts one)",
            path.display()
        )),
    }
}

/// Opens `$EDITOR` on the plan; the child inherits the terminal.
async fn edit(repl: &mut Repl) {
    let path = plan_path(&repl.agent);
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let mut words = shlex::split(&editor).unwrap_or_default();
    if words.is_empty() {
        words.push("vi".into());
    }
    let status = tokio::process::Command::new(&words[0])
        .args(&words[1..])
        .arg(&path)
        .current_dir(&repl.agent.ctx.cwd)
        .status()
        .await;
    match status {
        Ok(s) if s.success() => show(repl).await,
        Ok(s) => repl.error(&format!("{editor} exited with {s}")),
        Err(e) => repl.error(&format!("cannot start {editor}: {e}")),
    }
}

/// A read-only turn that writes the plan with `update_plan`, then shows it.
async fn draft(repl: &mut Repl, goal: &str) {
    let saved_mode = repl.agent.policy.mode;
    let saved_yolo = repl.agent.policy.yolo;
    let saved_allow = std::mem::take(&mut repl.agent.policy.allow);
    let saved_remembered = std::mem::take(&mut repl.agent.policy.remembered);
    repl.agent.policy.mode = Mode::Guarded;
    repl.agent.policy.yolo = false;
    render::println("planning (read-only)");
    repl.agent.push_user(&format!("{DRAFT}{goal}"));
    repl.agent.ctx.cancel.reset();
    repl.busy.store(true, Ordering::SeqCst);
    let (end, _) = repl
        .agent
        .turn(
            &mut repl.renderer,
            &mut ReadOnly,
            repl.settings.max_steps,
            None,
        )
        .await;
    repl.busy.store(false, Ordering::SeqCst);
    repl.renderer.finish();
    if let crate::agent::turn::TurnEnd::Error(e) = end {
        repl.error(&e);
    }
    let p = &mut repl.agent.policy;
    p.mode = saved_mode;
    p.yolo = saved_yolo;
    p.allow = saved_allow;
    p.remembered = saved_remembered;
    show(repl).await;
}

/// Refuses every call that would ask: planning only reads.
struct ReadOnly;

impl crate::agent::Approver for ReadOnly {
    fn ask<'a>(
        &'a mut self,
        _req: &'a crate::agent::ApprovalRequest<'a>,
    ) -> LocalBoxFuture<'a, crate::agent::Approval> {
        Box::pin(async {
            crate::agent::Approval::Refuse(
                "planning is read-only: no edits or commands; write the plan with update_plan"
                    .into(),
            )
        })
    }
}

/// Parses `[N] [--auto] [--commit] [--test CMD]`.
fn parse_run(args: &str) -> Result<(Option<usize>, bool, bool, Option<String>), String> {
    let words = shlex::split(args).ok_or("unbalanced quotes")?;
    let (mut max, mut auto, mut commit, mut test) = (None, false, false, None);
    let mut it = words.into_iter();
    while let Some(w) = it.next() {
        match w.as_str() {
            "--auto" => auto = true,
            "--commit" => commit = true,
            "--test" => test = Some(it.next().ok_or("--test needs a command")?),
            n => match n.parse::<usize>() {
                Ok(v) if v > 0 => max = Some(v),
                _ => {
                    return Err(format!(
                        "/plan run: unexpected `{n}` (N, --auto, --commit, --test CMD)"
                    ))
                }
            },
        }
    }
    Ok((max, auto, commit, test))
}

async fn test_command(
    agent: &Agent,
    given: Option<String>,
    settings: &Settings,
) -> Result<String, String> {
    match given.or_else(|| settings.test_command.clone()) {
        Some(t) => Ok(t),
        None => detect_test_command(&agent.ctx.cwd).await.ok_or_else(|| {
            "no test command: set test_command in config or pass --test CMD".to_string()
        }),
    }
}

struct ReplUi<'a> {
    r: &'a mut Renderer,
    input: Rc<Input>,
    busy: Arc<AtomicBool>,
}

impl EventSink for ReplUi<'_> {
    fn event(&mut self, ev: AgentEvent<'_>) {
        self.r.event(ev);
    }
}

impl LoopUi for ReplUi<'_> {
    fn sink(&mut self) -> &mut dyn EventSink {
        self.r
    }
    fn note(&mut self, msg: &str) {
        self.r.finish();
        self.r.note(msg);
    }
    fn busy(&mut self, on: bool) {
        self.busy.store(on, Ordering::SeqCst);
    }
    fn between(&mut self) -> LocalBoxFuture<'_, Between> {
        Box::pin(async move {
            self.input
                .pause("next item: Enter continues, text steers, q stops: ")
                .await
        })
    }
}

async fn run_cmd(repl: &mut Repl, args: &str) {
    let (max, auto, commit, test) = match parse_run(args) {
        Ok(v) => v,
        Err(e) => return repl.error(&e),
    };
    let test = match test_command(&repl.agent, test, &repl.settings).await {
        Ok(t) => t,
        Err(e) => return repl.error(&e),
    };
    let opts = Options {
        max,
        auto,
        commit,
        test,
        attempts: repl.settings.plan_attempts,
        max_steps: repl.settings.max_steps,
    };
    let mut approver = crate::repl::approve::AskUser {
        input: repl.input.clone(),
        styled: repl.renderer.styled,
    };
    let mut ui = ReplUi {
        r: &mut repl.renderer,
        input: repl.input.clone(),
        busy: repl.busy.clone(),
    };
    let out = run::run(&mut repl.agent, &mut ui, &mut approver, &opts).await;
    repl.renderer.finish();
    match summary(&out) {
        Ok(s) => render::println(&s),
        Err(s) => repl.error(&s),
    }
}

/// The closing line: Ok when every item is done.
fn summary(out: &Outcome) -> Result<String, String> {
    match out {
        Outcome::AllDone { done } => Ok(format!("plan complete ({done} item(s) done this run)")),
        Outcome::Paused { done, left, why } => Err(format!(
            "plan paused: {why}; {done} done this run, {left} left (/plan run resumes)"
        )),
        Outcome::Failed { item, why } if item.is_empty() => Err(format!("plan stopped: {why}")),
        Outcome::Failed { item, why } => Err(format!("plan stopped at `{item}`: {why}")),
    }
}

/// Prints one line per event for `wisp loop`.
struct Lines {
    text: String,
}

impl Lines {
    fn flush_text(&mut self) {
        let t = self.text.trim();
        if let Some(first) = t.lines().find(|l| !l.trim().is_empty()) {
            let first: String = first.chars().take(200).collect();
            render::println(&render::safe::line(&format!("agent: {first}")));
        }
        self.text.clear();
    }
}

impl EventSink for Lines {
    fn event(&mut self, ev: AgentEvent<'_>) {
        match ev {
            AgentEvent::Text(t) => self.text.push_str(t),
            AgentEvent::ToolStarted { name, summary, .. } => {
                self.flush_text();
                render::println(&render::safe::line(&format!("tool: {name} {summary}")));
            }
            AgentEvent::ToolFinished { name, output, .. } if output.is_error => {
                let first = output.content.lines().next().unwrap_or("");
                let line = format!("tool error: {name}: {first}");
                render::println(&render::safe::line(&line));
            }
            AgentEvent::Usage { .. } => self.flush_text(),
            AgentEvent::Hook(line) => {
                self.flush_text();
                render::println(line);
            }
            _ => {}
        }
    }
}

impl LoopUi for Lines {
    fn sink(&mut self) -> &mut dyn EventSink {
        self
    }
    fn note(&mut self, msg: &str) {
        self.flush_text();
        // Items and test commands come from PLAN.md and the repository.
        render::println(&render::safe::text(msg));
    }
    fn busy(&mut self, _on: bool) {}
    fn between(&mut self) -> LocalBoxFuture<'_, Between> {
        Box::pin(async { Between::Continue })
    }
}

/// `wisp loop`: the whole plan without a person; calls that would ask are refused.
pub async fn headless(agent: &mut Agent, settings: &Settings, max: Option<usize>) -> i32 {
    let test = match test_command(agent, None, settings).await {
        Ok(t) => t,
        Err(e) => {
            render::eprintln(&format!("wisp: {e}"));
            return 2;
        }
    };
    let opts = Options {
        max,
        auto: true,
        commit: false,
        test,
        attempts: settings.plan_attempts,
        max_steps: settings.max_steps,
    };
    let mut ui = Lines {
        text: String::new(),
    };
    let out = run::run(agent, &mut ui, &mut crate::print::Refuser, &opts).await;
    match summary(&out) {
        Ok(s) => {
            render::println(&s);
            0
        }
        Err(s) => {
            render::eprintln(&render::safe::text(&format!("wisp: {s}")));
            1
        }
    }
}
