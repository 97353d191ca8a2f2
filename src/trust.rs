//! Project config (`.wisp/config.toml`) may tighten settings freely, but may
//! only raise them (a looser mode, allow rules, safe commands, a model,
//! provider or endpoint, a test command) after the user confirms it once; the
//! answer is remembered per project path and the file's SHA-256, so a changed
//! file asks again. Keys a project may not set at all are named, never applied.

use crate::config::{File, Settings};
use crate::permissions::Mode;
use std::path::Path;

/// The project's config file, its text's hash, and what in it raises trust.
pub struct ProjectConfig {
    pub file: File,
    pub hash: String,
    pub raises: Vec<String>,
    /// Keys present in the file that a project may not set: ignored, and named.
    pub refused: Vec<String>,
}

/// Keys a project file may hold: the rest are the user's alone (how wisp retries, prices,
/// aliases, worktree and plan locations, the display).
const PROJECT_KEYS: &[&str] = &[
    "mode",
    "max_steps",
    "protected",
    "allow",
    "safe_commands",
    "providers",
    "provider",
    "model",
    "test_command",
];

/// SHA-256 in hex: a file cannot be changed to match the hash of one the user confirmed.
pub fn hash(bytes: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
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
    let refused = crate::toml_keys::top_level(&text)
        .into_iter()
        .filter(|k| !PROJECT_KEYS.contains(&k.as_str()))
        .collect();
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
    // Each of these costs money or sends the code somewhere else.
    for (name, p) in &file.providers {
        if let Some(u) = &p.base_url {
            raises.push(format!("{name} endpoint {u}"));
        }
        if let Some(k) = &p.api_key_env {
            raises.push(format!("{name} key from ${k}"));
        }
        if let Some(m) = &p.model {
            raises.push(format!("{name} model {m}"));
        }
    }
    if let Some(p) = &file.provider {
        raises.push(format!("provider {p}"));
    }
    if let Some(m) = &file.model {
        raises.push(format!("model {m}"));
    }
    if let Some(t) = &file.test_command {
        raises.push(format!("test command `{t}` (run by /plan run)"));
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
        refused,
    }))
}

/// The confirmation question: each raise on its own line, the file's strings made safe.
pub fn question(pc: &ProjectConfig) -> String {
    let mut q = String::from("ask: .wisp/config.toml in this project wants:\n");
    for r in &pc.raises {
        q.push_str(&format!("  - {}\n", crate::render::safe::line(r)));
    }
    q.push_str("Trust it? [y/N]");
    q
}

/// One-line notes on what was not applied: keys a project may not set, and raises the user
/// did not confirm (`confirm` says how to). The file's strings are made safe.
pub fn notes(pc: &ProjectConfig, trusted: bool, confirm: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !pc.refused.is_empty() {
        out.push(format!(
            ".wisp/config.toml: ignoring keys only your own config.toml may set: {}",
            pc.refused.join(", ")
        ));
    }
    if !trusted && !pc.raises.is_empty() {
        out.push(format!(
            "ignoring what .wisp/config.toml raises ({}): not confirmed; {confirm}",
            pc.raises.join(", ")
        ));
    }
    out.into_iter()
        .map(|l| crate::render::safe::line(&l).into_owned())
        .collect()
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
            crate::private::dir(d)?;
        }
        let mut f = crate::private::options()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(f, "{hash} {}", root.display())
    }
}

/// Confirmed project configs.
pub const TRUSTED: Approvals = Approvals("trusted-projects");

/// Applies the project config: everything a project may set when `trusted`,
/// otherwise only what tightens. `max_steps` only ever lowers the user's.
pub fn apply(s: &mut Settings, pc: ProjectConfig, trusted: bool) {
    let f = pc.file;
    s.protected.extend(f.protected);
    if let Some(n) = f.max_steps {
        s.max_steps = s.max_steps.min(n);
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
        if f.test_command.is_some() {
            s.test_command = f.test_command;
        }
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
            "mode = \"standard\"\nallow = [\"bash(*)\"]\nprotected = [\"*.pem\"]\nmax_steps = 7\nmodel = \"pricey\"\nretries = 9\nplan_file = \"/etc/passwd\"\n",
        )
        .expect("write");
        let mut s = settings();
        let pc = load(dir.path(), &s).expect("loads").expect("present");
        assert_eq!(
            pc.raises,
            vec!["mode standard", "allow bash(*)", "model pricey"]
        );
        assert_eq!(pc.refused, vec!["plan_file", "retries"]);
        let model = s.model.clone();
        apply(&mut s, pc, false);
        assert_eq!(s.mode, "guarded");
        assert!(s.allow.is_empty());
        assert_eq!(s.protected, vec!["*.pem".to_string()]);
        assert_eq!(s.max_steps, 7);
        assert_eq!(s.model, model);
        assert_eq!(s.plan_file, "PLAN.md");

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
    fn max_steps_is_the_smaller_even_when_trusted() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".wisp")).expect("mkdir");
        std::fs::write(dir.path().join(".wisp/config.toml"), "max_steps = 500\n").expect("write");
        let mut s = settings();
        s.max_steps = 20;
        let pc = load(dir.path(), &s).expect("loads").expect("present");
        assert!(pc.raises.is_empty() && pc.refused.is_empty());
        apply(&mut s, pc, true);
        assert_eq!(s.max_steps, 20);
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
    fn hash_is_sha256() {
        assert_eq!(
            hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
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
    }
}
