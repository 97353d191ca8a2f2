//! Changing provider and model mid-conversation, and what it has cost:
//! `/provider`, `/model`, `/cost`. The conversation is provider-neutral, so a
//! switch only rebuilds the provider; provider-specific thinking signatures
//! are dropped because no other provider accepts them.

use super::Repl;
use crate::agent::conversation::Block;
use crate::agent::usage::{thousands, Totals};
use crate::provider::{self, http::Http, models, retry, ProviderId};
use crate::render;
use std::time::Duration;

/// `/provider [NAME]`
pub fn provider(repl: &mut Repl, args: &str) {
    if args.is_empty() {
        let active = repl.agent.provider.id();
        let mut rows = Vec::new();
        for p in ProviderId::ALL {
            let mut s = repl.settings.clone();
            s.select(p, None);
            let (key_var, _) = crate::config::env_names(p);
            let status = match (p, &s.api_key) {
                (ProviderId::Ollama, _) => "local".to_string(),
                (_, Some(_)) => "key set".to_string(),
                (_, None) => format!("no key ({key_var})"),
            };
            let mark = if p == active { "*" } else { " " };
            rows.push(format!(
                "{mark} {:<11} {:<28} {}",
                p.as_str(),
                status,
                s.base_url
            ));
        }
        for r in rows {
            render::println(&r);
        }
        return;
    }
    let Some(p) = ProviderId::parse(args) else {
        repl.error(&format!(
            "unknown provider `{args}` (openai, openrouter, anthropic, gemini, ollama)"
        ));
        return;
    };
    switch(repl, p, None);
}

/// Points the agent at provider `p` (and `model`, or that provider's default).
fn switch(repl: &mut Repl, p: ProviderId, model: Option<String>) {
    let mut s = repl.settings.clone();
    s.select(p, model);
    s.provider_defaulted = false;
    match provider::build(&s) {
        Ok(built) => {
            repl.agent.provider = built.into();
            repl.agent.model = s.model.clone();
            drop_thinking(repl);
            let warn = if s.api_key.is_none() && p != ProviderId::Ollama {
                format!(" (no key: set {})", crate::config::env_names(p).0)
            } else {
                String::new()
            };
            if let Some(session) = &mut repl.agent.session {
                session.note_model(p.as_str(), &s.model);
            }
            render::println(&format!("provider: {p} · model {}{warn}", s.model));
            repl.settings = s;
        }
        Err(e) => repl.error(&e),
    }
}

fn drop_thinking(repl: &mut Repl) {
    for m in &mut repl.agent.conv.messages {
        m.content.retain(|b| !matches!(b, Block::Thinking { .. }));
    }
    repl.agent.conv.messages.retain(|m| !m.content.is_empty());
}

/// `/model [NAME]`: lists the provider's models, or switches (aliases too).
pub async fn model(repl: &mut Repl, args: &str) {
    if !args.is_empty() {
        if let Some(a) = repl.settings.aliases.get(args).cloned() {
            let p = a
                .provider
                .as_deref()
                .and_then(ProviderId::parse)
                .unwrap_or(repl.settings.provider);
            switch(repl, p, Some(a.model));
            return;
        }
        repl.agent.model = args.to_string();
        repl.settings.model = args.to_string();
        let provider = repl.agent.provider.id().as_str();
        if let Some(s) = &mut repl.agent.session {
            s.note_model(provider, args);
        }
        render::println(&format!("model: {args}"));
        return;
    }
    let http = Http::new(
        retry::Policy {
            retries: 0,
            ..retry::Policy::default()
        },
        Duration::from_secs(15),
    );
    let current = repl.agent.model.clone();
    let listed = models::list(&repl.settings, &http).await;
    let infos = match listed {
        Ok(list) if !list.is_empty() => list,
        other => {
            let why = match other {
                Err(e) => e,
                _ => "the provider listed none".into(),
            };
            render::println(&format!("could not list models ({why}); some known ones:"));
            models::fallback(repl.settings.provider)
                .iter()
                .map(|id| models::ModelInfo {
                    id: id.to_string(),
                    price: None,
                })
                .collect()
        }
    };
    for m in infos {
        let price = m.price.or_else(|| repl.agent.prices.price(&m.id));
        let price = match price {
            Some(p) => format!("${:.2} in / ${:.2} out per Mtok", p.input, p.output),
            None => String::new(),
        };
        let mark = if m.id == current { "*" } else { " " };
        // Model ids come from the provider's server.
        let id = render::safe::line(&m.id);
        render::println(format!("{mark} {id:<40} {price}").trim_end());
    }
    for (name, a) in &repl.settings.aliases {
        let p = a
            .provider
            .as_deref()
            .unwrap_or(repl.settings.provider.as_str());
        render::println(&format!("  {name:<40} alias for {p} {}", a.model));
    }
}

/// `/cost`: the last calls and the session's totals.
pub fn cost(repl: &Repl) {
    let ledger = &repl.agent.ledger;
    if ledger.total.calls == 0 {
        render::println("no model calls yet");
        return;
    }
    let skip = ledger.total.calls - ledger.recent.len();
    if skip > 0 {
        render::println(&format!("({skip} earlier calls not shown)"));
    }
    for (i, c) in ledger.recent.iter().enumerate() {
        let cost = c
            .cost
            .map(|x| format!("${x:.4}"))
            .unwrap_or_else(|| "?".into());
        render::println(&format!(
            "{:>4}  {:<28} {:>9} in {:>7} out {:>9} cached  {cost}",
            skip + i + 1,
            c.model,
            thousands(c.usage.input),
            thousands(c.usage.output),
            thousands(c.usage.cache_read)
        ));
    }
    render::println(&format!("session: {}", ledger.total.summary()));
}

/// The line printed after each turn.
pub fn turn_line(repl: &Repl, before: &Totals) -> Option<String> {
    let total = &repl.agent.ledger.total;
    if !repl.settings.usage_line || total.calls == before.calls {
        return None;
    }
    Some(format!(
        "{}{}",
        total.since(before).summary(),
        session_cost(total)
    ))
}

/// ` · session $0.0123` (a `+` when some calls had no price), or nothing
/// when no call had a price: `$0.0000` would claim the session was free.
fn session_cost(total: &Totals) -> String {
    match (total.unpriced > 0, total.cost) {
        (true, 0.0) => String::new(),
        (true, c) => format!(" · session ${c:.4}+"),
        (false, c) => format!(" · session ${c:.4}"),
    }
}
