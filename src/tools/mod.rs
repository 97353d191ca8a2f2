//! The built-in tools the model can call, and the registry that holds them.
//!
//! Each tool lives in its own file and implements [`Tool`]. Names and argument
//! names are part of wisp's contract (fixtures and saved sessions use them).

mod bash;
mod bash_output;
pub mod client;
mod edit;
mod glob;
mod grep;
mod grep_file;
pub mod jobs;
mod kill_shell;
mod read;
pub mod skill;
mod spill;
pub mod task;
mod update_plan;
mod util;
mod write;

use crate::agent::cancel::Cancel;
use futures_util::future::LocalBoxFuture;
use serde_json::Value;
use std::path::PathBuf;
use std::rc::Rc;

pub use bash::{run_user, shell};
pub use util::{cap_head_tail, resolve_path};

/// What a tool does, in ACP's vocabulary; permissions and display use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToolKind {
    Read,
    Edit,
    Execute,
    Search,
    Other,
}

impl ToolKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ToolKind::Read => "read",
            ToolKind::Edit => "edit",
            ToolKind::Execute => "execute",
            ToolKind::Search => "search",
            ToolKind::Other => "other",
        }
    }
}

/// What a tool run may use: the session's directory, cancellation, limits.
#[derive(Clone)]
pub struct ToolCtx {
    /// The session's working directory; relative paths resolve against it.
    pub cwd: PathBuf,
    pub cancel: Cancel,
    /// Most bytes of output a tool returns to the model.
    pub max_output: usize,
    /// The plan file `update_plan` rewrites, relative to `cwd`.
    pub plan_file: PathBuf,
    /// Where a command's output too long for the model is saved in full
    /// (the session's folder); None keeps only head and tail.
    pub spill_dir: Option<PathBuf>,
    /// An editor that reads, writes and runs commands for the tools (ACP).
    pub client: Option<Rc<dyn client::ClientTools>>,
    /// How commands run for the model are contained.
    pub sandbox: crate::sandbox::SandboxPolicy,
}

impl ToolCtx {
    pub fn new(cwd: PathBuf) -> Self {
        ToolCtx {
            cwd,
            cancel: Cancel::new(),
            max_output: 30_000,
            plan_file: PathBuf::from("PLAN.md"),
            spill_dir: None,
            client: None,
            sandbox: Default::default(),
        }
    }
}

/// A change to one file, shown to the user before and after an edit.
#[derive(Clone, Debug, PartialEq)]
pub struct FileDiff {
    pub path: PathBuf,
    /// None when the file did not exist.
    pub old: Option<String>,
    pub new: String,
}

/// What a tool run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolOutput {
    /// The text the model reads.
    pub content: String,
    pub is_error: bool,
    /// For edits: the change made, for display.
    pub diff: Option<Box<FileDiff>>,
    /// Images the tool returned (media type, base64), passed on to the
    /// model beside the text (MCP tools).
    pub images: Vec<(String, String)>,
}

impl ToolOutput {
    pub fn ok(content: impl Into<String>) -> Self {
        ToolOutput {
            content: content.into(),
            is_error: false,
            diff: None,
            images: Vec::new(),
        }
    }

    pub fn err(content: impl Into<String>) -> Self {
        ToolOutput {
            content: content.into(),
            is_error: true,
            diff: None,
            images: Vec::new(),
        }
    }
}

pub trait Tool {
    fn name(&self) -> &str;
    /// One or two sentences for the model.
    fn description(&self) -> &str;
    /// JSON Schema of the arguments object.
    fn schema(&self) -> Value;
    fn kind(&self) -> ToolKind;
    /// A short, one-line description of a call for the user (`cargo test`, `src/main.rs`).
    fn summary(&self, args: &Value) -> String;
    /// An MCP tool the server marks read-only, from a server the user
    /// trusts: standard mode runs it without asking.
    fn trusted_read_only(&self) -> bool {
        false
    }
    /// For edits: the change the call would make, computed without writing,
    /// so it can be shown when asking for approval. None when not applicable
    /// or when the call would fail anyway.
    fn preview<'a>(
        &'a self,
        _args: &'a Value,
        _ctx: &'a ToolCtx,
    ) -> LocalBoxFuture<'a, Option<FileDiff>> {
        Box::pin(async { None })
    }
    fn run<'a>(&'a self, args: &'a Value, ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput>;
}

/// The tools available to the agent, built-in and (later) MCP.
#[derive(Clone, Default)]
pub struct Registry {
    tools: Vec<Rc<dyn Tool>>,
}

impl Registry {
    /// The built-in tool set, in the order the model sees it.
    pub fn builtin() -> Self {
        let tools: Vec<Rc<dyn Tool>> = vec![
            Rc::new(read::Read),
            Rc::new(write::Write),
            Rc::new(edit::Edit),
            Rc::new(grep::Grep),
            Rc::new(glob::Glob),
            Rc::new(bash::Bash),
            Rc::new(update_plan::UpdatePlan),
            Rc::new(bash_output::BashOutput),
            Rc::new(kill_shell::KillShell),
        ];
        Registry { tools }
    }

    pub fn get(&self, name: &str) -> Option<Rc<dyn Tool>> {
        self.tools.iter().find(|t| t.name() == name).cloned()
    }

    /// Adds a tool, replacing one of the same name (MCP tools come and go).
    pub fn add(&mut self, tool: Rc<dyn Tool>) {
        self.remove(tool.name());
        self.tools.push(tool);
    }

    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.tools.len();
        self.tools.retain(|t| t.name() != name);
        self.tools.len() != before
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rc<dyn Tool>> {
        self.tools.iter()
    }

    /// The tool list as providers need it.
    pub fn specs(&self) -> Vec<ToolSpec> {
        self.tools
            .iter()
            .map(|t| ToolSpec {
                name: t.name().to_string(),
                description: t.description().to_string(),
                schema: t.schema(),
            })
            .collect()
    }
}

/// A tool as declared to a provider.
#[derive(Clone, Debug)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub schema: Value,
}
