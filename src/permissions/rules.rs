//! Allow rules such as `bash(cargo test*)`, `edit`, `write(src/**)`, `mcp__git__*`.

use super::shell;
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

    /// The rule an "always" answer creates, never wider than what the user
    /// saw: for a command, its program and subcommand (`cargo test*`) when
    /// the program has subcommands, else the whole command; the exact path
    /// for file tools; the whole tool otherwise.
    pub fn always_for(tool: &str, kind: ToolKind, subject: &str) -> Rule {
        let arg = match kind {
            ToolKind::Execute => Some(always_command(subject)),
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

    /// Whether the rule admits a shell command. A rule without a pattern
    /// admits any; a pattern naming one command admits a line only when it
    /// matches each simple command in it, none reading or writing a file
    /// through a redirection; a pattern of several commands (what "always"
    /// remembers for a list) admits exactly that line.
    pub fn admits_command(&self, tool: &str, command: &str) -> bool {
        if !wildcard(&self.tool, tool) {
            return false;
        }
        let Some(pat) = self.arg.as_deref() else {
            return true;
        };
        if !one_command(pat) {
            return command.trim() == pat.trim();
        }
        let pat = pat.split_whitespace().collect::<Vec<_>>().join(" ");
        match shell::commands(command) {
            Ok(cmds) if !cmds.is_empty() => cmds.iter().all(|c| {
                let p = &c.words[0];
                c.harmless_redirs()
                    && !(p.var || p.lead || p.tilde || p.text.contains(char::is_whitespace))
                    && command_match(&pat, &c.text())
            }),
            _ => false,
        }
    }
}

/// Programs whose first argument is a subcommand ("always" remembers both).
const SUBCOMMANDS: &[&str] = &[
    "cargo",
    "git",
    "npm",
    "pnpm",
    "yarn",
    "bun",
    "deno",
    "go",
    "make",
    "just",
    "docker",
    "podman",
    "kubectl",
    "helm",
    "pip",
    "pip3",
    "uv",
    "poetry",
    "dotnet",
    "mvn",
    "gradle",
    "rustup",
    "gh",
    "terraform",
    "bundle",
    "rake",
    "mix",
    "swift",
    "zig",
    "nix",
];

/// The command pattern an "always" answer remembers.
fn always_command(command: &str) -> String {
    let Ok(cmds) = shell::commands(command) else {
        return command.trim().to_string();
    };
    let [cmd] = cmds.as_slice() else {
        return command.trim().to_string();
    };
    if !cmd.harmless_redirs() || !cmd.redirs.is_empty() {
        return command.trim().to_string();
    }
    let clean = |w: &shell::Word| !(w.var || w.glob || w.tilde || w.lead);
    let plain = |w: &shell::Word| {
        clean(w)
            && w.text.starts_with(|c: char| c.is_ascii_lowercase())
            && w.text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if let [prog, sub, ..] = cmd.words.as_slice() {
        if clean(prog) && SUBCOMMANDS.contains(&prog.text.as_str()) && plain(sub) {
            return format!("{} {}*", prog.text, sub.text);
        }
    }
    // The whole command, its `*` and `\` taken literally.
    cmd.text().replace('\\', "\\\\").replace('*', "\\*")
}

/// A pattern is one command unless it holds several or a redirection.
fn one_command(pat: &str) -> bool {
    matches!(shell::commands(pat), Ok(c) if c.len() == 1 && c[0].redirs.is_empty())
}

/// Matches one simple command's text: `*` any run of characters, `\\*` a
/// literal star.
fn command_match(pat: &str, text: &str) -> bool {
    let mut p = Vec::new();
    let mut it = pat.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => p.push(Some(it.next().unwrap_or('\\'))),
            '*' => p.push(None),
            c => p.push(Some(c)),
        }
    }
    match_toks(&p, text)
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
    let p: Vec<Option<char>> = pattern.chars().map(|c| (c != '*').then_some(c)).collect();
    match_toks(&p, text)
}

/// Matches text against characters and stars (None).
fn match_toks(p: &[Option<char>], text: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi].is_none() {
            while pi < p.len() && p[pi].is_none() {
                pi += 1;
            }
            star = Some((pi, ti));
        } else if pi < p.len() && p[pi] == Some(t[ti]) {
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
    while pi < p.len() && p[pi].is_none() {
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
    fn command_rules_match_each_simple_command() {
        let r = Rule::parse("bash(cargo test*)").expect("parses");
        for ok in [
            "cargo test",
            "cargo test --quiet",
            "cargo  'test' -q",
            "cargo test && cargo test --doc",
            "cargo test 2>&1",
        ] {
            assert!(r.admits_command("bash", ok), "{ok}");
        }
        for no in [
            "cargo test; touch x",
            "cargo test && touch x",
            "cargo test | sh",
            "cargo test > out.txt",
            "cargo test < /etc/passwd",
            "cargo test $(touch x)",
            "echo cargo test",
            "X=1 cargo test",
            "cargo build",
        ] {
            assert!(!r.admits_command("bash", no), "{no}");
        }
        assert!(!r.admits_command("edit", "cargo test"));
        // A rule of several commands admits exactly that line.
        let r = Rule::parse("bash(make && make install)").expect("parses");
        assert!(r.admits_command("bash", "make && make install"));
        assert!(!r.admits_command("bash", "make && make install; rm x"));
        assert!(!r.admits_command("bash", "make"));
        // A bare tool rule admits any command.
        assert!(Rule::parse("bash").unwrap().admits_command("bash", "a; b"));
    }

    #[test]
    fn always_remembers_what_was_shown() {
        let always = |c: &str| Rule::always_for("bash", ToolKind::Execute, c).to_string();
        assert_eq!(always("cargo test -q"), "bash(cargo test*)");
        assert_eq!(always("git push --force"), "bash(git push*)");
        // No subcommand: the whole command, nothing more.
        assert_eq!(always("rm -rf target"), "bash(rm -rf target)");
        assert_eq!(always("touch allowed.txt"), "bash(touch allowed.txt)");
        // A list, a redirection or an unreadable line: exactly that text.
        assert_eq!(always("cargo test; touch x"), "bash(cargo test; touch x)");
        assert_eq!(always("cargo test > log"), "bash(cargo test > log)");
        assert_eq!(always("echo $(id)"), "bash(echo $(id))");
        // A literal star stays literal.
        let r = Rule::always_for("bash", ToolKind::Execute, "rm *.o");
        assert_eq!(r.to_string(), "bash(rm \\*.o)");
        assert!(r.admits_command("bash", "rm *.o"));
        assert!(!r.admits_command("bash", "rm /etc/x.o"));
        let r = Rule::always_for("bash", ToolKind::Execute, "rm -rf target");
        assert!(r.admits_command("bash", "rm -rf target"));
        assert!(!r.admits_command("bash", "rm -rf target /"));
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
        assert!(r.admits_command("bash", "cargo test --release"));
        assert!(!r.admits_command("bash", "cargo build"));
        assert!(!r.admits_command("bash", "cargo test; rm x"));
        let r = Rule::always_for("bash", ToolKind::Execute, "cargo test; touch x");
        assert!(r.admits_command("bash", "cargo test; touch x"));
        assert!(!r.admits_command("bash", "cargo test; touch y"));
        assert_eq!(
            Rule::always_for("edit", ToolKind::Edit, "src/a.rs").to_string(),
            "edit(src/a.rs)"
        );
    }
}
