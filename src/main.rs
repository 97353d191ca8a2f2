//! wisp: CLI → settings → pick a front end. Nothing else lives here.

mod acp;
mod agent;
mod cli;
mod config;
mod front_matter;
#[cfg(test)]
mod fuzz_tests;
mod hooks;
mod limits;
mod malloc;
mod mcp;
mod paths;
mod permissions;
mod plan;
mod print;
mod private;
mod prompts;
mod provider;
mod redact;
mod render;
mod repl;
mod sandbox;
mod session;
mod subagent;
mod toml_keys;
mod tools;
mod trust;
mod worktree;

use std::io::{IsTerminal, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn main() {
    let code = match cli::utf8_args(std::env::args_os().skip(1)).and_then(cli::parse) {
        Err(e) => {
            render::eprintln(&format!("wisp: {e}"));
            2
        }
        Ok(c) if c.help => {
            render::println(cli::HELP);
            0
        }
        Ok(c) if c.version => {
            render::println(&format!("wisp {}", env!("CARGO_PKG_VERSION")));
            0
        }
        Ok(c) => run(c),
    };
    std::process::exit(code);
}

fn run(cli: cli::Cli) -> i32 {
    let settings = match config::load_file().and_then(|f| config::Settings::resolve(f, &cli)) {
        Ok(s) => s,
        Err(e) => {
            render::eprintln(&format!("wisp: {e}"));
            return 2;
        }
    };
    let l = settings.limits;
    limits::set(l.message, l.saved_output, l.session_output);
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => {
            render::eprintln(&format!("wisp: cannot read the working directory: {e}"));
            return 1;
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            render::eprintln(&format!("wisp: {e}"));
            return 1;
        }
    };
    let code = rt.block_on(front_end(cli, settings, cwd));
    // Background commands never outlive wisp.
    tools::jobs::stop_all();
    // Exit here, before the runtime is dropped: dropping it would wait for any
    // blocking task still running (a read of stdin, a file walk) and delay
    // the exit after Ctrl-C. Everything worth keeping is already written.
    std::process::exit(code)
}

/// Applies `.wisp/config.toml`, asking once before it may raise permissions.
fn project_config(
    settings: &mut config::Settings,
    cli: &cli::Cli,
    cwd: &std::path::Path,
    can_ask: bool,
) -> Result<(), String> {
    let Some(pc) = trust::load(cwd, settings)? else {
        return Ok(());
    };
    let mut trusted = pc.raises.is_empty() || trust::TRUSTED.contains(cwd, &pc.hash);
    if !trusted && can_ask {
        render::println(&trust::question(&pc));
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if matches!(answer.trim(), "y" | "yes") {
            trusted = true;
            if let Err(e) = trust::TRUSTED.remember(cwd, &pc.hash) {
                render::eprintln(&format!("wisp: could not remember the answer: {e}"));
            }
        }
    }
    for n in trust::notes(&pc, trusted, "run wisp interactively here to confirm") {
        render::eprintln(&format!("wisp: {n}"));
    }
    trust::apply(settings, pc, trusted);
    // Flags given on the command line still win.
    if let Some(m) = &cli.mode {
        settings.mode = m.clone();
    }
    if let Some(m) = &cli.model {
        settings.model = m.clone();
    }
    if cli.sandbox.is_some() || std::env::var_os("WISP_SANDBOX").is_some() {
        let flags = config::sandbox_policy(&Default::default(), cli)?;
        settings.sandbox.mode = flags.mode;
    }
    Ok(())
}

