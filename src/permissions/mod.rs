//! Permission policy: decides Allow / Ask / Deny for each tool call from the
//! mode, the workspace boundary, allow rules and the shell classifier.

pub mod rules;
pub mod shell;
pub mod workspace;

use crate::tools::{Tool, ToolKind};
use rules::Rule;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// How much runs without asking. Declared from strictest to loosest, so
/// `a < b` means `a` asks more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    /// Every tool call asks, reads included.
    Restrictive,
    /// Reads and searches inside the workspace run; edits and commands ask.
    Guarded,
    /// Reads and edits inside the workspace run; commands ask.
    AcceptEdits,
    /// Reads, edits inside the workspace and safe commands run; other commands ask.
    Standard,
}

impl Mode {
    pub const ALL: [Mode; 4] = [
        Mode::Restrictive,
        Mode::Guarded,
        Mode::AcceptEdits,
        Mode::Standard,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Restrictive => "restrictive",
            Mode::Guarded => "guarded",
            Mode::AcceptEdits => "accept-edits",
            Mode::Standard => "standard",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// What the mode lets run without asking, in one line.
    pub fn describe(self) -> &'static str {
        match self {
            Mode::Restrictive => "every tool call asks, reads included",
            Mode::Guarded => "reads and searches in the workspace run; edits and commands ask",
            Mode::AcceptEdits => "reads and edits in the workspace run; commands ask",
            Mode::Standard => {
                "reads, edits in the workspace and safe commands run; other commands ask"
            }
        }
    }

    /// The next mode for `/mode next` (never reaches --yolo).
    pub fn next(self) -> Mode {
        let i = Mode::ALL.iter().position(|m| *m == self).unwrap_or(0);
        Mode::ALL[(i + 1) % Mode::ALL.len()]
    }
}

/// The answer of the policy for one tool call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Ask the user; the text says why, in a few words.
    Ask(String),
    Deny(String),
}

pub struct Policy {
    pub mode: Mode,
    pub yolo: bool,
    /// The workspace root, canonical.
    pub root: PathBuf,
    /// `--allow` rules and config rules.
    pub allow: Vec<Rule>,
    /// Rules added by "always" answers this session.
    pub remembered: Vec<Rule>,
    /// Extra commands the user declared safe (test and build commands).
    pub safe_commands: Vec<String>,
    /// Extra workspace paths that always ask (relative to the root).
    pub protected: Vec<String>,
    /// Folders outside the workspace the model may read (wisp's saved outputs).
    pub readable: Vec<PathBuf>,
    /// Whether commands run inside the OS sandbox. Build/test and configured
    /// safe commands run project code, so they run unasked only when true.
    pub sandboxed: bool,
}

impl Policy {
    pub fn new(mode: Mode, root: &Path) -> Self {
        Policy {
            mode,
            yolo: false,
            root: workspace::canonical(root),
            allow: Vec::new(),
            remembered: Vec::new(),
            safe_commands: Vec::new(),
            protected: Vec::new(),
            readable: Vec::new(),
            sandboxed: false,
        }
    }

