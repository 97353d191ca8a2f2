//! Path checks: a safe command still asks when it names a path outside the workspace.

use std::path::Path;

/// A safe command still asks when an argument names a path outside the
/// workspace (`cat /etc/passwd`, `ls ../other`, `head ~/.bashrc`).
pub fn outside(root: &Path, cwd: &Path, command: &str) -> Option<String> {
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
            super::super::workspace::check(root, cwd, &w, &[]).filter(|why| why.contains("outside"))
        })
}
