//! `/effort` and `/thinking`: how hard the model thinks, and how much of its
//! thinking the user sees.

use super::Repl;
use crate::provider::effort::Effort;
use crate::render;

/// `/effort [LEVEL|default]`
pub fn effort(repl: &mut Repl, args: &str) {
    match args.trim() {
        "" => {}
        "default" | "unset" => repl.agent.effort = None,
        level => match Effort::parse(level) {
            Some(e) => {
                repl.agent.effort = Some(e);
                // A new choice is worth one more try on a model that refused.
                repl.agent.effort_refused = None;
            }
            None => {
                repl.error(&format!(
                    "unknown effort `{level}` (off, low, medium, high, default)"
                ));
                return;
            }
        },
    }
    render::println(&describe(repl.agent.effort));
}

pub fn describe(e: Option<Effort>) -> String {
    match e {
        Some(e) => format!("effort: {}", e.as_str()),
        None => "effort: default (the provider's own; nothing is sent)".to_string(),
    }
}

/// `/thinking [on|off]`
pub fn thinking(repl: &mut Repl, args: &str) {
    let t = &mut repl.renderer.thinking;
    match args.trim() {
        "on" => t.full = true,
        "off" => t.full = false,
        "" => t.full = !t.full,
        other => {
            repl.error(&format!("/thinking takes on or off, not `{other}`"));
            return;
        }
    }
    render::println(if repl.renderer.thinking.full {
        "thinking: shown in full"
    } else {
        "thinking: one summary line"
    });
}
