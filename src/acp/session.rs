//! ACP sessions: one [`Agent`] per session, built against the session's cwd;
//! prompt content blocks into conversation blocks; slash commands typed into
//! the editor's prompt; permission modes as session modes.

use super::rpc::RpcError;
use crate::agent::cancel::Cancel;
use crate::agent::conversation::Block;
use crate::agent::Agent;
use crate::config::Settings;
use crate::permissions::Mode;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub struct Session {
    pub id: String,
    pub cwd: PathBuf,
    /// None while a prompt runs (the prompt task holds it).
    pub agent: RefCell<Option<Agent>>,
    pub cancel: Cancel,
    /// A mode set while a prompt ran; applied when it ends.
    pub pending_mode: Cell<Option<Mode>>,
    pub current_call: Rc<RefCell<String>>,
    /// The editor terminal running the current call, if any (call id, terminal id).
    pub call_terminal: Rc<RefCell<Option<(String, String)>>>,
    pub rejected: Rc<RefCell<HashSet<String>>>,
    /// The prompt library for the session's directory (`/NAME args`).
    pub prompts: Rc<crate::prompts::Library>,
    /// Whether the session's SessionStart hooks ran (with its first prompt).
    pub hooks_started: Cell<bool>,
}

/// A directory the client names (`session/list`): absolute, as the ACP spec requires, and an
/// existing directory; returned canonical.
pub fn resolve_cwd(given: &str) -> Result<PathBuf, RpcError> {
    let shown = crate::render::safe::line(given).into_owned();
    if !Path::new(given).is_absolute() {
        return Err(RpcError::params(format!(
            "cwd `{shown}` must be an absolute path"
        )));
    }
    let p =
        std::fs::canonicalize(given).map_err(|e| RpcError::params(format!("cwd {shown}: {e}")))?;
    if !p.is_dir() {
        return Err(RpcError::params(format!("cwd {shown} is not a directory")));
    }
    Ok(p)
}

/// A session's working directory, which becomes its workspace boundary: as `resolve_cwd`, and
/// never `/` or the home directory itself, where the boundary would cover every file the user has.
pub fn session_cwd(given: &str) -> Result<PathBuf, RpcError> {
    let p = resolve_cwd(given)?;
    let home = std::env::var_os("HOME").and_then(|h| std::fs::canonicalize(h).ok());
    if p.parent().is_none() || home.as_deref() == Some(p.as_path()) {
        return Err(RpcError::params(format!(
            "cwd {} is too broad for a workspace (every file below it could be edited without asking); open a project directory",
            crate::render::safe::line(&p.display().to_string())
        )));
    }
    Ok(p)
}

/// Settings for a session: the user's, then the project's `.wisp/config.toml`
/// (what it raises only when already trusted: nobody can confirm here), then flags.
pub fn settings_for(
    base: &Settings,
    cwd: &Path,
    cli: &crate::cli::Cli,
) -> Result<Settings, String> {
    let mut s = base.clone();
    if let Some(pc) = crate::trust::load(cwd, &s)? {
        let trusted = pc.raises.is_empty() || crate::trust::TRUSTED.contains(cwd, &pc.hash);
        for n in crate::trust::notes(&pc, trusted, "run wisp interactively there to confirm") {
            eprintln!(
                "wisp acp: {}: {n}",
                crate::render::safe::line(&cwd.display().to_string())
            );
        }
        crate::trust::apply(&mut s, pc, trusted);
    }
    if let Some(m) = &cli.mode {
        s.mode = m.clone();
    }
    if let Some(m) = &cli.model {
        s.model = m.clone();
    }
    Ok(s)
}

/// The four permission modes as ACP session modes.
pub fn modes(current: Mode) -> Value {
    let available: Vec<Value> = Mode::ALL
        .iter()
        .map(|m| json!({"id": m.as_str(), "name": m.as_str(), "description": m.describe()}))
        .collect();
    json!({"currentModeId": current.as_str(), "availableModes": available})
}

/// Prompt blocks as conversation blocks: text as is, embedded text resources
/// inlined with their URI, links named, images kept as images.
pub fn blocks(prompt: &Value) -> Result<Vec<Block>, RpcError> {
    let items = prompt
        .as_array()
        .ok_or_else(|| RpcError::params("prompt must be an array of content blocks"))?;
    let mut out = Vec::with_capacity(items.len());
    for b in items {
        let s = |k: &str| b.get(k).and_then(Value::as_str);
        let block = match s("type") {
            Some("text") => Block::Text {
                text: s("text").unwrap_or_default().to_string(),
            },
            Some("image") => match (s("data"), s("mimeType")) {
                (Some(d), Some(m)) => Block::Image {
                    media_type: m.to_string(),
                    data: d.to_string(),
                },
                _ => return Err(RpcError::params("image blocks need data and mimeType")),
            },
            Some("resource_link") => {
                let uri = s("uri").ok_or_else(|| RpcError::params("resource_link needs a uri"))?;
                Block::Text {
                    text: format!(
                        "[Referenced: {}]",
                        uri.strip_prefix("file://").unwrap_or(uri)
                    ),
                }
            }
            Some("resource") => {
                let r = &b["resource"];
                let uri = r["uri"].as_str().unwrap_or("");
                let text = match r["text"].as_str() {
                    Some(t) => format!("<context uri=\"{uri}\">\n{t}\n</context>"),
                    None => format!("[Attached binary resource {uri}, not shown]"),
                };
                Block::Text { text }
            }
            Some(other) => {
                return Err(RpcError::params(format!(
                    "unsupported content block `{other}`"
                )))
            }
            None => return Err(RpcError::params("a content block needs a type")),
        };
        out.push(block);
    }
    Ok(out)
}

