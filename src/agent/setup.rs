//! Builds an [`Agent`] from resolved settings.

use super::conversation::Conversation;
use super::Agent;
use crate::config::Settings;
use crate::permissions::{rules::Rule, Mode, Policy};
use crate::provider;
use crate::tools::{Registry, ToolCtx};
use std::path::PathBuf;

pub fn build(settings: &Settings, cwd: PathBuf, yolo: bool) -> Result<Agent, String> {
    let provider = provider::build(settings)?;
    let mode =
        Mode::parse(&settings.mode).ok_or_else(|| format!("unknown mode `{}`", settings.mode))?;
    let mut policy = Policy::new(mode, &cwd);
    policy.yolo = yolo;
    policy.safe_commands = settings.safe_commands.clone();
    policy.protected = settings.protected.clone();
    policy.sandboxed = settings.sandbox.holds();
    let mut sandbox = settings.sandbox.clone();
    // A key may live in a variable of any name: those never reach commands either.
    sandbox.secret_vars = (settings.providers.values())
        .filter_map(|p| p.api_key_env.clone())
        .collect();
    for r in &settings.allow {
        policy.allow.push(Rule::parse(r)?);
    }
    let session = crate::session::Session::new(&cwd, settings.provider.as_str(), &settings.model);
    let conv = Conversation {
        system: String::new(),
        messages: Vec::new(),
    };
    let mut agent = Agent {
        conv,
        provider: provider.into(),
        model: settings.model.clone(),
        tools: Registry::builtin(),
        policy,
        ctx: ToolCtx {
            sandbox,
            ..ToolCtx::new(cwd)
        },
        ledger: Default::default(),
        prices: crate::provider::pricing::Table {
            overrides: settings.prices.clone(),
        },
        max_tokens: settings.max_tokens,
        effort: settings.effort,
        effort_refused: None,
        skills: String::new(),
        mcp: None,
        session: None,
        subagents: None,
        limits: crate::session::compact::Limits::new(
            &settings.model,
            settings.context_window,
            settings.compact_threshold,
        ),
        hooks: None,
    };
    agent.set_session(session);
    agent.rebuild_system();
    Ok(agent)
}
