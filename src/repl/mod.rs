//! The interactive shell: read a line, run a slash command or a turn, repeat.
//! With stdin not a terminal, the same loop runs a script of lines.

pub mod approve;
pub mod attach;
pub mod commands;
pub mod complete;
pub mod context;
pub mod effort;
pub mod input;
pub mod jobs;
pub mod keys;
pub mod session;
pub mod switch;

use crate::agent::turn::{Pause, TurnEnd};
use crate::agent::Agent;
use crate::config::Settings;
use crate::plan::run::Between;
use crate::render::{self, Renderer};
use input::{Input, Line};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub struct Repl {
    pub agent: Agent,
    pub settings: Settings,
    pub input: Rc<Input>,
    pub renderer: Renderer,
    /// Set while a turn runs, so Ctrl-C cancels it instead of exiting.
    pub busy: Arc<AtomicBool>,
    /// Whether the last turn failed (a script then exits non-zero).
    failed: bool,
    /// Pause between steps (`/step on`, `--step`).
    pub step: bool,
    /// Where the session started: the prompt line names any worktree it moved to.
    start_dir: std::path::PathBuf,
    /// Output of `!command`s, offered to the model with the next prompt.
    pending: Vec<String>,
    /// The prompt library (`/prompts`).
    pub prompts: crate::prompts::Library,
}

