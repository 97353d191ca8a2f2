//! Where hooks come from: the user's `hooks.json` (trusted) and the
//! project's `.wisp/hooks.json`, `.claude/settings.json` and
//! `.claude/settings.local.json` (their `hooks` key), which run only once
//! the user approved them, remembered per file and hash of its hooks.

use super::claude::Matcher;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The events wisp runs hooks for.
pub const EVENTS: [&str; 8] = [
    "SessionStart",
    "SessionEnd",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "Stop",
    "PreCompact",
    "Notification",
];

/// One configured hook.
pub struct Hook {
    pub event: String,
    pub matcher_text: String,
    /// None when the hook can never run here (a bad regex, an event or a
    /// hook type wisp does not run); `note` says why.
    pub matcher: Option<Matcher>,
    pub command: String,
    pub timeout: Duration,
    /// The file it came from, as shown (`.claude/settings.json`).
    pub source: String,
    pub approved: bool,
    pub note: Option<String>,
}

impl Hook {
    pub fn runs(&self) -> bool {
        self.approved && self.matcher.is_some()
    }
}

/// Approved project hook files: a changed `hooks` section asks again.
const APPROVED: crate::trust::Approvals = crate::trust::Approvals("approved-hooks");

/// The hooks of one file's text (its `hooks` key); bad entries are skipped
/// with a warning.
pub fn parse(text: &str, source: &str, approved: bool) -> Result<(Vec<Hook>, Vec<String>), String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut hooks = Vec::new();
    let mut warnings = Vec::new();
    let Some(events) = v.get("hooks").and_then(Value::as_object) else {
        return Ok((hooks, warnings));
    };
    for (event, groups) in events {
        let known = EVENTS.contains(&event.as_str());
        for g in groups.as_array().into_iter().flatten() {
            let matcher_text = g.get("matcher").and_then(Value::as_str).unwrap_or("");
            let valid = match Matcher::parse(matcher_text) {
                Ok(_) => true,
                Err(e) => {
                    warnings.push(format!("{source}: {event}: {e}"));
                    false
                }
            };
            for h in g
                .get("hooks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let kind = h.get("type").and_then(Value::as_str).unwrap_or("command");
                let Some(command) = h.get("command").and_then(Value::as_str) else {
                    if kind == "command" {
                        warnings.push(format!("{source}: {event}: a hook without a command"));
                    }
                    continue;
                };
                let secs = h.get("timeout").and_then(Value::as_f64).unwrap_or(60.0);
                let secs = if secs.is_finite() && secs > 0.0 {
                    secs.min(86_400.0)
                } else {
                    60.0
                };
                let note = if !valid {
                    Some("its matcher is not a valid regex".to_string())
                } else if !known {
                    Some("wisp does not run this event".to_string())
                } else if kind != "command" {
                    Some(format!("wisp runs only command hooks, not `{kind}`"))
                } else {
                    None
                };
                hooks.push(Hook {
                    event: event.clone(),
                    matcher_text: matcher_text.to_string(),
                    matcher: match note {
                        None => Matcher::parse(matcher_text).ok(),
                        Some(_) => None,
                    },
                    command: command.to_string(),
                    timeout: Duration::from_secs_f64(secs),
                    source: source.to_string(),
                    approved,
                    note,
                });
            }
        }
    }
    Ok((hooks, warnings))
}

/// The user's own hooks file.
pub fn user_path() -> PathBuf {
    crate::paths::config_dir().join("hooks.json")
}

/// The project's hook files, relative to its root.
pub const PROJECT_FILES: [&str; 3] = [
    ".wisp/hooks.json",
    ".claude/settings.json",
    ".claude/settings.local.json",
];

/// Reads the four files once at start-up (before the prompt appears, so
/// reading and asking synchronously is fine). Unapproved project hooks are
/// asked about when `can_ask`, else listed but not run, with a warning.
pub fn load(cwd: &Path, can_ask: bool) -> (Vec<Hook>, Vec<String>) {
    let mut hooks = Vec::new();
    let mut warnings = Vec::new();
    let user = user_path();
    let shown = user.display().to_string();
    match std::fs::read_to_string(&user) {
        Ok(text) => match parse(&text, &shown, true) {
            Ok((h, w)) => {
                hooks.extend(h);
                warnings.extend(w);
            }
            Err(e) => warnings.push(format!("{shown}: {e}")),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => warnings.push(format!("{shown}: {e}")),
    }
    // (file, hash of its hooks, its hooks), for project files not yet approved.
    let mut waiting: Vec<(PathBuf, String, Vec<Hook>)> = Vec::new();
    for rel in PROJECT_FILES {
        let path = cwd.join(rel);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let section = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.get("hooks").cloned());
        let hash = crate::trust::hash(
            section
                .map(|s| s.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        let approved = APPROVED.contains(&path, &hash);
        match parse(&text, rel, approved) {
            Ok((h, w)) => {
                warnings.extend(w);
                if approved || h.is_empty() {
                    hooks.extend(h);
                } else {
                    waiting.push((path, hash, h));
                }
            }
            Err(e) => warnings.push(format!("{rel}: {e}")),
        }
    }
    if waiting.is_empty() {
        return (hooks, warnings);
    }
    let yes = can_ask && ask(&waiting);
    for (path, hash, mut h) in waiting {
        if yes {
            if let Err(e) = APPROVED.remember(&path, &hash) {
                warnings.push(format!("could not remember the answer: {e}"));
            }
            h.iter_mut().for_each(|h| h.approved = true);
        } else {
            let n = h.len();
            warnings.push(format!(
                "skipping the {n} hook{} of {}: not approved; run wisp interactively here to approve them",
                if n == 1 { "" } else { "s" },
                h[0].source
            ));
        }
        hooks.extend(h);
    }
    (hooks, warnings)
}

/// Shows every command the project's hooks would run and asks once.
fn ask(waiting: &[(PathBuf, String, Vec<Hook>)]) -> bool {
    crate::render::println("ask: this project's hooks run these commands on your machine:");
    for (_, _, hooks) in waiting {
        for h in hooks {
            crate::render::println(&format!("  {}", super::row(h)));
        }
    }
    crate::render::println("Allow them? [y/N]");
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    matches!(answer.trim(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_claude_codes_shape_and_keeps_what_cannot_run_listed() {
        let text = r#"{"permissions": {}, "hooks": {
            "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./check.sh", "timeout": 5}]}],
            "Stop": [{"hooks": [{"type": "command", "command": "./more.sh"}]}],
            "SubagentStop": [{"hooks": [{"type": "command", "command": "x"}]}],
            "PostToolUse": [{"matcher": "(", "hooks": [{"type": "command", "command": "y"}]}]
        }}"#;
        let (hooks, warnings) = parse(text, ".claude/settings.json", true).expect("parses");
        assert_eq!(hooks.len(), 4);
        let pre = hooks.iter().find(|h| h.event == "PreToolUse").expect("pre");
        assert_eq!(pre.timeout, Duration::from_secs(5));
        assert!(pre.runs());
        let stop = hooks.iter().find(|h| h.event == "Stop").expect("stop");
        assert_eq!(stop.timeout, Duration::from_secs(60));
        assert!(!hooks
            .iter()
            .find(|h| h.event == "SubagentStop")
            .expect("sub")
            .runs());
        assert!(!hooks
            .iter()
            .find(|h| h.event == "PostToolUse")
            .expect("post")
            .runs());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(parse("{", "x", true).is_err());
    }
}
