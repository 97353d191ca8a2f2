//! The OS sandbox for commands run on the model's behalf: the policy (mode,
//! writable roots, network), whether this machine can enforce it, and
//! [`spawn`], through which every such command is started.
//!
//! Linux only: Landlock bounds writes, a seccomp filter refuses network
//! sockets. Both are enforced on a short-lived thread that then spawns the
//! command, which inherits them. No helper binary, no user namespaces.

mod env;
#[cfg(target_os = "linux")]
mod landlock;
mod protect;
#[cfg(target_os = "linux")]
mod seccomp;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What a sandboxed command may write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// The workspace, temporary folders and the configured roots.
    #[default]
    WorkspaceWrite,
    /// Only temporary folders and `/dev/null`.
    ReadOnly,
    /// No sandbox (secret variables are still removed).
    Off,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "workspace-write" => Some(Mode::WorkspaceWrite),
            "read-only" => Some(Mode::ReadOnly),
            "off" => Some(Mode::Off),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::WorkspaceWrite => "workspace-write",
            Mode::ReadOnly => "read-only",
            Mode::Off => "off",
        }
    }
}

/// The sandbox as the front end resolved it from flags, environment and
/// config: plain data handed down to the tools.
#[derive(Clone, Debug, Default)]
pub struct SandboxPolicy {
    pub mode: Mode,
    /// More folders commands may write (`[sandbox] writable`).
    pub writable: Vec<PathBuf>,
    /// TCP/UDP allowed (`[sandbox] network = true`).
    pub network: bool,
    /// Secret-looking variables commands may still see.
    pub env_passthrough: Vec<String>,
    /// Variables holding wisp's provider keys, whatever their names.
    pub secret_vars: Vec<String>,
}

/// Set (to anything) to make wisp behave as on a kernel without Landlock.
pub const FORCE_UNAVAILABLE: &str = "WISP_SANDBOX_UNAVAILABLE";

/// Why this machine cannot enforce the sandbox; None when it can.
pub fn unavailable() -> Option<&'static str> {
    static WHY: OnceLock<Option<String>> = OnceLock::new();
    WHY.get_or_init(|| {
        if std::env::var_os(FORCE_UNAVAILABLE).is_some() {
            return Some(format!("{FORCE_UNAVAILABLE} is set"));
        }
        probe()
    })
    .as_deref()
}

#[cfg(target_os = "linux")]
fn probe() -> Option<String> {
    if !seccomp::SUPPORTED {
        return Some("no network filter for this CPU architecture".into());
    }
    landlock::abi().err()
}

#[cfg(not(target_os = "linux"))]
fn probe() -> Option<String> {
    Some("no sandbox implementation for this platform".into())
}

impl SandboxPolicy {
    /// Whether commands run contained: a mode other than off, on a machine
    /// that can enforce it.
    pub fn holds(&self) -> bool {
        self.mode != Mode::Off && unavailable().is_none()
    }

    /// The banner's word for it: the mode, or why there is none.
    pub fn short(&self) -> String {
        match (self.mode, unavailable()) {
            (Mode::Off, _) => "sandbox off".into(),
            (_, Some(_)) => "no sandbox".into(),
            (m, None) => format!("sandbox {}", m.as_str()),
        }
    }

    /// The line said once at start when the sandbox was asked for but
    /// cannot be applied.
    pub fn warning(&self) -> Option<String> {
        (self.mode != Mode::Off && unavailable().is_some()).then(|| self.describe())
    }

    /// One line for `/mode` and the start-up warning.
    pub fn describe(&self) -> String {
        match (self.mode, unavailable()) {
            (Mode::Off, _) => "sandbox off: commands run with your full access".into(),
            (m, Some(why)) => format!(
                "sandbox {} unavailable ({why}): commands run uncontained, and build/test commands ask",
                m.as_str()
            ),
            (m, None) => {
                let net = if self.network { "network on" } else { "no network" };
                let writes = match m {
                    Mode::ReadOnly => "writes only to /tmp",
                    _ => "writes only in the workspace and /tmp",
                };
                format!("sandbox {}: {writes}, {net}", m.as_str())
            }
        }
    }