/// When the REPL raises hook events outside a turn.
pub enum Moment<'a> {
    Start(&'a str),
    End(&'a str),
    Idle,
    Compact(&'a str),
}

/// Between steps, asks whether to go on: Enter continues, text steers, `q` stops.
struct StepPause {
    input: Rc<Input>,
}

impl Pause for StepPause {
    fn between_steps(
        &mut self,
    ) -> futures_util::future::LocalBoxFuture<'_, Result<Option<String>, ()>> {
        Box::pin(async move {
            let question = "step done: Enter continues, text steers, q ends the turn: ";
            match self.input.pause(question).await {
                Between::Continue => Ok(None),
                Between::Steer(t) => Ok(Some(t)),
                Between::Stop => Err(()),
            }
        })
    }
}

impl Repl {
    pub fn new(
        agent: Agent,
        settings: Settings,
        input: Input,
        styled: bool,
        busy: Arc<AtomicBool>,
    ) -> Self {
        let renderer = Renderer::new(styled, false, &agent.ctx.cwd);
        // The process's directory, not the agent's: `--worktree` has already moved the agent.
        let agent_cwd = std::env::current_dir().unwrap_or_else(|_| agent.ctx.cwd.clone());
        Repl {
            agent,
            settings,
            input: Rc::new(input),
            renderer,
            busy,
            failed: false,
            step: false,
            pending: Vec::new(),
            start_dir: agent_cwd,
            prompts: Default::default(),
        }
    }

    pub fn error(&mut self, msg: &str) {
        self.renderer.error(msg);
    }

    /// Runs the loop until /quit or end of input; returns the exit code.
    pub async fn run(&mut self, first: Option<String>) -> i32 {
        let tty = self.input.is_tty();
        if tty {
            render::println(&format!(
                "wisp {} · {} {} · {} mode · {} · /help for commands",
                env!("CARGO_PKG_VERSION"),
                self.agent.provider.id(),
                self.agent.model,
                self.agent.policy.mode.as_str(),
                self.agent.ctx.sandbox.short()
            ));
        }
        let source = if self.agent.conv.messages.is_empty() {
            "startup"
        } else {
            "resume"
        };
        self.hooked(Moment::Start(source)).await;
        if let Some(var) = self.settings.missing_key() {
            let msg = crate::provider::keyless::message(&var);
            if tty {
                self.renderer.note(&msg);
            } else {
                render::eprintln(&format!("wisp: {msg}"));
            }
        }
        if tty {
            let mut models: Vec<String> = self.settings.aliases.keys().cloned().collect();
            models.push(self.agent.model.clone());
            self.input.set_models(models);
        }
        if let Some(p) = first {
            // Shown as if typed, so the transcript on screen reads in order.
            if tty {
                render::println(&format!("> {p}"));
                self.input.remember(&p);
            }
            self.handle(&p).await;
        }
        let mut interrupted = false;
        loop {
            // In a worktree the prompt names it, so the user always sees where edits land.
            let prompt = match (tty, &self.start_dir) {
                (false, _) => String::new(),
                (true, start) if *start != self.agent.ctx.cwd => {
                    let name = self
                        .agent
                        .ctx
                        .cwd
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned());
                    format!("{}> ", name.unwrap_or_default())
                }
                _ => "> ".to_string(),
            };
            // A mode other than the default is named too, as the worktree is.
            let mode = self.agent.policy.mode;
            let prompt = if tty && mode != crate::permissions::Mode::Standard {
                let place = prompt.trim_end_matches("> ");
                let sep = if place.is_empty() { "" } else { " " };
                format!("{place}{sep}{}> ", mode.as_str())
            } else {
                prompt
            };
            let prompt = prompt.as_str();
            match self.input.read(prompt).await {
                Line::Eof => break,
                Line::Interrupted => {
                    // A second Ctrl-C at an empty prompt leaves.
                    if interrupted {
                        break;
                    }
                    interrupted = true;
                    render::println("(Ctrl-C again or Ctrl-D to quit)");
                }
                Line::Text(t) => {
                    interrupted = false;
                    if t.trim().is_empty() {
                        continue;
                    }
                    self.input.remember(&t);
                    if let commands::Flow::Quit = self.handle(&t).await {
                        break;
                    }
                }
            }
        }
        self.hooked(Moment::End("prompt_input_exit")).await;
        i32::from(self.failed && !tty)
    }

    /// Runs the hooks of a moment outside a turn, Ctrl-C able to stop them.
    pub async fn hooked(&mut self, m: Moment<'_>) {
        if self.agent.hooks.is_none() {
            return;
        }
        self.agent.ctx.cancel.reset();
        self.busy.store(true, Ordering::SeqCst);
        let (a, r) = (&mut self.agent, &mut self.renderer);
        match m {
            Moment::Start(source) => a.session_start(source, r).await,
            Moment::End(reason) => a.session_end(reason, r).await,
            Moment::Idle => {
                a.notify("wisp is waiting for your input", "idle_prompt", r)
                    .await
            }
            Moment::Compact(focus) => a.pre_compact("manual", focus.to_string(), r).await,
        }
        self.busy.store(false, Ordering::SeqCst);
        self.renderer.finish();
    }

    async fn handle(&mut self, line: &str) -> commands::Flow {
        let line = line.trim();
        if let Some(cmd) = line.strip_prefix('/') {
            let (name, args) = match cmd.split_once(char::is_whitespace) {
                Some((n, a)) => (n, a.trim()),
                None => (cmd, ""),
            };
            return commands::dispatch(self, name, args).await;
        }
        if let Some(cmd) = line.strip_prefix('!') {
            // Ctrl-C stops the command (its whole process group), not wisp.
            self.agent.ctx.cancel.reset();
            self.busy.store(true, Ordering::SeqCst);
            // Keys are read (not echoed) while it runs, so `^C` is not glued to the next line.
            let keys = keys::watch(self.input.is_tty(), self.agent.ctx.cancel.clone());
            let (out, code) = attach::run_shell(cmd.trim(), &self.agent.ctx).await;
            self.input.type_ahead(keys.stop());
            self.busy.store(false, Ordering::SeqCst);
            render::println(out.trim_end());
            match code {
                Some(0) => {}
                Some(130) => self.renderer.note("exit code 130 (interrupted)"),
                Some(c) => self.renderer.note(&format!("exit code {c}")),
                None => self.renderer.note("could not run the command"),
            }
            self.pending
                .push(attach::shell_context(cmd.trim(), &out, code));
            return commands::Flow::Continue;
        }
        self.run_turn(line).await;
        commands::Flow::Continue
    }

    /// Sends `text` (with `@path` attachments and any `!command` output the
    /// user ran since the last prompt) and steps until the turn ends.
    pub async fn run_turn(&mut self, text: &str) {
        let (mut blocks, attached, problems) = attach::attach(text, &self.agent.ctx.cwd).await;
        for p in &problems {
            self.renderer.note(p);
        }
        if !attached.is_empty() {
            self.renderer
                .note(&format!("attached {}", attached.join(", ")));
        }
        if !self.pending.is_empty() {
            let mut ran = std::mem::take(&mut self.pending);
            if let Some(crate::agent::conversation::Block::Text { text }) = blocks.first() {
                ran.push(text.clone());
            }
            blocks[0] = crate::agent::conversation::Block::Text {
                text: ran.join("\n\n"),
            };
        }
        self.agent.ctx.cancel.reset();
        self.busy.store(true, Ordering::SeqCst);
        let sent = self.agent.submit(blocks, &mut self.renderer).await;
        self.busy.store(false, Ordering::SeqCst);
        if sent.is_err() {
            self.renderer.end_turn("prompt blocked by a hook");
            return;
        }
        self.steps().await;
    }

    /// `/retry`: runs the last turn's step again, dropping an interrupted partial answer.
    pub async fn retry(&mut self) {
        let msgs = &mut self.agent.conv.messages;
        let interrupted = msgs.last().is_some_and(|m| {
            m.role == crate::agent::conversation::Role::Assistant
                && m.text().ends_with(']')
                && m.text().contains("\n[interrupted")
        });
        if interrupted {
            msgs.pop();
        }
        if msgs.is_empty() {
            self.error("nothing to retry");
            return;
        }
        self.steps().await;
    }

    /// Steps until the turn ends, then reports how it ended.
    async fn steps(&mut self) {
        let before = self.agent.ledger.total;
        self.agent.ctx.cancel.reset();
        self.busy.store(true, Ordering::SeqCst);
        let mut approver = approve::AskUser {
            input: self.input.clone(),
            styled: self.renderer.styled,
        };
        let max = self.settings.max_steps;
        let mut pause = StepPause {
            input: self.input.clone(),
        };
        let pause: Option<&mut dyn Pause> = if self.step { Some(&mut pause) } else { None };
        // The live status line is for a terminal; screen readers get whole lines only.
        let live = std::io::IsTerminal::is_terminal(&std::io::stdout()) && !self.renderer.labels;
        let dim = self.renderer.styled;
        let keys = keys::watch(self.input.is_tty(), self.agent.ctx.cancel.clone());
        let turn = self
            .agent
            .turn(&mut self.renderer, &mut approver, max, pause);
        let (end, _) = render::status::around(live, dim, turn).await;
        self.input.type_ahead(keys.stop());
        self.busy.store(false, Ordering::SeqCst);
        self.renderer.finish();
        // A script whose last turn failed or was stopped at an approval exits non-zero.
        self.failed = matches!(end, TurnEnd::Error(_) | TurnEnd::Stopped);
        let cancelled = matches!(end, TurnEnd::Cancelled);
        let how = match &end {
            TurnEnd::Done(_) => "turn complete",
            TurnEnd::Cancelled => "turn cancelled",
            TurnEnd::Stopped => "turn stopped",
            TurnEnd::MaxSteps(_) => "turn stopped at the step limit",
            TurnEnd::Error(_) => "turn failed",
        };
        match end {
            TurnEnd::Done(_) => {}
            TurnEnd::Cancelled => self.renderer.note("cancelled"),
            TurnEnd::Stopped => self.renderer.note("stopped"),
            TurnEnd::MaxSteps(n) => self
                .renderer
                .note(&format!("stopped after {n} steps (max_steps)")),
            TurnEnd::Error(e) => {
                let msg = crate::hint_for(&self.settings, &e);
                self.renderer.error(&msg);
            }
        }
        if let Some(line) = switch::turn_line(self, &before) {
            self.renderer.note(&line);
        }
        if !cancelled {
            self.hooked(Moment::Idle).await;
        }
        self.renderer.end_turn(how);
        crate::malloc::trim();
    }
}
