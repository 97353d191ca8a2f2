//! Project instructions for the system prompt: `AGENTS.md` from the working
//! directory up to the repository root (nearest first, `CLAUDE.md` where a
//! directory has no `AGENTS.md`), then the user's own `~/.config/wisp/AGENTS.md`.
//! A repository's file that is a symlink leading outside the repository is not read: a cloned
//! project must not be able to put the user's private files into the model's context.

use std::path::{Path, PathBuf};

/// The instruction files that apply in `cwd`, nearest first.
pub fn files(cwd: &Path, config_dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    // Without a repository, only the working directory itself counts, so a
    // stray file in a parent (or in $HOME) is not picked up by surprise.
    let in_repo = cwd.ancestors().any(|d| d.join(".git").exists());
    let root = cwd
        .ancestors()
        .find(|d| !in_repo || d.join(".git").exists())
        .unwrap_or(cwd);
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    for dir in cwd.ancestors() {
        let agents = dir.join("AGENTS.md");
        let claude = dir.join("CLAUDE.md");
        let found = if agents.is_file() {
            Some(agents)
        } else if claude.is_file() {
            Some(claude)
        } else {
            None
        };
        if let Some(f) = found {
            if inside(&f, &root) {
                out.push(f);
            } else {
                eprintln!("wisp: not reading {f:?}: a symlink leading outside the repository");
            }
        }
        if !in_repo || dir.join(".git").exists() {
            break;
        }
    }
    let user = config_dir.join("AGENTS.md");
    if user.is_file() && !out.contains(&user) {
        out.push(user);
    }
    out
}

/// Whether `f`, with every symlink resolved, is under `root` (canonical).
pub fn inside(f: &Path, root: &Path) -> bool {
    std::fs::canonicalize(f).is_ok_and(|c| c.starts_with(root))
}

/// The instructions' text, each file under a heading naming it.
pub fn load(cwd: &Path, config_dir: &Path) -> Option<String> {
    let mut text = String::new();
    for f in files(cwd, config_dir) {
        // Read once at start-up, before the runtime has work to do.
        let Ok(body) = std::fs::read_to_string(&f) else {
            continue;
        };
        if body.trim().is_empty() {
            continue;
        }
        text.push_str(&format!("## {}\n{}\n\n", f.display(), body.trim()));
    }
    (!text.is_empty()).then_some(text)
}

/// What `/init` asks the model to do.
pub const INIT_PROMPT: &str = "Look at this project (its build files, README, source layout, tests and CI) and write an AGENTS.md in the working directory for coding agents working on it. Keep it short and factual: how to build, how to run the tests (and a single test), the layout of the source tree, and the conventions the code follows (style, naming, error handling, commit messages). If an AGENTS.md already exists, improve it rather than starting over.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_first_up_to_the_repo_root_with_claude_fallback() {
        let d = tempfile::tempdir().expect("tempdir");
        let outside = d.path();
        let repo = outside.join("repo");
        let sub = repo.join("crates/core");
        let config = outside.join("config");
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
        std::fs::create_dir_all(&config).expect("mkdir");
        std::fs::write(outside.join("AGENTS.md"), "above the repo").expect("w");
        std::fs::write(repo.join("AGENTS.md"), "root rules").expect("w");
        std::fs::write(repo.join("CLAUDE.md"), "ignored: AGENTS.md wins").expect("w");
        std::fs::write(repo.join("crates/CLAUDE.md"), "crates rules").expect("w");
        std::fs::write(sub.join("AGENTS.md"), "core rules").expect("w");
        std::fs::write(config.join("AGENTS.md"), "my rules").expect("w");

        let got = files(&sub, &config);
        assert_eq!(
            got,
            vec![
                sub.join("AGENTS.md"),
                repo.join("crates/CLAUDE.md"),
                repo.join("AGENTS.md"),
                config.join("AGENTS.md"),
            ]
        );
        let text = load(&sub, &config).expect("text");
        let pos = |s: &str| text.find(s).unwrap_or(usize::MAX);
        assert!(pos("core rules") < pos("crates rules"));
        assert!(pos("crates rules") < pos("root rules"));
        assert!(pos("root rules") < pos("my rules"));
        assert!(!text.contains("above the repo") && !text.contains("AGENTS.md wins"));
    }

    #[test]
    fn a_symlink_leading_outside_the_repository_is_not_read() {
        let d = tempfile::tempdir().expect("tempdir");
        let repo = d.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
        std::fs::create_dir_all(repo.join("docs")).expect("mkdir");
        std::fs::write(d.path().join("secret.txt"), "private notes").expect("w");
        std::os::unix::fs::symlink(d.path().join("secret.txt"), repo.join("AGENTS.md"))
            .expect("symlink");
        assert!(files(&repo, &d.path().join("none")).is_empty());
        assert!(load(&repo, &d.path().join("none")).is_none());
        // A link that stays inside is fine.
        std::fs::write(repo.join("docs/agents.md"), "inside rules").expect("w");
        std::fs::remove_file(repo.join("AGENTS.md")).expect("rm");
        std::os::unix::fs::symlink("docs/agents.md", repo.join("AGENTS.md")).expect("symlink");
        let text = load(&repo, &d.path().join("none")).expect("text");
        assert!(text.contains("inside rules"));
    }

    #[test]
    fn outside_a_repo_only_the_working_directory() {
        let d = tempfile::tempdir().expect("tempdir");
        let sub = d.path().join("a");
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(d.path().join("AGENTS.md"), "parent").expect("w");
        assert!(files(&sub, &d.path().join("none")).is_empty());
        std::fs::write(sub.join("CLAUDE.md"), "here").expect("w");
        assert_eq!(
            files(&sub, &d.path().join("none")),
            vec![sub.join("CLAUDE.md")]
        );
    }
}
