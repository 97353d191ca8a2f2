//! Allow rules such as `bash(cargo test*)`, `edit`, `write(src/**)`, `mcp__git__*`.

use crate::tools::ToolKind;
use serde_json::Value;
use std::path::Path;

/// A tool-name pattern with an optional pattern on what the call touches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub tool: String,
    pub arg: Option<String>,
}

impl Rule {
    /// Parses `tool` or `tool(pattern)`; `*` matches any run of characters.
    pub fn parse(s: &str) -> Result<Rule, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty allow rule".into());
        }
        if let Some(rest) = s.strip_prefix("mcp__") {
            let server = rest.split("__").next().unwrap_or("");
            if server.is_empty()
                || !server
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(format!(
                    "allow rule `{s}`: name one MCP server, as in mcp__SERVER__* or mcp__SERVER__TOOL"
                ));
            }
        }
        match s.find('(') {
            None => Ok(Rule {
                tool: s.to_string(),
                arg: None,
            }),
            Some(i) => {
                let Some(inner) = s[i + 1..].strip_suffix(')') else {
                    return Err(format!("allow rule `{s}`: missing `)`"));
                };
                Ok(Rule {
                    tool: s[..i].trim().to_string(),
                    arg: Some(inner.to_string()),
                })
            }
        }
    }

    /// The rule an "always" answer creates: the command's first two words for
    /// bash (`cargo test*`), the exact path for file tools, the whole tool otherwise.
    pub fn always_for(tool: &str, kind: ToolKind, subject: &str) -> Rule {
        let arg = match kind {
            ToolKind::Execute => {
                let words: Vec<&str> = subject.split_whitespace().take(2).collect();
                Some(format!("{}*", words.join(" ")))
            }
            ToolKind::Edit | ToolKind::Read => Some(subject.to_string()),
            _ => None,
        };
        Rule {
            tool: tool.to_string(),
            arg,
        }
    }

    pub fn matches(&self, tool: &str, subject: &str) -> bool {
        let name = match mcp_parts(&self.tool) {
            // An MCP rule names exactly one server: the server part is compared
            // whole, never as a pattern; `mcp__git` alone admits all its tools.
            Some((server, pattern)) => match mcp_parts(tool) {
                Some((s, t)) if s == server => wildcard(pattern.unwrap_or("*"), t.unwrap_or("")),
                _ => false,
            },
            None => wildcard(&self.tool, tool),
        };
        name && self.arg.as_deref().is_none_or(|p| wildcard(p, subject))
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.arg {
            Some(a) => write!(f, "{}({a})", self.tool),
            None => f.write_str(&self.tool),
        }
    }
}

/// `mcp__SERVER__TOOL` split at the first `__` after the server (server
/// names hold no `_`); the tool part is absent for `mcp__SERVER`.
fn mcp_parts(name: &str) -> Option<(&str, Option<&str>)> {
    let rest = name.strip_prefix("mcp__")?;
    Some(match rest.split_once("__") {
        Some((s, t)) => (s, Some(t)),
        None => (rest, None),
    })
}

/// What a rule's argument pattern is matched against: the command for bash,
/// the path relative to the workspace for file tools.
pub fn subject(tool: &str, input: &Value, root: &Path, cwd: &Path) -> String {
    if let Some(c) = input.get("command").and_then(Value::as_str) {
        return c.trim().to_string();
    }
    if let Some(p) = input.get("path").and_then(Value::as_str) {
        let full = crate::tools::resolve_path(cwd, p);
        return match full.strip_prefix(root) {
            Ok(rel) => rel.to_string_lossy().into_owned(),
            Err(_) => full.to_string_lossy().into_owned(),
        };
    }
    let _ = tool;
    String::new()
}

/// Glob-like match where `*` (and `**`) match any run of characters.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            while pi < p.len() && p[pi] == '*' {
                pi += 1;
            }
            star = Some((pi, ti));
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_match() {
        let r = Rule::parse("bash(cargo test*)").expect("parses");
        assert!(r.matches("bash", "cargo test --all"));
        assert!(!r.matches("bash", "cargo build"));
        assert!(!r.matches("edit", "cargo test"));
        let r = Rule::parse("edit").expect("parses");
        assert!(r.matches("edit", "anything"));
        let r = Rule::parse("write(src/**)").expect("parses");
        assert!(r.matches("write", "src/a/b.rs"));
        assert!(!r.matches("write", "tests/a.rs"));
        let r = Rule::parse("mcp__git__*").expect("parses");
        assert!(r.matches("mcp__git__status", ""));
        assert!(!r.matches("mcp__time__now", ""));
        assert!(Rule::parse("bash(oops").is_err());
    }

    #[test]
    fn an_mcp_rule_names_exactly_one_server() {
        let r = Rule::parse("mcp__git__*").expect("parses");
        assert!(r.matches("mcp__git__log", ""));
        assert!(r.matches("mcp__git__x__y", ""));
        assert!(!r.matches("mcp__github__log", ""));
        assert!(!r.matches("mcp__git-evil__log", ""));
        let r = Rule::parse("mcp__git").expect("parses");
        assert!(r.matches("mcp__git__status", ""));
        assert!(!r.matches("mcp__gitlab__status", ""));
        let r = Rule::parse("mcp__git__st*").expect("parses");
        assert!(r.matches("mcp__git__status", ""));
        assert!(!r.matches("mcp__git__log", ""));
        for bad in [
            "mcp__*",
            "mcp__git*",
            "mcp__*__status",
            "mcp__",
            "mcp__a_b__x",
        ] {
            let e = Rule::parse(bad).expect_err(bad);
            assert!(e.contains("name one MCP server"), "{bad}: {e}");
        }
    }

    #[test]
    fn always_rule_is_a_command_prefix() {
        let r = Rule::always_for("bash", ToolKind::Execute, "cargo test -q");
        assert_eq!(r.to_string(), "bash(cargo test*)");
        assert!(r.matches("bash", "cargo test --release"));
        assert!(!r.matches("bash", "cargo build"));
    }
}
