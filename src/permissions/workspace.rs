//! The workspace boundary: canonical paths with symlinks resolved, and the
//! paths inside it that always ask (`.git/`, `.wisp/`, `.mcp.json`).

use std::path::{Component, Path, PathBuf};

/// Canonicalises a path that may not exist yet: the nearest existing
/// ancestor is resolved (symlinks included) and the rest appended. A
/// dangling symlink is followed to where it points, so a write through it
/// is judged by its target.
pub fn canonical(p: &Path) -> PathBuf {
    resolve(p, 0)
}

fn resolve(p: &Path, depth: usize) -> PathBuf {
    let mut existing = p.to_path_buf();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        if let Ok(c) = std::fs::canonicalize(&existing) {
            let mut out = c;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return normalize(&out);
        }
        // A symlink whose target does not exist (yet): follow it by hand.
        if let Ok(target) = std::fs::read_link(&existing) {
            let parent = existing.parent().unwrap_or(Path::new("/"));
            let mut out = if depth < 40 {
                resolve(&parent.join(target), depth + 1)
            } else {
                PathBuf::from("/")
            };
            for part in rest.iter().rev() {
                out.push(part);
            }
            return normalize(&out);
        }
        match (
            existing.file_name().map(|f| f.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return normalize(p),
        }
    }
}

/// Removes `.` and resolves `..` lexically (for the non-existing tail).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Why a path needs the user's approval, or None when it is an ordinary path
/// inside the workspace.
pub fn check(root: &Path, cwd: &Path, path: &str, protected: &[String]) -> Option<String> {
    let full = canonical(&crate::tools::resolve_path(cwd, path));
    let Ok(rel) = full.strip_prefix(root) else {
        return Some(format!("{} is outside the workspace", full.display()));
    };
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    // A nested repository's `.git` runs hooks and reads config just the same.
    if rel.components().any(|c| c.as_os_str() == ".git") {
        return Some("inside .git/ (hooks there run code)".into());
    }
    match first.as_deref() {
        Some(".wisp") => return Some("wisp's project config".into()),
        Some(".mcp.json") => return Some(".mcp.json starts programs".into()),
        _ => {}
    }
    let rel_s = rel.to_string_lossy();
    for p in protected {
        if super::rules::wildcard(p, &rel_s) {
            return Some(format!("{rel_s} is protected by config"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_and_protected_paths() {
        let dir = std::env::temp_dir().join(format!("wisp-ws-{}", std::process::id()));
        let root = dir.join("root");
        let _ = std::fs::create_dir_all(root.join("src"));
        let _ = std::fs::create_dir_all(dir.join("outside"));
        let _ = std::os::unix::fs::symlink(dir.join("outside"), root.join("link"));
        let root = canonical(&root);
        assert_eq!(check(&root, &root, "src/main.rs", &[]), None);
        assert_eq!(check(&root, &root, "new/dir/file.rs", &[]), None);
        assert!(check(&root, &root, "../outside/x", &[]).is_some());
        assert!(check(&root, &root, "/etc/passwd", &[]).is_some());
        assert!(
            check(&root, &root, "link/x", &[]).is_some(),
            "symlink out of the workspace"
        );
        assert!(check(&root, &root, ".git/hooks/pre-commit", &[]).is_some());
        assert!(check(&root, &root, "src/../.git/config", &[]).is_some());
        assert!(check(&root, &root, ".mcp.json", &[]).is_some());
        assert!(check(&root, &root, "secrets.env", &["*.env".to_string()]).is_some());
        // A dangling symlink is judged by where it points.
        let _ = std::os::unix::fs::symlink(dir.join("outside/new"), root.join("dangling"));
        assert!(check(&root, &root, "dangling", &[]).is_some_and(|w| w.contains("outside")));
        let _ = std::os::unix::fs::symlink("loop", root.join("loop"));
        assert!(check(&root, &root, "loop", &[]).is_some(), "a symlink loop");
        // `.git` at any depth.
        assert!(check(&root, &root, "vendor/lib/.git/hooks/post-checkout", &[]).is_some());
        assert!(check(&root, &root, "a/.git", &[]).is_some());
        assert_eq!(check(&root, &root, "a/.gitignore", &[]), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
