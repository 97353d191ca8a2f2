//! Helpers shared by the tools.

use std::path::{Path, PathBuf};

/// Resolves a path the model gave against the session's working directory.
pub fn resolve_path(cwd: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    }
}
