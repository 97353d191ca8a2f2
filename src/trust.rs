//! Project config (`.wisp/config.toml`) may lower permissions freely, but may
//! only raise them (a looser mode, allow rules, safe commands, endpoints)
//! after the user confirms it once; the answer is remembered per project
//! path and file hash, so a changed file asks again.

use crate::config::{File, Settings};
use crate::permissions::Mode;
use std::path::Path;

/// The project's config file, its text's hash, and what in it raises trust.
pub struct ProjectConfig {
    pub file: File,
    pub hash: String,
    pub raises: Vec<String>,
}

/// FNV-1a: detects that a file changed since it was confirmed.
pub fn hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

/// A mode by name; an unknown name counts as the strictest.
fn rank(m: &str) -> Mode {
    Mode::parse(m).unwrap_or(Mode::Restrictive)
}

/// Reads `.wisp/config.toml` under `root`, if there is one.
pub fn load(root: &Path, current: &Settings) -> Result<Option<ProjectConfig>, String> {
    let path = root.join(".wisp/config.toml");
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let text = String::from_utf8_lossy(&bytes);
    let file: File = basic_toml::from_str(&text).map_err(|e| {
        format!(
            "{}: {}",
            path.display(),
            crate::provider::one_line(&e.to_string())
        )
    })?;
    let mut raises = Vec::new();
    if let Some(m) = &file.mode {
        if Mode::parse(m).is_none() {
            return Err(format!("{}: unknown mode `{m}`", path.display()));
        }
        if rank(m) > rank(&current.mode) {
            raises.push(format!("mode {m}"));
        }
    }
    raises.extend(file.allow.iter().map(|r| format!("allow {r}")));
    raises.extend(
        file.safe_commands
            .iter()
            .map(|c| format!("safe command `{c}`")),
    );
    for (name, p) in &file.providers {
        if p.base_url.is_some() || p.api_key_env.is_some() {
            raises.push(format!("{name} endpoint or key variable"));
        }
    }
    if file.provider.is_some() {
        raises.push("provider choice".into());
    }
    if let Some(m) = &file.sandbox.mode {
        if crate::sandbox::Mode::parse(m).is_none() {
            return Err(format!("{}: unknown sandbox mode `{m}`", path.display()));
        }
    }
    crate::config::sandbox_policy(&file.sandbox, &Default::default())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    raises.extend(sandbox_raises(&file.sandbox, &current.sandbox));
    Ok(Some(ProjectConfig {
        file,
        hash: hash(&bytes),
        raises,
    }))
}

/// Sandbox modes from strictest to loosest.
fn sandbox_rank(m: crate::sandbox::Mode) -> u8 {
    use crate::sandbox::Mode;
    match m {
        Mode::ReadOnly => 0,
        Mode::WorkspaceWrite => 1,
        Mode::Off => 2,
    }
}

/// What a project's `[sandbox]` would loosen: a looser mode, more writable
/// roots, the network, secret variables passed through.
fn sandbox_raises(
    f: &crate::config::SandboxFile,
    cur: &crate::sandbox::SandboxPolicy,
) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(m) = f.mode.as_deref().and_then(crate::sandbox::Mode::parse) {
        if sandbox_rank(m) > sandbox_rank(cur.mode) {
            v.push(format!("sandbox {}", m.as_str()));
        }
    }
    v.extend(f.writable.iter().map(|w| format!("sandbox writable {w}")));
    if f.network == Some(true) && !cur.network {
        v.push("sandbox network".into());
    }
    v.extend(
        f.env_passthrough
            .iter()
            .map(|e| format!("sandbox env_passthrough {e}")),
    );
    v
}

