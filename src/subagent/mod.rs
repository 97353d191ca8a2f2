//! Agent definitions for the `task` tool: the built-in `explore`, and
//! markdown files with front matter in Claude Code's format (`name`,
//! `description`, `tools`, `model`, `mode` or `permissionMode`; the body is
//! the system prompt), so existing `.claude/agents/*.md` files work.
//!
//! Sources, later winning over earlier: `~/.claude/agents/`,
//! `$XDG_CONFIG_HOME/wisp/agents/`, then the project's `.claude/agents/` and
//! `.wisp/agents/`. Like project prompts, a project agent can only narrow
//! what runs: its mode only lowers the parent's, its tools only select.

use crate::agent::child::{AgentDef, Subagents};
use crate::agent::Agent;
use crate::permissions::Mode;
use std::path::Path;
use std::rc::Rc;

const EXPLORE_PROMPT: &str = "You explore a codebase to answer one question. Find files with glob, search with grep, read what matters, and use bash only for read-only commands (ls, git log, git grep, wc). You cannot change anything. Answer with what you found: file paths with line numbers, and the few facts that answer the question.";

fn explore() -> AgentDef {
    AgentDef {
        name: "explore".into(),
        description: "Read-only search of the code (read, grep, glob, read-only bash); reports what it finds.".into(),
        tools: Some(["read", "grep", "glob", "bash"].map(String::from).to_vec()),
        model: None,
        mode: None,
        effort: None,
        prompt: EXPLORE_PROMPT.into(),
        read_only: true,
        source: "built-in".into(),
    }
}

/// Every definition: the built-in first, then each source's files by name.
pub fn load(cwd: &Path, home: &Path, config: &Path) -> (Vec<AgentDef>, Vec<String>) {
    let mut defs = vec![explore()];
    let mut warnings = Vec::new();
    let sources = [
        (home.join(".claude/agents"), "user (~/.claude/agents)"),
        (config.join("agents"), "user"),
        (cwd.join(".claude/agents"), "project (.claude/agents)"),
        (cwd.join(".wisp/agents"), "project"),
    ];
    for (dir, label) in sources {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "md") && p.is_file())
            .collect();
        paths.sort();
        for path in paths {
            match read(&path).and_then(|t| parse(&t, label, &mut warnings)) {
                Ok(def) => match defs.iter_mut().find(|d| d.name == def.name) {
                    Some(old) => *old = def,
                    None => defs.push(def),
                },
                Err(e) => warnings.push(format!("skipped agent {}: {e}", path.display())),
            }
        }
    }
    (defs, warnings)
}