async fn front_end(cli: cli::Cli, mut settings: config::Settings, cwd: std::path::PathBuf) -> i32 {
    if cli.acp {
        return acp::run(cli, settings, cwd).await;
    }
    let can_ask = !cli.print && std::io::stdin().is_terminal();
    if let Err(e) = project_config(&mut settings, &cli, &cwd, can_ask) {
        render::eprintln(&format!("wisp: {e}"));
        return 2;
    }
    let resumed = match session::resume::choose(&cli, &cwd).await {
        Ok(r) => r,
        Err(e) => {
            render::eprintln(&format!("wisp: {e}"));
            return 1;
        }
    };
    if let Some(l) = &resumed {
        session::resume::settings_for(&mut settings, &cli, l);
    }
    let mut agent = match agent::setup::build(&settings, cwd, cli.yolo) {
        Ok(a) => a,
        Err(e) => {
            render::eprintln(&format!("wisp: {e}"));
            return 2;
        }
    };
    agent.ctx.plan_file = settings.plan_file.clone().into();
    if let Some(name) = &cli.worktree {
        let cwd = agent.ctx.cwd.clone();
        match worktree::open(&cwd, name, settings.worktree_dir.as_deref()).await {
            Ok(dir) => worktree::enter(&mut agent, &dir),
            Err(e) => {
                render::eprintln(&format!("wisp: --worktree {name}: {e}"));
                return 2;
            }
        }
    }
    let (mcp, warnings) = mcp::Manager::start(agent.ctx.cwd.clone(), can_ask);
    for w in warnings {
        render::eprintln(&format!("wisp: mcp: {w}"));
    }
    agent.mcp = Some(mcp);
    let (hooks, warnings) = hooks::load(&agent.ctx.cwd, can_ask);
    for w in warnings {
        render::eprintln(&format!("wisp: hooks: {w}"));
    }
    agent.hooks = hooks;
    // Startup, before any turn: a few small directories read once.
    let lib = prompts::Library::load(&agent.ctx.cwd);
    for w in &lib.warnings {
        render::eprintln(&format!("wisp: {w}"));
    }
    agent.skills = agent::prompt::skills_section(&lib.skills());
    let skill_files = lib.skill_files();
    if !skill_files.is_empty() {
        agent
            .tools
            .add(std::rc::Rc::new(tools::skill::Skill::new(skill_files)));
    }
    for w in subagent::attach(&mut agent, settings.max_parallel_tasks, settings.max_steps) {
        render::eprintln(&format!("wisp: {w}"));
    }
    // The system prompt was built without skills; rebuild only to add them.
    if !agent.skills.is_empty() {
        agent.rebuild_system();
    }
    if let Some(w) = agent.ctx.sandbox.warning() {
        render::eprintln(&format!("wisp: {w}"));
    }
    if cli.yolo {
        render::eprintln("wisp: --yolo: every tool call runs without asking (catastrophic commands are still refused)");
    }
    tools::jobs::set_max(settings.max_background);
    let plain = cli.plain || settings.plain;
    let styled = render::styled(plain, cli.no_color);
    if let Some(l) = resumed {
        let (id, moved) = (l.header.id.clone(), l.moved.clone());
        let shown = session::resume::attach(&mut agent, l);
        // Back into the worktree the session had moved to, unless --worktree chose one.
        let mut place = String::new();
        match moved {
            Some(dir) if cli.worktree.is_none() && dir.is_dir() => {
                worktree::enter(&mut agent, &dir);
                place = format!(" · in {}", dir.display());
            }
            Some(dir) if cli.worktree.is_none() => render::eprintln(&format!(
                "wisp: the session had moved to {}, which is gone; resuming in {}",
                dir.display(),
                agent.ctx.cwd.display()
            )),
            _ => {}
        }
        if !cli.print {
            for line in shown {
                render::println(&render::safe::line(&line));
            }
            render::println(&format!(
                "resumed {id} · {} {}{place}",
                agent.provider.id().as_str(),
                agent.model
            ));
        }
    }
    let stdin_tty = std::io::stdin().is_terminal();
    let busy = Arc::new(AtomicBool::new(false));
    let interactive = !cli.print && stdin_tty;
    watch_ctrl_c(agent.ctx.cancel.clone(), busy.clone(), interactive);

    if cli.loop_cmd {
        busy.store(true, Ordering::SeqCst);
        return plan::command::headless(&mut agent, &settings, cli.max_items).await;
    }
    if cli.print {
        let arg = match &cli.prompt_name {
            Some(name) => {
                let args = cli.prompt.as_deref().unwrap_or("");
                match prompts::run::headless(&lib, name, args).await {
                    Ok((text, mode, effort)) => {
                        let _ = prompts::run::enter_mode(&mut agent.policy, mode);
                        if effort.is_some() {
                            agent.effort = effort;
                        }
                        Some(text)
                    }
                    Err(e) => {
                        render::eprintln(&format!("wisp: {e}"));
                        return 2;
                    }
                }
            }
            None => cli.prompt.clone(),
        };
        let prompt = match one_shot_prompt(arg.as_deref(), stdin_tty) {
            Ok(p) => p,
            Err(e) => {
                render::eprintln(&format!("wisp: {e}"));
                return 2;
            }
        };
        busy.store(true, Ordering::SeqCst);
        let format = cli.output_format.unwrap_or(cli::OutputFormat::Text);
        return print::run(&mut agent, &prompt, format, styled, &settings).await;
    }
    let input = if stdin_tty {
        let mut names = repl::commands::names();
        names.extend(lib.command_names());
        match repl::input::Input::tty(paths::data_dir().join("history"), names) {
            Ok(i) => i,
            Err(e) => {
                render::eprintln(&format!("wisp: {e}"));
                return 1;
            }
        }
    } else {
        repl::input::Input::Piped
    };
    let mut r = repl::Repl::new(agent, settings, input, styled, busy);
    r.step = cli.step;
    if render::screen_reader(plain) {
        r.renderer = render::Renderer::new(false, false, &r.agent.ctx.cwd).screen_reader();
        if cli.raw_markdown || r.settings.raw_markdown {
            r.renderer = r.renderer.raw_markdown();
        }
    } else if render::colourless_terminal(plain, cli.no_color) {
        r.renderer = render::Renderer::new(false, false, &r.agent.ctx.cwd).without_colour();
    }
    r.renderer.bell = cli.bell;
    r.renderer.thinking.full = r.settings.show_thinking;
    r.prompts = lib;
    let first = match cli.prompt_name {
        Some(n) => Some(format!("/prompt {n} {}", cli.prompt.unwrap_or_default())),
        None => cli.prompt,
    };
    r.run(first).await
}