/// Answers remembered per project path and file hash, one line each, in a
/// file of wisp's data folder (project config, project MCP servers).
pub struct Approvals(pub &'static str);

impl Approvals {
    fn path(&self) -> std::path::PathBuf {
        crate::paths::data_dir().join(self.0)
    }

    /// Whether this exact file was confirmed for this project before.
    pub fn contains(&self, root: &Path, hash: &str) -> bool {
        let line = format!("{hash} {}", root.display());
        std::fs::read_to_string(self.path()).is_ok_and(|t| t.lines().any(|l| l == line))
    }

    pub fn remember(&self, root: &Path, hash: &str) -> std::io::Result<()> {
        use std::io::Write;
        let path = self.path();
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(f, "{hash} {}", root.display())
    }
}

/// Confirmed project configs.
pub const TRUSTED: Approvals = Approvals("trusted-projects");

/// Applies the project config: everything when `trusted`, otherwise only
/// what cannot raise permissions.
pub fn apply(s: &mut Settings, pc: ProjectConfig, trusted: bool) {
    let f = pc.file;
    s.protected.extend(f.protected);
    if let Some(n) = f.max_steps {
        s.max_steps = n;
    }
    if let Some(m) = f.mode {
        if trusted || rank(&m) <= rank(&s.mode) {
            s.mode = m;
        }
    }
    if let Some(m) = f
        .sandbox
        .mode
        .as_deref()
        .and_then(crate::sandbox::Mode::parse)
    {
        if trusted || sandbox_rank(m) <= sandbox_rank(s.sandbox.mode) {
            s.sandbox.mode = m;
        }
    }
    if trusted {
        let sb = &mut s.sandbox;
        if let Ok(p) = crate::config::sandbox_policy(&f.sandbox, &Default::default()) {
            sb.writable.extend(p.writable);
            sb.network |= p.network;
            sb.env_passthrough.extend(p.env_passthrough);
        }
        s.allow.extend(f.allow);
        s.safe_commands.extend(f.safe_commands);
        for (k, v) in f.providers {
            s.providers.insert(k, v);
        }
        let model = f.model.or_else(|| Some(s.model.clone()));
        let provider = f
            .provider
            .and_then(|p| crate::provider::ProviderId::parse(&p))
            .unwrap_or(s.provider);
        s.select(provider, model);
    } else if let Some(m) = f.model {
        s.model = m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        let cli = crate::cli::parse(["--mode".to_string(), "guarded".to_string()]).expect("cli");
        Settings::resolve(File::default(), &cli).expect("settings")
    }

    #[test]
    fn untrusted_project_config_cannot_raise_but_can_lower() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".wisp")).expect("mkdir");
        std::fs::write(
            dir.path().join(".wisp/config.toml"),
            "mode = \"standard\"\nallow = [\"bash(*)\"]\nprotected = [\"*.pem\"]\nmax_steps = 7\n",
        )
        .expect("write");
        let mut s = settings();
        let pc = load(dir.path(), &s).expect("loads").expect("present");
        assert_eq!(
            pc.raises,
            vec!["mode standard".to_string(), "allow bash(*)".to_string()]
        );
        apply(&mut s, pc, false);
        assert_eq!(s.mode, "guarded");
        assert!(s.allow.is_empty());
        assert_eq!(s.protected, vec!["*.pem".to_string()]);
        assert_eq!(s.max_steps, 7);

        std::fs::write(
            dir.path().join(".wisp/config.toml"),
            "mode = \"restrictive\"\n",
        )
        .expect("write");
        let mut s = settings();
        let pc = load(dir.path(), &s).expect("loads").expect("present");
        assert!(pc.raises.is_empty());
        apply(&mut s, pc, false);
        assert_eq!(s.mode, "restrictive");
    }

    #[test]
    fn trusted_project_config_applies_in_full() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".wisp")).expect("mkdir");
        std::fs::write(
            dir.path().join(".wisp/config.toml"),
            "mode = \"standard\"\nallow = [\"edit\"]\n",
        )
        .expect("write");
        let mut s = settings();
        let pc = load(dir.path(), &s).expect("loads").expect("present");
        apply(&mut s, pc, true);
        assert_eq!(s.mode, "standard");
        assert_eq!(s.allow, vec!["edit".to_string()]);
    }

    #[test]
    fn project_sandbox_may_tighten_but_not_loosen_unconfirmed() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".wisp")).expect("mkdir");
        let write =
            |t: &str| std::fs::write(dir.path().join(".wisp/config.toml"), t).expect("write");
        write("[sandbox]\nmode = \"off\"\nwritable = [\"/etc\"]\nnetwork = true\nenv_passthrough = [\"GH_TOKEN\"]\n");
        let mut s = settings();
        let pc = load(dir.path(), &s).expect("loads").expect("present");
        assert_eq!(
            pc.raises,
            vec![
                "sandbox off".to_string(),
                "sandbox writable /etc".into(),
                "sandbox network".into(),
                "sandbox env_passthrough GH_TOKEN".into()
            ]
        );
        apply(&mut s, pc, false);
        assert_eq!(s.sandbox.mode, crate::sandbox::Mode::WorkspaceWrite);
        assert!(s.sandbox.writable.is_empty() && !s.sandbox.network);
        assert!(s.sandbox.env_passthrough.is_empty());

        write("[sandbox]\nmode = \"read-only\"\n");
        let mut s = settings();
        let pc = load(dir.path(), &s).expect("loads").expect("present");
        assert!(pc.raises.is_empty());
        apply(&mut s, pc, false);
        assert_eq!(s.sandbox.mode, crate::sandbox::Mode::ReadOnly);

        write("[sandbox]\nwritable = [\"relative\"]\n");
        assert!(load(dir.path(), &settings()).is_err());
    }

    #[test]
    fn hash_changes_with_content() {
        assert_ne!(hash(b"mode = \"standard\""), hash(b"mode = \"guarded\""));
        assert_eq!(hash(b"x"), hash(b"x"));
    }
}
