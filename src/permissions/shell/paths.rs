//! Path checks: every word a read-only command receives that could name a
//! file (arguments, option values, attached short-option values, input
//! redirections, what a pattern can match) is resolved with symlinks
//! followed, as the `read` tool does; one outside the workspace asks. Also
//! which repository `git` will find.

use super::lex::Word;
use super::programs::Spec;
use crate::permissions::workspace;
use std::path::{Path, PathBuf};

/// Most file names a pattern may match before the command asks instead.
const MAX_MATCHES: usize = 1000;

/// Checks one argument word in every folder the command may run in.
pub fn check_word(root: &Path, cwds: &[PathBuf], w: &Word, spec: &Spec) -> Result<(), String> {
    if w.text.len() > 4096 {
        return Err("an argument too long to check".into());
    }
    for cwd in cwds {
        let text = if w.tilde {
            tilde(cwd, &w.text)?
        } else {
            w.text.clone()
        };
        let mut texts = vec![text];
        if w.glob {
            texts.extend(glob(cwd, &texts[0])?);
        }
        for t in &texts {
            for c in candidates(t, spec) {
                check_path(root, cwd, c)?;
            }
        }
    }
    Ok(())
}

/// What bash puts in place of a leading `~`: `~` and `~/x` the home folder,
/// `~+` the working folder; others (`~user`, `~-`) are not known here.
pub fn tilde(cwd: &Path, text: &str) -> Result<String, String> {
    let rest = text.strip_prefix('~').unwrap_or(text);
    let (name, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let base = match name {
        "" => crate::paths::home(),
        "+" => cwd.to_path_buf(),
        _ => return Err(format!("{text}: `~{name}` names a folder not known here")),
    };
    Ok(format!("{}{tail}", base.display()))
}

/// The parts of a word that may be read as a path: the word itself, the
/// value of `--opt=VALUE` or `NAME=VALUE`, and each tail of a short-option
/// cluster (`-oFILE`, `-uoFILE`) unless a text option's letter starts it.
fn candidates<'a>(t: &'a str, spec: &Spec) -> Vec<&'a str> {
    let mut out = vec![t];
    if let Some((name, value)) = t.split_once('=') {
        let text =
            name.starts_with("--") && spec.longs.iter().any(|l| super::programs::is_opt(name, l));
        if !text {
            out.push(value);
        }
    }
    if t.starts_with('-') && !t.starts_with("--") {
        for (p, c) in t.char_indices().skip(1) {
            let tail = &t[p + c.len_utf8()..];
            if !tail.is_empty() && !spec.letters.contains(c) {
                out.push(tail);
            }
        }
    }
    out
}

/// Asks when `text`, resolved against `cwd` with symlinks followed, is
/// outside the workspace.
pub fn check_path(root: &Path, cwd: &Path, text: &str) -> Result<(), String> {
    if text.is_empty() || text == "-" || text == "/dev/null" {
        return Ok(());
    }
    match workspace::check(root, cwd, text, &[]) {
        Some(why) if why.contains("outside") => Err(format!("reads {why}")),
        _ => Ok(()),
    }
}

/// Every existing path a pattern could match, over-approximating bash:
/// hidden names match too, `[...]` matches any one character, and a part
/// starting with `.` also matches `.` and `..`.
pub fn glob(cwd: &Path, pattern: &str) -> Result<Vec<String>, String> {
    let (mut found, parts) = match pattern.strip_prefix('/') {
        Some(rest) => (vec![String::from("/")], rest),
        None => (vec![String::new()], pattern),
    };
    let mut seen = 0;
    for part in parts.split('/') {
        if part.is_empty() {
            continue;
        }
        let mut next = Vec::new();
        for base in &found {
            let join = |name: &str| match base.as_str() {
                "" => name.to_string(),
                b if b.ends_with('/') => format!("{b}{name}"),
                b => format!("{b}/{name}"),
            };
            if !part.contains(['*', '?', '[']) {
                next.push(join(part));
                continue;
            }
            if part.starts_with('.') {
                next.push(join("."));
                next.push(join(".."));
            }
            let dir = crate::tools::resolve_path(cwd, if base.is_empty() { "." } else { base });
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                seen += 1;
                if seen > MAX_MATCHES {
                    return Err("a pattern matches too many files to check".into());
                }
                let name = e.file_name().to_string_lossy().into_owned();
                if matches(part, &name) {
                    next.push(join(&name));
                }
            }
        }
        found = next;
    }
    Ok(found)
}

