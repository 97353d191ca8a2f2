//! Files wisp writes about the user's work (session transcripts, saved outputs, history, trust
//! records, MCP server logs) hold prompts, code and command output: they are created readable
//! by the user alone, `0600` files in `0700` folders, whatever the umask allows others.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

const DIR_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents as `0700`; an existing `dir` that others could read
/// is narrowed (only `dir` itself: parents may be shared folders the user made).
pub fn dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    narrow(dir, DIR_MODE)
}

/// `dir`, from async code (a few metadata calls, run off the runtime's thread).
pub async fn dir_async(d: &Path) -> std::io::Result<()> {
    let d = d.to_path_buf();
    tokio::task::spawn_blocking(move || dir(&d))
        .await
        .map_err(std::io::Error::other)?
}

/// Narrows an existing file or folder to `mode` when group or others have any access.
pub fn narrow(p: &Path, mode: u32) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(p)?;
    if meta.is_symlink() || meta.permissions().mode() & 0o077 == 0 {
        return Ok(());
    }
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
}

/// Narrows a file wisp keeps (history written by a library, a file from an older wisp).
pub fn narrow_file(p: &Path) -> std::io::Result<()> {
    narrow(p, FILE_MODE)
}

/// Options that create a missing file as `0600`.
pub fn options() -> std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut o = std::fs::OpenOptions::new();
    o.mode(FILE_MODE);
    o
}

/// Options that create a missing file as `0600`, for tokio.
pub fn options_async() -> tokio::fs::OpenOptions {
    let mut o = tokio::fs::OpenOptions::new();
    o.mode(FILE_MODE);
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn created_private_and_existing_narrowed() {
        let t = tempfile::tempdir().expect("tempdir");
        let d = t.path().join("a/b");
        dir(&d).expect("dir");
        assert_eq!(mode(&d), 0o700);
        assert_eq!(mode(&t.path().join("a")), 0o700);
        let f = d.join("f");
        options().create(true).append(true).open(&f).expect("open");
        assert_eq!(mode(&f), 0o600);
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        dir(&d).expect("again");
        assert_eq!(mode(&d), 0o700);
        let g = d.join("g");
        std::fs::write(&g, "x").expect("write");
        std::fs::set_permissions(&g, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        narrow_file(&g).expect("narrow");
        assert_eq!(mode(&g), 0o600);
    }
}
