//! What Tab offers after a slash command's name: its sub-commands or the
//! values it takes (modes, providers, model aliases), instead of file names.

use rustyline::completion::Pair;

/// Fixed arguments of the commands that have them.
fn choices(cmd: &str) -> &'static [&'static str] {
    match cmd {
        "mode" => &["restrictive", "guarded", "accept-edits", "standard", "next"],
        "provider" => &["openai", "openrouter", "anthropic", "gemini", "ollama"],
        "worktree" => &["new", "list", "switch", "back", "diff", "merge", "remove"],
        "plan" => &["show", "edit", "run"],
        "mcp" => &[
            "list", "tools", "restart", "add", "remove", "enable", "disable",
        ],
        "step" => &["on", "off"],
        "undo" => &["--force"],
        _ => &[],
    }
}

/// Completions for the first argument of `/cmd`, given what is typed of it;
/// `models` are extra names for `/model` (config aliases, the current model).
/// None: the command takes free text (complete file names as usual).
pub fn argument(cmd: &str, typed: &str, models: &[String]) -> Option<Vec<Pair>> {
    let fixed = choices(cmd);
    let all: Vec<&str> = if cmd == "model" {
        models.iter().map(String::as_str).collect()
    } else {
        fixed.to_vec()
    };
    if all.is_empty() && cmd != "model" {
        return None;
    }
    Some(
        all.into_iter()
            .filter(|c| c.starts_with(typed))
            .map(|c| Pair {
                display: c.to_string(),
                replacement: format!("{c} "),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: Option<Vec<Pair>>) -> Vec<String> {
        v.unwrap_or_default()
            .into_iter()
            .map(|p| p.display)
            .collect()
    }

    #[test]
    fn arguments_of_commands() {
        assert_eq!(names(argument("mode", "acc", &[])), ["accept-edits"]);
        assert_eq!(
            names(argument("provider", "o", &[])),
            ["openai", "openrouter", "ollama"]
        );
        assert_eq!(names(argument("worktree", "s", &[])), ["switch"]);
        let models = vec!["fast".to_string(), "smart".to_string()];
        assert_eq!(names(argument("model", "s", &models)), ["smart"]);
        assert!(argument("rename", "", &[]).is_none());
    }
}