    pub fn decide(&self, tool: &dyn Tool, input: &Value, cwd: &Path) -> Decision {
        let name = tool.name();
        let kind = tool.kind();
        let command = input.get("command").and_then(Value::as_str);
        // It writes only the session's plan file, so even read-only planning may use it.
        if name == "update_plan" {
            return Decision::Allow;
        }
        // They only read or stop commands this session already ran.
        if name == "bash_output" || name == "kill_shell" {
            return Decision::Allow;
        }
        if self.yolo {
            if let Some(why) = command.and_then(shell::catastrophic) {
                return Decision::Deny(format!("refused even with --yolo: {why}"));
            }
            return Decision::Allow;
        }
        // Paths leaving the workspace (or protected inside it) always ask.
        let path = match kind {
            ToolKind::Read | ToolKind::Edit | ToolKind::Search => {
                Some(input.get("path").and_then(Value::as_str).unwrap_or("."))
            }
            _ => None,
        };
        // wisp's own saved outputs may be read back without asking.
        let own = kind == ToolKind::Read
            && path.is_some_and(|p| {
                let full = workspace::canonical(&crate::tools::resolve_path(cwd, p));
                self.readable.iter().any(|r| full.starts_with(r))
            });
        if let Some(p) = path.filter(|_| !own) {
            if let Some(why) = workspace::check(&self.root, cwd, p, &self.protected) {
                return Decision::Ask(why);
            }
        }
        let subject = rules::subject(name, input, &self.root, cwd);
        // A command is matched by each simple command it holds, never as raw text.
        let admits = |r: &Rule| match command {
            Some(c) if kind == ToolKind::Execute => r.admits_command(name, c),
            _ => r.matches(name, &subject),
        };
        if self.allow.iter().chain(&self.remembered).any(admits) {
            return Decision::Allow;
        }
        match (kind, self.mode) {
            (_, Mode::Restrictive) => {
                Decision::Ask(format!("{} mode asks for every tool", self.mode.as_str()))
            }
            (ToolKind::Read | ToolKind::Search, _) => Decision::Allow,
            (ToolKind::Edit, Mode::AcceptEdits | Mode::Standard) => Decision::Allow,
            (ToolKind::Edit, _) => Decision::Ask("edits a file".into()),
            (ToolKind::Execute, Mode::Standard) => {
                let scope = shell::Scope {
                    root: &self.root,
                    cwd,
                    safe_commands: &self.safe_commands,
                };
                match command.map(|c| shell::classify(c, &scope)) {
                    Some(shell::Class::Build) if !self.sandboxed => Decision::Ask(
                        "runs project code (a build/test command) and the sandbox is not active"
                            .into(),
                    ),
                    Some(shell::Class::ReadOnly | shell::Class::Build) => Decision::Allow,
                    Some(shell::Class::Ask(why)) => Decision::Ask(why),
                    None => Decision::Ask("runs a command".into()),
                }
            }
            (ToolKind::Execute, _) => Decision::Ask("runs a command".into()),
            (_, Mode::Standard) if tool.trusted_read_only() => Decision::Allow,
            _ => Decision::Ask(format!("{name} is not a built-in read-only tool")),
        }
    }

    /// Whether a command names a path outside the workspace, or cannot be
    /// read well enough to say: a hook's "allow" never skips that question.
    pub fn outside(&self, command: &str, cwd: &Path) -> bool {
        let Ok(cmds) = shell::commands(command) else {
            return true;
        };
        let named = |w: &shell::Word| {
            let t = w.text.as_str();
            let t = t.split_once('=').map_or(t, |(_, v)| v);
            t.starts_with('/') || t.starts_with('~') || t.split('/').any(|p| p == "..")
        };
        let named_outside = cmds.iter().any(|c| {
            c.words
                .iter()
                .chain(c.redirs.iter().map(|(_, w)| w))
                .filter(|w| w.var || named(w))
                .any(|w| w.var || shell::paths::check_path(&self.root, cwd, &w.text).is_err())
        });
        // The classifier also follows symlinks and patterns out of the workspace.
        let scope = shell::Scope {
            root: &self.root,
            cwd,
            safe_commands: &[],
        };
        named_outside
            || matches!(shell::classify(command, &scope), shell::Class::Ask(why) if why.contains("outside"))
    }

    /// The rule an "always" answer to this call adds, exactly as the
    /// approval prompt shows it: the program and subcommand of a command
    /// (`bash(cargo test*)`) or the whole command, the path for file tools,
    /// the tool otherwise.
    pub fn always_rule(&self, tool: &dyn Tool, input: &Value, cwd: &Path) -> Rule {
        let subject = rules::subject(tool.name(), input, &self.root, cwd);
        Rule::always_for(tool.name(), tool.kind(), &subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hook_allow_never_covers_a_command_reaching_outside() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = workspace::canonical(dir.path());
        std::fs::write(root.join("inside.txt"), "x").expect("write");
        std::os::unix::fs::symlink("/etc/hostname", root.join("out_link")).expect("symlink");
        let p = Policy::new(Mode::Standard, &root);
        assert!(!p.outside("cat inside.txt", &root));
        assert!(!p.outside("cargo test --quiet", &root));
        for reaching in [
            "cat out_link",
            "cat ../x",
            "head /etc/passwd",
            "wc -l < /etc/passwd",
            "cat ~/.bashrc",
            "cat $HOME/x",
            "echo 'unclosed",
        ] {
            assert!(p.outside(reaching, &root), "{reaching}");
        }
    }
}
