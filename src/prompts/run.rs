//! Running library prompts: `/NAME`, `/prompt NAME`, `/prompts` and `/help`
//! in the REPL, and `-p --prompt NAME` headless.

use super::Library;
use crate::permissions::{Mode, Policy};
use crate::render;
use crate::repl::Repl;

/// Whether `name` is one of the REPL's own commands (those win over prompts).
pub fn is_builtin_command(name: &str) -> bool {
    name == "exit"
        || crate::repl::commands::COMMANDS
            .iter()
            .any(|c| c.name == name)
}

/// The permission state before a prompt changed it.
pub struct SavedMode {
    mode: Mode,
    yolo: bool,
}

/// Switches to a prompt's mode for its run. A prompt may only make things
/// stricter: a project file must not be a way around the user's choice of mode.
pub fn enter_mode(policy: &mut Policy, want: Option<Mode>) -> Option<SavedMode> {
    let want = want?;
    let saved = SavedMode {
        mode: policy.mode,
        yolo: policy.yolo,
    };
    if want < policy.mode {
        policy.mode = want;
    }
    policy.yolo = false;
    Some(saved)
}

pub fn leave_mode(policy: &mut Policy, saved: Option<SavedMode>) {
    if let Some(s) = saved {
        policy.mode = s.mode;
        policy.yolo = s.yolo;
    }
}

/// Runs prompt `name` with `args` as a turn; false when there is no such prompt.
pub async fn invoke(repl: &mut Repl, name: &str, args: &str) -> bool {
    let Some(p) = repl.prompts.get(name) else {
        return false;
    };
    let mode = p.mode;
    let effort = p.effort;
    let text = match p.expand(args).await {
        Ok(t) => t,
        Err(e) => {
            repl.error(&format!("/{name}: {e}"));
            return true;
        }
    };
    let saved = enter_mode(&mut repl.agent.policy, mode);
    if saved.is_some() {
        let m = repl.agent.policy.mode.as_str();
        repl.renderer
            .note(&format!("{name}: {m} mode until this prompt ends"));
    }
    let session_effort = repl.agent.effort;
    if effort.is_some() {
        repl.agent.effort = effort;
    }
    repl.run_turn(&text).await;
    repl.agent.effort = session_effort;
    leave_mode(&mut repl.agent.policy, saved);
    true
}

/// `/prompt NAME args`; without a name, the list.
pub async fn prompt_command(repl: &mut Repl, args: &str) {
    let (name, rest) = match args.split_once(char::is_whitespace) {
        Some((n, r)) => (n, r.trim()),
        None => (args, ""),
    };
    if name.is_empty() {
        list(&repl.prompts);
    } else if !invoke(repl, name, rest).await {
        repl.error(&format!("unknown prompt `{name}` (see /prompts)"));
    }
}

/// `/prompts`: name, where it comes from, description.
pub fn list(lib: &Library) {
    let wn = lib.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let ws = lib
        .iter()
        .map(|p| p.source.label().len())
        .max()
        .unwrap_or(0);
    for p in lib.iter() {
        // Names and descriptions come from repository files and MCP servers.
        render::println(&format!(
            "{:wn$}  {:ws$}  {}",
            render::safe::line(&p.name),
            p.source.label(),
            render::safe::line(&p.description)
        ));
    }
    if lib.iter().next().is_none() {
        render::println("no prompts");
    }
}

/// The prompts section of `/help`.
pub fn help(lib: &Library) {
    let rows: Vec<(String, std::borrow::Cow<str>)> = lib
        .iter()
        .map(|p| {
            let call = if is_builtin_command(&p.name) {
                format!("/prompt {}", p.name)
            } else {
                format!("/{}", p.name)
            };
            let left = match &p.arguments {
                Some(a) if !a.is_empty() => format!("{call} {a}"),
                _ => call,
            };
            (
                render::safe::line(&left).into_owned(),
                render::safe::line(&p.description),
            )
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    render::println("\nPrompts (/prompts shows where each comes from):");
    let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let width = render::width();
    for (left, desc) in rows {
        let head = format!("{left:w$}  ");
        render::println(&render::style::hanging(&head, &desc, width));
    }
}

/// `-p --prompt NAME args`: the text to send, and the mode and effort to run under.
pub async fn headless(
    lib: &Library,
    name: &str,
    args: &str,
) -> Result<
    (
        String,
        Option<Mode>,
        Option<crate::provider::effort::Effort>,
    ),
    String,
> {
    let p = lib.get(name).ok_or_else(|| {
        let names: Vec<&str> = lib.iter().map(|p| p.name.as_str()).collect();
        format!(
            "--prompt: unknown prompt `{name}` (available: {})",
            names.join(", ")
        )
    })?;
    Ok((p.expand(args).await?, p.mode, p.effort))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_prompt_mode_only_lowers_and_is_restored() {
        let mut policy = Policy::new(Mode::Standard, Path::new("/tmp"));
        policy.yolo = true;
        let saved = enter_mode(&mut policy, Some(Mode::Guarded));
        assert_eq!((policy.mode, policy.yolo), (Mode::Guarded, false));
        leave_mode(&mut policy, saved);
        assert_eq!((policy.mode, policy.yolo), (Mode::Standard, true));

        let mut policy = Policy::new(Mode::Restrictive, Path::new("/tmp"));
        let saved = enter_mode(&mut policy, Some(Mode::Standard));
        assert_eq!(policy.mode, Mode::Restrictive, "never raised");
        leave_mode(&mut policy, saved);
        assert!(enter_mode(&mut policy, None).is_none());
    }
}
