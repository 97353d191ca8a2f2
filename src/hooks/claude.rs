//! Claude Code's vocabulary beside wisp's: tool names, `tool_input` field
//! names, and matchers, so a hook written for Claude Code runs unchanged.

use serde_json::Value;
use std::path::Path;

/// Claude Code's name for a wisp tool (MCP names are already the same).
pub fn tool_name(wisp: &str) -> &str {
    match wisp {
        "bash" => "Bash",
        "read" => "Read",
        "write" => "Write",
        "edit" => "Edit",
        "grep" => "Grep",
        "glob" => "Glob",
        "task" => "Task",
        "bash_output" => "BashOutput",
        "kill_shell" => "KillShell",
        other => other,
    }
}

/// Claude's argument names that wisp spells differently, per tool:
/// (Claude's, wisp's).
fn aliases(tool: &str) -> &'static [(&'static str, &'static str)] {
    match tool {
        "read" | "write" | "edit" => &[("file_path", "path")],
        "bash" => &[("timeout", "timeout_ms")],
        "grep" => &[("-i", "ignore_case"), ("-C", "context")],
        _ => &[],
    }
}

/// The input as a hook sees it: wisp's fields, and Claude's beside them
/// (`file_path` absolute, as Claude Code sends it).
pub fn tool_input(tool: &str, input: &Value, cwd: &Path) -> Value {
    let mut v = input.clone();
    let Some(map) = v.as_object_mut() else {
        return v;
    };
    for (claude, wisp) in aliases(tool) {
        let Some(x) = map.get(*wisp).cloned() else {
            continue;
        };
        let x = match (x, *claude) {
            (Value::String(p), "file_path") => {
                Value::String(crate::tools::resolve_path(cwd, &p).display().to_string())
            }
            (x, _) => x,
        };
        map.insert(claude.to_string(), x);
    }
    v
}

/// A hook's `updatedInput` over the call's input, in wisp's names: its
/// fields replace the call's, and a Claude field it changed replaces the
/// wisp field it stands for.
pub fn updated(tool: &str, original: &Value, sent: &Value, upd: &Value) -> Option<Value> {
    let upd = upd.as_object()?;
    let mut out = original.clone();
    let map = out.as_object_mut()?;
    let alias = aliases(tool);
    for (k, v) in upd {
        if !alias.iter().any(|(c, _)| c == k) {
            map.insert(k.clone(), v.clone());
        }
    }
    for (claude, wisp) in alias {
        if let Some(v) = upd.get(*claude).filter(|v| sent.get(*claude) != Some(*v)) {
            map.insert(wisp.to_string(), v.clone());
        }
    }
    Some(out)
}

/// A hook's `matcher`: everything, exact names (`Edit|Write`), or a regex.
pub enum Matcher {
    All,
    Names(Vec<String>),
    Regex(regex::Regex),
}

impl Matcher {
    /// As Claude Code reads it: empty or `*` matches all; plain names
    /// (letters, digits, `_`, `|`) match exactly; anything else is a regex.
    pub fn parse(s: &str) -> Result<Matcher, String> {
        let s = s.trim();
        if s.is_empty() || s == "*" {
            return Ok(Matcher::All);
        }
        if s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '|')
        {
            return Ok(Matcher::Names(s.split('|').map(str::to_string).collect()));
        }
        regex::Regex::new(s)
            .map(Matcher::Regex)
            .map_err(|e| format!("matcher `{s}` is not a valid regex: {e}"))
    }

    /// Whether any of `subjects` (wisp's name and Claude's) matches.
    pub fn matches(&self, subjects: &[&str]) -> bool {
        match self {
            Matcher::All => true,
            Matcher::Names(n) => subjects.iter().any(|s| n.iter().any(|n| n == s)),
            Matcher::Regex(r) => subjects.iter().any(|s| r.is_match(s)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matchers_take_either_name_and_plain_names_match_whole() {
        let m = Matcher::parse("Edit|Write").expect("parses");
        assert!(m.matches(&["edit", "Edit"]));
        assert!(!m.matches(&["MultiEdit"]));
        let r = Matcher::parse("mcp__git__.*").expect("parses");
        assert!(r.matches(&["mcp__git__log"]));
        assert!(!r.matches(&["bash", "Bash"]));
        assert!(Matcher::parse("").expect("parses").matches(&["x"]));
        assert!(Matcher::parse("*").expect("parses").matches(&["x"]));
        assert!(Matcher::parse("(").is_err());
    }

    #[test]
    fn inputs_carry_claude_fields_and_rewrites_come_back_in_wisps() {
        let cwd = Path::new("/p");
        let input = json!({"path": "a.rs", "old_string": "x", "new_string": "y"});
        let sent = tool_input("edit", &input, cwd);
        assert_eq!(sent["file_path"], "/p/a.rs");
        assert_eq!(sent["path"], "a.rs");
        // A Claude hook changes file_path and sends the rest back as it got it.
        let mut upd = sent.clone();
        upd["file_path"] = json!("/p/b.rs");
        let out = updated("edit", &input, &sent, &upd).expect("object");
        assert_eq!(out["path"], "/p/b.rs");
        assert!(out.get("file_path").is_none());
        // A partial rewrite keeps the other fields.
        let out = updated(
            "bash",
            &json!({"command": "rm x", "timeout_ms": 5}),
            &json!({}),
            &json!({"command": "echo x"}),
        )
        .expect("object");
        assert_eq!(out, json!({"command": "echo x", "timeout_ms": 5}));
        assert_eq!(tool_name("bash"), "Bash");
        assert_eq!(tool_name("mcp__a__b"), "mcp__a__b");
    }
}
