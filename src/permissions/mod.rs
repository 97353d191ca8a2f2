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
        if self
            .allow
            .iter()
            .chain(&self.remembered)
            .any(|r| r.matches(name, &subject))
        {
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
                match command.map(|c| shell::classify(c, &self.safe_commands)) {
                    Some(shell::Class::ReadOnly | shell::Class::Build) => {
                        match command.and_then(|c| self.path_outside(c, cwd)) {
                            Some(why) => Decision::Ask(why),
                            None => Decision::Allow,
                        }
                    }
                    Some(shell::Class::Ask(why)) => Decision::Ask(why),
                    None => Decision::Ask("runs a command".into()),
                }
            }
            (ToolKind::Execute, _) => Decision::Ask("runs a command".into()),
            (_, Mode::Standard) if tool.trusted_read_only() => Decision::Allow,
            _ => Decision::Ask(format!("{name} is not a built-in read-only tool")),
        }
    }

    /// A safe command still asks when an argument names a path outside the
    /// workspace (`cat /etc/passwd`, `ls ../other`, `head ~/.bashrc`).
    fn path_outside(&self, command: &str, cwd: &Path) -> Option<String> {
        let words = shlex::split(command).unwrap_or_default();
        let values: Vec<&str> = words
            .iter()
            .map(|w| match w.split_once('=') {
                // `--file=/etc/x`: the value is the path.
                Some((_, v)) if w.starts_with('-') => v,
                _ => w.as_str(),
            })
            .collect();
        // Some shells expand `.*` to `..` as well: `cat .*/secret`.
        let dots = |p: &str| p.starts_with('.') && p[1..].contains(['*', '?', '[']);
        if values.iter().any(|w| w.split('/').any(dots)) {
            return Some("a pattern could match `..`, outside the workspace".into());
        }
        values
            .into_iter()
            .filter(|w| w.starts_with('/') || w.starts_with('~') || w.split('/').any(|p| p == ".."))
            .filter(|w| *w != "/dev/null")
            .find_map(|w| {
                let w = match w.strip_prefix('~') {
                    Some(rest) => format!("{}{rest}", crate::paths::home().display()),
                    None => w.to_string(),
                };
                workspace::check(&self.root, cwd, &w, &[]).filter(|why| why.contains("outside"))
            })
    }

    /// Remembers an "always" answer: this command prefix, this tool on this path.
    pub fn remember(&mut self, tool: &dyn Tool, input: &Value) {
        let subject = rules::subject(tool.name(), input, &self.root, &self.root);
        self.remembered
            .push(Rule::always_for(tool.name(), tool.kind(), &subject));
    }
}
