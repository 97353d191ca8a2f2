//! The slash-command table: one entry per command drives dispatch, `/help`
//! and tab completion (and, later, ACP's available commands).

use super::Repl;
use crate::render;

/// A slash command as users see it.
pub struct Command {
    pub name: &'static str,
    pub args: &'static str,
    pub help: &'static str,
}

pub const COMMANDS: &[Command] = &[
    Command {
        name: "help",
        args: "",
        help: "list commands",
    },
    Command {
        name: "clear",
        args: "",
        help: "start a fresh conversation (same settings)",
    },
    Command {
        name: "model",
        args: "[NAME]",
        help: "list the provider's models, or switch (names or config aliases)",
    },
    Command {
        name: "provider",
        args: "[NAME]",
        help: "list providers, or switch (the conversation carries over)",
    },
    Command {
        name: "cost",
        args: "",
        help: "tokens and cost of this session's model calls",
    },
    Command {
        name: "retry",
        args: "",
        help: "run the last step again (after an error or Ctrl-C)",
    },
    Command {
        name: "tools",
        args: "",
        help: "list the tools the model can use",
    },
    Command {
        name: "mode",
        args: "[NAME|next]",
        help: "show or set the permission mode",
    },
    Command {
        name: "step",
        args: "[on|off]",
        help: "pause after every step: Enter continues, text steers, q stops",
    },
    Command {
        name: "worktree",
        args: "new|list|switch|back|diff|merge|remove ...",
        help: "git worktrees: new NAME [BASE], list, switch NAME, back, diff [NAME], merge [NAME] [--squash], remove NAME [--force]",
    },
    Command {
        name: "plan",
        args: "GOAL|show|edit|run [N] [--auto] [--commit]",
        help: "draft a plan read-only, show or edit it, or work through it with tests after each item",
    },
    Command {
        name: "mcp",
        args: "[tools|restart|add|remove|enable|disable NAME]",
        help: "MCP servers: status, tools, configuration",
    },
    Command {
        name: "hooks",
        args: "",
        help: "list hooks: event, matcher, command, source, approved or not",
    },
    Command {
        name: "prompts",
        args: "",
        help: "list the prompt library: name, source, description",
    },
    Command {
        name: "prompt",
        args: "NAME [ARGS]",
        help: "run a library prompt (also /NAME when no command has that name)",
    },
    Command {
        name: "new",
        args: "",
        help: "start a new session",
    },
    Command {
        name: "sessions",
        args: "",
        help: "list this directory's saved sessions",
    },
    Command {
        name: "resume",
        args: "N|ID",
        help: "continue a saved session",
    },
    Command {
        name: "rename",
        args: "NAME",
        help: "name this session",
    },
    Command {
        name: "undo",
        args: "[N] [--force]",
        help: "restore files changed by the last (N) turns (--force: even if changed since)",
    },
    Command {
        name: "diff",
        args: "",
        help: "show what this session changed (unified diff)",
    },
    Command {
        name: "context",
        args: "",
        help: "show how full the model's context is",
    },
    Command {
        name: "effort",
        args: "[off|low|medium|high|default]",
        help: "show or set how hard the model thinks (default: the provider's own)",
    },
    Command {
        name: "thinking",
        args: "[on|off]",
        help: "show the model's thinking in full, or one summary line (default)",
    },
    Command {
        name: "compact",
        args: "[FOCUS]",
        help: "summarise older turns to free context",
    },
    Command {
        name: "init",
        args: "",
        help: "ask the model to write AGENTS.md for this project",
    },
    Command {
        name: "agents",
        args: "",
        help: "list the agents the task tool can start: name, source, tools, description",
    },
    Command {
        name: "jobs",
        args: "",
        help: "list background commands: id, status, running time, command",
    },
    Command {
        name: "kill",
        args: "ID",
        help: "stop a background command and its process group",
    },
    Command {
        name: "quit",
        args: "",
        help: "leave wisp (also /exit, Ctrl-D)",
    },
];

/// What the REPL does after a command.
pub enum Flow {
    Continue,
    Quit,
}

/// Names for completion, with the leading slash.
pub fn names() -> Vec<String> {
    let mut v: Vec<String> = COMMANDS.iter().map(|c| format!("/{}", c.name)).collect();
    v.push("/exit".into());
    v
}