/// The `-p` prompt: the argument, stdin, or the argument followed by stdin.
fn one_shot_prompt(arg: Option<&str>, stdin_tty: bool) -> Result<String, String> {
    let mut piped = String::new();
    if !stdin_tty {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("reading stdin: {e}"))?;
        piped = String::from_utf8_lossy(&bytes).into_owned();
    }
    match (arg, piped.trim().is_empty()) {
        (Some(a), true) => Ok(a.to_string()),
        (Some(a), false) => Ok(format!("{a}\n\n{piped}")),
        (None, false) => Ok(piped),
        (None, true) => Err("no prompt: give one as an argument or on stdin".into()),
    }
}

/// Ctrl-C cancels the running step; when idle in a script it ends wisp.
fn watch_ctrl_c(cancel: agent::cancel::Cancel, busy: Arc<AtomicBool>, interactive: bool) {
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if busy.load(Ordering::SeqCst) {
                cancel.cancel();
            } else if !interactive {
                tools::jobs::stop_all();
                std::process::exit(130);
            }
        }
    });
}

/// Adds a how-to-configure hint when the default (local Ollama) is not there.
pub fn hint_for(settings: &config::Settings, err: &str) -> String {
    if settings.provider_defaulted && err.contains("cannot reach") {
        format!(
            "no provider configured and no Ollama at {} ({}); start Ollama, or set OPENAI_API_KEY and --provider openai (see wisp --help)",
            settings.base_url,
            err.rsplit(": ").next().unwrap_or(err)
        )
    } else {
        err.to_string()
    }
}
