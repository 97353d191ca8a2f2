//! `/context` (how full the model's window is, and with what) and
//! `/compact [instructions]` (summarise older turns to make room).

use super::Repl;
use crate::render;
use crate::session::compact;

pub fn show(repl: &mut Repl) {
    let a = &repl.agent;
    let (system, tools, history, results) = compact::breakdown(a);
    let estimated = system + tools + history + results;
    let used = compact::used(a);
    let window = a.limits.window;
    let pct = |n: u64| match window {
        Some(w) if w > 0 => format!(" ({:.1}%)", n as f64 * 100.0 / w as f64),
        _ => String::new(),
    };
    let used_line = match used {
        Some(u) => format!("{u} tokens (last usage report){}", pct(u)),
        None => format!(
            "~{estimated} tokens (estimated; no usage report yet){}",
            pct(estimated)
        ),
    };
    render::println(&format!("context: {used_line}"));
    match window {
        Some(w) => render::println(&format!(
            "window:  {w} tokens ({}); compacts at {}%",
            a.model, a.limits.threshold
        )),
        None => render::println(&format!(
            "window:  unknown for {} (set context_window in config.toml)",
            a.model
        )),
    }
    for (what, n) in [
        ("system prompt", system),
        ("tools", tools),
        ("history", history),
        ("tool results", results),
    ] {
        render::println(&format!("  {what:14} ~{n} tokens{}", pct(n)));
    }
}

pub async fn compact(repl: &mut Repl, args: &str) {
    repl.agent.ctx.cancel.reset();
    let before = compact::breakdown(&repl.agent);
    repl.hooked(super::Moment::Compact(args)).await;
    match compact::compact(&mut repl.agent, args, 2).await {
        Ok((from, to)) => {
            repl.hooked(super::Moment::Start("compact")).await;
            let after = compact::breakdown(&repl.agent);
            let sum = |b: (u64, u64, u64, u64)| b.2 + b.3;
            render::println(&format!(
                "compacted: {from} messages → {to} (history ~{} → ~{} tokens); the full history stays in the transcript",
                sum(before),
                sum(after)
            ));
        }
        Err(e) => repl.error(&e),
    }
}