fn read(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > 256 * 1024 {
        return Err("larger than 256 KiB".into());
    }
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// Claude Code's tool names, and wisp's own, as wisp tool names. None for a
/// tool wisp does not have.
fn tool_name(t: &str) -> Option<&str> {
    // `Bash(git:*)` style arguments narrow permissions in Claude; the tool is what counts.
    let t = t.split('(').next().unwrap_or(t).trim();
    Some(match t {
        "Read" | "read" => "read",
        "Write" | "write" => "write",
        "Edit" | "MultiEdit" | "edit" => "edit",
        "Bash" | "bash" => "bash",
        "Grep" | "grep" => "grep",
        "Glob" | "LS" | "glob" => "glob",
        "TodoWrite" | "update_plan" => "update_plan",
        "BashOutput" | "bash_output" => "bash_output",
        "KillShell" | "KillBash" | "kill_shell" => "kill_shell",
        "Skill" | "skill" => "skill",
        t if t.starts_with("mcp__") => t,
        _ => return None,
    })
}

/// Claude's `permissionMode` values and wisp's modes. `default`,
/// `bypassPermissions` and `dontAsk` keep the parent's mode (a file can
/// never raise it).
fn mode(v: &str) -> Result<Option<Mode>, String> {
    Ok(match v {
        "acceptEdits" => Some(Mode::AcceptEdits),
        "plan" => Some(Mode::Guarded),
        "default" | "bypassPermissions" | "dontAsk" | "inherit" | "" => None,
        other => Some(Mode::parse(other).ok_or_else(|| {
            format!("unknown mode `{other}` (restrictive, guarded, accept-edits, standard, or Claude's permissionMode)")
        })?),
    })
}

/// One agent file. Unknown keys are ignored so files written for other
/// tools load; a missing name or description is an error, as in Claude Code.
fn parse(text: &str, source: &str, warnings: &mut Vec<String>) -> Result<AgentDef, String> {
    let fm = crate::front_matter::split(text)?
        .ok_or("no front matter (`---` with name and description)")?;
    let (mut name, mut description, mut model, mut md) = (None, None, None, None);
    let mut tools: Option<Vec<String>> = None;
    let mut effort = None;
    for (key, value) in &fm.fields {
        match key.as_str() {
            "name" => name = Some(value.text()),
            "description" => description = Some(value.text()),
            "model" => model = Some(value.text()),
            "mode" | "permissionMode" => md = mode(&value.text())?,
            "effort" => {
                let value = value.text();
                effort = Some(
                    crate::provider::effort::Effort::parse(&value).ok_or_else(|| {
                        format!("unknown effort `{value}` (off, low, medium, high)")
                    })?,
                )
            }
            "tools" => tools = Some(value.items()),
            _ => {}
        }
    }
    let name = name.filter(|n| !n.trim().is_empty()).ok_or("no `name`")?;
    if name.contains(|c: char| c.is_whitespace() || c == '/' || c == '#') {
        return Err(format!("name `{name}` must be one word"));
    }
    let description = description
        .filter(|d| !d.trim().is_empty())
        .ok_or("no `description`")?;
    let tools = tools.map(|list| {
        let mut out: Vec<String> = Vec::new();
        for t in list {
            match tool_name(&t) {
                Some(n) if !out.iter().any(|o| o == n) => out.push(n.to_string()),
                Some(_) => {}
                None => warnings.push(format!("agent {name}: no tool `{t}` in wisp; left out")),
            }
        }
        out
    });
    // Claude's model aliases name Anthropic models; elsewhere they mean "the
    // parent's model", as `inherit` does.
    let model = model.filter(|m| {
        !matches!(
            m.as_str(),
            "" | "inherit" | "sonnet" | "opus" | "haiku" | "opusplan"
        )
    });
    Ok(AgentDef {
        name,
        description,
        tools,
        model,
        mode: md,
        effort,
        prompt: fm.body.trim().to_string(),
        read_only: false,
        source: source.to_string(),
    })
}

/// Loads the definitions for `agent`'s directory and gives it the `task`
/// tool; returns warnings for files that were skipped.
pub fn attach(agent: &mut Agent, max_parallel: usize, max_steps: u32) -> Vec<String> {
    let (defs, warnings) = load(
        &agent.ctx.cwd,
        &crate::paths::home(),
        &crate::paths::config_dir(),
    );
    let list: Vec<(String, String)> = defs
        .iter()
        .map(|d| (d.name.clone(), d.description.clone()))
        .collect();
    agent
        .tools
        .add(Rc::new(crate::tools::task::Task::new(&list, max_parallel)));
    agent.subagents = Some(Rc::new(Subagents::new(defs, max_parallel, max_steps)));
    warnings
}

/// `/agents`: name, source, tools, model, description.
pub fn list(subs: Option<&Subagents>) -> Vec<String> {
    let Some(subs) = subs else {
        return vec!["no agents".into()];
    };
    let w = subs.defs.iter().map(|d| d.name.len()).max().unwrap_or(0);
    subs.defs
        .iter()
        .map(|d| {
            let tools = match &d.tools {
                Some(t) => t.join(","),
                None => "all tools".into(),
            };
            let mut extra = String::new();
            if let Some(m) = &d.model {
                extra.push_str(&format!(" · model {m}"));
            }
            if let Some(m) = d.mode {
                extra.push_str(&format!(" · {} mode", m.as_str()));
            }
            if d.read_only {
                extra.push_str(" · read-only");
            }
            format!(
                "{:w$}  {} · {tools}{extra}\n{:w$}  {}",
                d.name, d.source, "", d.description
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_code_files_parse_with_their_tool_names() {
        let mut w = Vec::new();
        let d = parse(
            "---\nname: reviewer\ndescription: Reviews code\ntools: Read, Grep, WebFetch\nmodel: sonnet\npermissionMode: plan\n---\nYou review.\n",
            "project",
            &mut w,
        )
        .expect("parses");
        assert_eq!(d.name, "reviewer");
        assert_eq!(d.tools, Some(vec!["read".to_string(), "grep".to_string()]));
        assert_eq!(d.model, None, "a Claude alias means the parent's model");
        assert_eq!(d.mode, Some(Mode::Guarded));
        assert_eq!(d.prompt, "You review.");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("WebFetch"));

        let d = parse(
            "---\nname: fixer\ndescription: Fixes\ntools:\n  - Bash\n  - Edit\nmodel: gpt-test\n---\nbody",
            "user",
            &mut w,
        )
        .expect("parses");
        assert_eq!(d.tools, Some(vec!["bash".to_string(), "edit".to_string()]));
        assert_eq!(d.model.as_deref(), Some("gpt-test"));

        let d = parse("---\nname: all\ndescription: d\n---\n", "user", &mut w).expect("parses");
        assert_eq!(d.tools, None, "no tools line: the parent's tools");
    }

    #[test]
    fn bad_files_say_why() {
        let mut w = Vec::new();
        assert!(parse("no front matter", "u", &mut w)
            .unwrap_err()
            .contains("front matter"));
        assert!(parse("---\nname: x\n---\n", "u", &mut w)
            .unwrap_err()
            .contains("description"));
        assert!(parse(
            "---\nname: x\ndescription: d\nmode: god\n---\n",
            "u",
            &mut w
        )
        .unwrap_err()
        .contains("unknown mode"));
        assert!(parse("---\nname: x\ndescription: d\n", "u", &mut w)
            .unwrap_err()
            .contains("closing"));
    }

    #[test]
    fn later_sources_override_and_explore_is_built_in() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        let cwd = dir.path().join("p");
        std::fs::create_dir_all(home.join(".claude/agents")).unwrap();
        std::fs::create_dir_all(cwd.join(".claude/agents")).unwrap();
        std::fs::write(
            home.join(".claude/agents/a.md"),
            "---\nname: helper\ndescription: user one\n---\n",
        )
        .unwrap();
        std::fs::write(
            cwd.join(".claude/agents/a.md"),
            "---\nname: helper\ndescription: project one\n---\n",
        )
        .unwrap();
        std::fs::write(cwd.join(".claude/agents/bad.md"), "oops").unwrap();
        let (defs, warnings) = load(&cwd, &home, &dir.path().join("cfg"));
        assert_eq!(defs[0].name, "explore");
        assert!(defs[0].read_only);
        let h: Vec<_> = defs.iter().filter(|d| d.name == "helper").collect();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].description, "project one");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }
}