    /// The folders and files a command may write, for `cwd` as the workspace.
    fn roots(&self, cwd: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = [
            "/tmp",
            "/dev/null",
            "/dev/zero",
            "/dev/full",
            "/dev/tty",
            "/dev/pts",
            "/dev/ptmx",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        if let Some(t) = std::env::var_os("TMPDIR").filter(|t| !t.is_empty()) {
            v.push(t.into());
        }
        if self.mode == Mode::WorkspaceWrite {
            v.push(cwd.to_path_buf());
            v.extend(self.writable.iter().cloned());
        }
        v
    }
}

/// What [`spawn`] set up; [`Applied::finish`] reports on it after the command.
pub struct Applied {
    policy: Option<SandboxPolicy>,
    snapshot: Option<protect::Snapshot>,
}

/// Spawns `cmd` for the model, in `cwd`: secret variables always removed,
/// and when the sandbox holds, inside it. The one way wisp starts a
/// command on the model's behalf.
pub async fn spawn(
    mut cmd: tokio::process::Command,
    policy: &SandboxPolicy,
    cwd: &Path,
) -> Result<(tokio::process::Child, Applied), String> {
    env::scrub(&mut cmd, &policy.secret_vars, &policy.env_passthrough);
    if !policy.holds() {
        let child = cmd.spawn().map_err(|e| e.to_string())?;
        let none = Applied {
            policy: None,
            snapshot: None,
        };
        return Ok((child, none));
    }
    let (child, snapshot) = spawn_contained(cmd, policy, cwd).await?;
    let applied = Applied {
        policy: Some(policy.clone()),
        snapshot,
    };
    Ok((child, applied))
}

/// On a thread of its own (Landlock and seccomp act on the calling thread
/// only): copies the protected files, restricts itself, and spawns the
/// command, which inherits the restrictions. No code runs between fork and
/// exec, so the standard library keeps its vfork-style `posix_spawn`, much
/// cheaper than fork plus `pre_exec`; and the file work stays off the
/// runtime's thread. The thread ends right after.
#[cfg(target_os = "linux")]
async fn spawn_contained(
    mut cmd: tokio::process::Command,
    policy: &SandboxPolicy,
    cwd: &Path,
) -> Result<(tokio::process::Child, Option<protect::Snapshot>), String> {
    let roots = policy.roots(cwd);
    let network = policy.network;
    let protect = (policy.mode == Mode::WorkspaceWrite).then(|| cwd.to_path_buf());
    let runtime = tokio::runtime::Handle::current();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("wisp-sandbox".into())
        .spawn(move || {
            let _rt = runtime.enter();
            let snapshot = protect.map(|root| protect::Snapshot::take(&root));
            let refs: Vec<&Path> = roots.iter().map(PathBuf::as_path).collect();
            let child = landlock::Ruleset::build(&refs)
                .and_then(|r| r.enforce())
                .map_err(|e| format!("cannot enter the sandbox: {e}"))
                .and_then(|()| match network {
                    true => Ok(()),
                    false => seccomp::Filter::no_network()
                        .install()
                        .map_err(|e| format!("cannot install the network filter: {e}")),
                })
                .and_then(|()| cmd.spawn().map_err(|e| e.to_string()));
            // If the caller is gone, the child is dropped here and killed.
            let _ = tx.send(child.map(|c| (c, snapshot)));
        })
        .map_err(|e| format!("cannot start the sandbox thread: {e}"))?;
    rx.await
        .unwrap_or_else(|_| Err("the sandbox thread failed".into()))
}

#[cfg(not(target_os = "linux"))]
async fn spawn_contained(
    _cmd: tokio::process::Command,
    _policy: &SandboxPolicy,
    _cwd: &Path,
) -> Result<(tokio::process::Child, Option<protect::Snapshot>), String> {
    Err("no sandbox implementation for this platform".into())
}

/// How a tool result says the sandbox stopped the command; the agent looks
/// for it to offer running the command again outside.
pub const REFUSED: &str = "[sandbox: this command failed in a way the sandbox causes";

/// What failing commands print when Landlock or the network filter refuse them.
const FS_SIGNS: [&str; 3] = [
    "Permission denied",
    "Operation not permitted",
    "Read-only file system",
];
const NET_SIGNS: [&str; 7] = [
    "Operation not permitted",
    "Could not resolve host",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Couldn't connect",
    "EPERM",
    "EAI_AGAIN",
];

impl Applied {
    /// Puts back protected files the command changed, and says when a
    /// failure looks like the sandbox's doing. Lines for the tool result.
    pub async fn finish(mut self, output: &str, failed: bool) -> String {
        let mut notes = String::new();
        if let Some(snap) = self.snapshot.take() {
            let restored = tokio::task::spawn_blocking(move || snap.restore())
                .await
                .unwrap_or_default();
            if !restored.is_empty() {
                notes.push_str(&format!(
                    "[sandbox: commands may not change .git/config, .git/hooks, .wisp/ or .mcp.json: {}]\n",
                    restored.join(", ")
                ));
            }
        }
        let Some(p) = self.policy.take() else {
            return notes;
        };
        let sign = FS_SIGNS
            .iter()
            .chain(if p.network { &[][..] } else { &NET_SIGNS[..] })
            .find(|s| output.contains(**s));
        if let (true, Some(sign)) = (failed, sign) {
            notes.push_str(&format!(
                "{REFUSED} (\"{sign}\"). It ran in the {}. \
                 Do not work around it; if it must run outside, say so to the user.]\n",
                p.describe()
            ));
        }
        notes
    }
}

impl Drop for Applied {
    /// A cancelled command's future is dropped before `finish`: protected
    /// files are still put back.
    fn drop(&mut self) {
        if let Some(snap) = self.snapshot.take() {
            snap.restore();
        }
    }
}
