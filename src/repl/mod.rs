//! The interactive shell: read a line, run a slash command or a turn, repeat.
//! With stdin not a terminal, the same loop runs a script of lines.

pub mod approve;
pub mod commands;
pub mod context;
pub mod input;
pub mod session;

use crate::agent::turn::{Pause, TurnEnd};
use crate::agent::Agent;
use crate::config::Settings;
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
            let prompt = "step done: Enter continues, text steers, q ends the turn: ";
            let line = if self.input.is_tty() {
                self.input.read(prompt).await
            } else {
                render::println(prompt.trim_end());
                self.input.read("").await
            };
            match line {
                Line::Text(t) if t.trim() == "q" => Err(()),
                Line::Text(t) if t.trim().is_empty() => Ok(None),
                Line::Text(t) => Ok(Some(t)),
                Line::Interrupted | Line::Eof => Err(()),
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
        Repl {
            agent,
            settings,
            input: Rc::new(input),
            renderer,
            busy,
            failed: false,
            step: false,
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
                "wisp {} · {} {} · {} mode · /help for commands",
                env!("CARGO_PKG_VERSION"),
                self.agent.provider.id(),
                self.agent.model,
                self.agent.policy.mode.as_str()
            ));
        }
        if let Some(p) = first {
            self.handle(&p).await;
        }
        let mut interrupted = false;
        loop {
            let prompt = if tty { "> " } else { "" };
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
        i32::from(self.failed && !tty)
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
        self.run_turn(line).await;
        commands::Flow::Continue
    }

    /// Sends `text` and steps until the turn ends.
    pub async fn run_turn(&mut self, text: &str) {
        self.agent.push_user(text);
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
        let (end, _) = self
            .agent
            .turn(&mut self.renderer, &mut approver, max, pause)
            .await;
        self.busy.store(false, Ordering::SeqCst);
        self.renderer.finish();
        self.failed = matches!(end, TurnEnd::Error(_));
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
    }
}