/// Whether a name may match a pattern part (`*`, `?`, `[...]` as any one).
/// Greedy with one backtrack point, so no pattern takes more than
/// quadratic time.
fn matches(pattern: &str, name: &str) -> bool {
    // None: a star; Some(None): any one character; Some(Some(c)): `c`.
    let mut p: Vec<Option<Option<char>>> = Vec::new();
    let mut it = pattern.chars().peekable();
    while let Some(c) = it.next() {
        p.push(match c {
            '*' => None,
            '?' => Some(None),
            '[' if it.clone().skip(1).any(|c| c == ']') => {
                it.next();
                while it.next().is_some_and(|c| c != ']') {}
                Some(None)
            }
            c => Some(Some(c)),
        });
    }
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some(None) => {
                star = Some((pi + 1, ni));
                pi += 1;
            }
            Some(Some(c)) if c.is_none_or(|c| c == n[ni]) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(Option::is_none)
}

/// `git` finds its repository by walking up from where it runs: a folder
/// below the workspace root with its own `.git`, or anything that looks
/// like a bare repository (a `HEAD` file) before the root's `.git`, would
/// make git read that repository's configuration, which can run programs.
pub fn foreign_repo(root: &Path, cwds: &[PathBuf]) -> Result<(), String> {
    for cwd in cwds {
        let mut d = workspace::canonical(cwd);
        while d.starts_with(root) {
            let has = |n: &str| d.join(n).symlink_metadata().is_ok();
            if d == root {
                if !has(".git") && has("HEAD") {
                    return Err("git would read a bare repository in the workspace".into());
                }
                own_git(root)?;
                break;
            }
            if has(".git") {
                return Err(format!("git would use the repository in {}", d.display()));
            }
            if has("HEAD") {
                return Err(format!(
                    "git would read {} as a bare repository",
                    d.display()
                ));
            }
            if !d.pop() {
                break;
            }
        }
    }
    Ok(())
}

/// The root's own `.git` is trusted only as a folder, or as a file that
/// points outside the workspace (a worktree or submodule of a repository
/// elsewhere): a symlink or a `gitdir:` into the workspace could be any
/// files a download or the model put there.
fn own_git(root: &Path) -> Result<(), String> {
    let git = root.join(".git");
    let Ok(meta) = git.symlink_metadata() else {
        return Ok(());
    };
    if meta.file_type().is_symlink() {
        return Err("the workspace's .git is a symlink".into());
    }
    if meta.is_file() {
        let text = std::fs::read_to_string(&git).unwrap_or_default();
        let target = text.trim().strip_prefix("gitdir:").map(str::trim);
        let inside = target.is_none_or(|t| {
            workspace::canonical(&crate::tools::resolve_path(root, t)).starts_with(root)
        });
        if inside {
            return Err("the workspace's .git file points inside the workspace".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roots_git_must_be_its_own() {
        let top = tempfile::tempdir().unwrap();
        let root = workspace::canonical(top.path());
        let ok = |r: &Path| foreign_repo(r, &[r.to_path_buf()]);
        assert!(ok(&root).is_ok(), "no repository at all");
        std::fs::create_dir_all(root.join("evil")).unwrap();
        std::os::unix::fs::symlink(root.join("evil"), root.join(".git")).unwrap();
        assert!(ok(&root).unwrap_err().contains("symlink"));
        std::fs::remove_file(root.join(".git")).unwrap();
        std::fs::write(root.join(".git"), "gitdir: evil\n").unwrap();
        assert!(ok(&root).unwrap_err().contains("points inside"));
        std::fs::write(root.join(".git"), "gitdir: /elsewhere/.git/worktrees/w\n").unwrap();
        assert!(ok(&root).is_ok(), "a worktree of a repository elsewhere");
        std::fs::remove_file(root.join(".git")).unwrap();
        std::fs::write(root.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        assert!(ok(&root).unwrap_err().contains("bare repository"));
        std::fs::create_dir_all(root.join(".git")).unwrap();
        assert!(ok(&root).is_ok(), "the root's own .git folder wins");
    }

    #[test]
    fn pattern_parts_over_match() {
        assert!(matches("*.rs", "main.rs"));
        assert!(matches("*", ".hidden"));
        assert!(matches("[ab]x", "zx"), "a class matches any one character");
        assert!(matches("a?c", "abc"));
        assert!(!matches("*.rs", "main.toml"));
        assert!(matches("[", "["));
        assert!(matches("*a*b", "xxaxxb") && !matches("*a*b", "xxaxx"));
        assert!(matches("[!x]y", "zy"), "a class spans to its `]`");
        // Many stars against a long name finish at once.
        let long = "a".repeat(300);
        assert!(!matches(&"*a".repeat(40).replace("a*a", "a*c"), &long));
    }
}