/// Runs `/name args`.
pub async fn dispatch(repl: &mut Repl, name: &str, args: &str) -> Flow {
    match name {
        "help" => {
            help();
            crate::prompts::run::help(&repl.prompts);
        }
        "prompts" => {
            // Files added since start-up are listed too.
            repl.prompts = crate::prompts::Library::load(&repl.agent.ctx.cwd);
            crate::prompts::run::list(&repl.prompts)
        }
        "prompt" => crate::prompts::run::prompt_command(repl, args).await,
        "model" => super::switch::model(repl, args).await,
        "provider" => super::switch::provider(repl, args),
        "cost" => super::switch::cost(repl),
        "retry" => repl.retry().await,
        "clear" | "new" | "sessions" | "resume" | "rename" | "undo" | "diff" | "context"
        | "compact" | "init" => super::session::run(repl, name, args).await,
        "tools" => {
            let rows: Vec<(String, String, String)> = repl
                .agent
                .tools
                .iter()
                .map(|t| {
                    (
                        // MCP servers name and describe their own tools.
                        render::safe::line(t.name()).into_owned(),
                        t.kind().as_str().to_string(),
                        render::safe::line(t.description().lines().next().unwrap_or(""))
                            .into_owned(),
                    )
                })
                .collect();
            let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
            for (n, k, d) in rows {
                render::println(&format!("{n:w$}  {k:8}  {d}"));
            }
        }
        "mode" => mode(repl, args),
        "effort" => super::effort::effort(repl, args),
        "thinking" => super::effort::thinking(repl, args),
        "step" => {
            match args {
                "on" => repl.step = true,
                "off" => repl.step = false,
                "" => repl.step = !repl.step,
                other => {
                    repl.error(&format!("/step takes on or off, not `{other}`"));
                    return Flow::Continue;
                }
            }
            render::println(if repl.step { "step: on" } else { "step: off" });
        }
        "worktree" => crate::worktree::command(repl, args).await,
        "plan" => crate::plan::command::command(repl, args).await,
        "mcp" => {
            if let Err(e) = crate::mcp::command::run(&mut repl.agent, args).await {
                repl.error(&e);
            }
        }
        "hooks" => {
            for line in crate::hooks::listing(repl.agent.hooks.as_ref()) {
                render::println(&line);
            }
        }
        "agents" => {
            for l in crate::subagent::list(repl.agent.subagents.as_deref()) {
                render::println(&l);
            }
        }
        "jobs" | "kill" => super::jobs::command(repl, name, args).await,
        "quit" | "exit" => return Flow::Quit,
        n if n.starts_with("mcp__") => {
            let expanded = match &repl.agent.mcp {
                Some(m) => m.expand_prompt(n, args).await,
                None => Err(format!("unknown command /{name} (try /help)")),
            };
            match expanded {
                Ok(text) => repl.run_turn(&text).await,
                Err(e) => repl.error(&e),
            }
        }
        _ if crate::prompts::run::invoke(repl, name, args).await => {}
        // A prompt file written since start-up: read the library again, once.
        _ if {
            repl.prompts = crate::prompts::Library::load(&repl.agent.ctx.cwd);
            crate::prompts::run::invoke(repl, name, args).await
        } => {}
        _ => {
            repl.error(&format!("unknown command /{name} (try /help)"));
            repl.failed = true;
        }
    }
    Flow::Continue
}

fn mode(repl: &mut Repl, args: &str) {
    let policy = &mut repl.agent.policy;
    match args {
        "" => {}
        "next" => policy.mode = policy.mode.next(),
        name => match crate::permissions::Mode::parse(name) {
            Some(m) => policy.mode = m,
            None => {
                repl.renderer.error(&format!(
                    "unknown mode `{name}` (restrictive, guarded, accept-edits, standard)"
                ));
                return;
            }
        },
    }
    let m = repl.agent.policy.mode;
    if let Some(s) = &mut repl.agent.session {
        s.note_mode(m.as_str());
    }
    render::println(&format!("mode: {} ({})", m.as_str(), m.describe()));
    render::println(&repl.agent.ctx.sandbox.describe());
}

fn help() {
    let w = COMMANDS
        .iter()
        .map(|c| c.name.len() + c.args.len() + 2)
        .max()
        .unwrap_or(0);
    let width = render::width();
    for c in COMMANDS {
        let left = if c.args.is_empty() {
            format!("/{}", c.name)
        } else {
            format!("/{} {}", c.name, c.args)
        };
        render::println(&render::style::hanging(
            &format!("{left:w$}  "),
            c.help,
            width,
        ));
    }
    render::println(&render::style::hanging(
        "",
        "Type a request to send it to the model. A line ending in \\ continues. Ctrl-C or Esc stops a step.",
        width,
    ));
}