/// Slash commands that make sense inside an editor.
pub const ACP_COMMANDS: &[&str] = &["help", "clear", "mode", "tools", "cost", "hooks"];

/// `available_commands_update` from the REPL's command table and the
/// library's prompts (the REPL's own commands win a name clash, as there).
pub fn available_commands(lib: &crate::prompts::Library) -> Value {
    let prompts = crate::prompts::available_commands(lib)
        .into_iter()
        .filter(|(name, ..)| !crate::prompts::run::is_builtin_command(name))
        .map(|(name, description, hint)| {
            let mut v = json!({"name": name, "description": description});
            if let Some(h) = hint.filter(|h| !h.is_empty()) {
                v["input"] = json!({"hint": h});
            }
            v
        });
    let cmds: Vec<Value> = crate::repl::commands::COMMANDS
        .iter()
        .filter(|c| ACP_COMMANDS.contains(&c.name))
        .map(|c| {
            let mut v = json!({"name": c.name, "description": c.help});
            if !c.args.is_empty() {
                v["input"] = json!({"hint": c.args});
            }
            v
        })
        .chain(prompts)
        .collect();
    json!({"sessionUpdate": "available_commands_update", "availableCommands": cmds})
}

/// What a slash command did: text to show, and the new mode when it changed.
pub struct SlashResult {
    pub text: String,
    pub mode_changed: bool,
}

/// Runs `/name args` when the prompt is one; None when it is not a known command.
pub fn slash(agent: &mut Agent, text: &str) -> Option<SlashResult> {
    let rest = text.trim().strip_prefix('/')?;
    let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if !ACP_COMMANDS.contains(&name) {
        return None;
    }
    let args = args.trim();
    let mut mode_changed = false;
    let text = match name {
        "help" => crate::repl::commands::COMMANDS
            .iter()
            .filter(|c| ACP_COMMANDS.contains(&c.name))
            .map(|c| {
                format!(
                    "- `/{}` {}\n",
                    format!("{} {}", c.name, c.args).trim(),
                    c.help
                )
            })
            .collect(),
        "clear" => {
            agent.conv.messages.clear();
            "conversation cleared".to_string()
        }
        "tools" => agent
            .tools
            .iter()
            .map(|t| {
                format!(
                    "- `{}` ({}): {}\n",
                    t.name(),
                    t.kind().as_str(),
                    t.description()
                )
            })
            .collect(),
        "hooks" => crate::hooks::listing(agent.hooks.as_ref())
            .iter()
            .map(|l| format!("- {l}\n"))
            .collect(),
        "cost" => {
            let t = agent.ledger.total;
            let cost = if t.unpriced > 0 {
                "unknown cost".to_string()
            } else {
                format!("${:.4}", t.cost)
            };
            format!(
                "{} tokens in, {} out; {cost}",
                t.usage.input, t.usage.output
            )
        }
        _ => {
            let policy = &mut agent.policy;
            let m = match args {
                "" => Some(policy.mode),
                "next" => Some(policy.mode.next()),
                n => Mode::parse(n),
            };
            match m {
                Some(m) => {
                    mode_changed = m != policy.mode;
                    policy.mode = m;
                    format!("mode: {} ({})", m.as_str(), m.describe())
                }
                None => {
                    format!("unknown mode `{args}` (restrictive, guarded, accept-edits, standard)")
                }
            }
        }
    };
    Some(SlashResult { text, mode_changed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_blocks_become_conversation_blocks() {
        let b = blocks(&json!([
            {"type": "text", "text": "explain"},
            {"type": "resource", "resource": {"uri": "file:///p/a.rs", "text": "fn a() {}"}},
            {"type": "resource_link", "uri": "file:///p/b.rs", "name": "b.rs"},
            {"type": "image", "data": "AAAA", "mimeType": "image/png"},
        ]))
        .expect("valid");
        assert_eq!(b.len(), 4);
        match &b[1] {
            Block::Text { text } => {
                assert!(text.contains("file:///p/a.rs") && text.contains("fn a() {}"))
            }
            other => panic!("{other:?}"),
        }
        match &b[2] {
            Block::Text { text } => assert!(text.contains("/p/b.rs")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(&b[3], Block::Image { media_type, .. } if media_type == "image/png"));
        assert!(blocks(&json!([{"type": "audio"}])).is_err());
        assert!(blocks(&json!("hi")).is_err());
    }

    #[test]
    fn cwd_must_be_an_absolute_existing_project_directory() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(d.path().join("sub")).expect("mkdir");
        std::fs::write(d.path().join("f"), "").expect("write");
        let sub = d.path().join("sub");
        let got = session_cwd(&sub.display().to_string()).expect("resolves");
        assert_eq!(got, std::fs::canonicalize(&sub).expect("canon"));
        for bad in ["sub", ".", "..", "/", "/definitely/missing"] {
            assert!(session_cwd(bad).is_err(), "{bad}");
        }
        assert!(session_cwd(&d.path().join("f").display().to_string()).is_err());
        assert!(session_cwd(&format!("{}/sub/..", d.path().display())).is_ok());
        if let Some(home) = std::env::var_os("HOME").filter(|h| Path::new(h).is_dir()) {
            assert!(session_cwd(&home.to_string_lossy()).is_err());
        }
    }
}
