//! The temporary workspace the classifier tests run in: files, symlinks
//! into and out of it, a nested repository, a bare-looking folder and a
//! file named like an option.

use super::*;
use std::os::unix::fs::symlink;

/// A workspace with the layouts the rows rely on, beside an outside folder.
pub(super) struct Fixture {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

pub(super) fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("outside");
    let root = dir.path().join("ws");
    for d in ["src", "sub/.git", "bare/refs", "docs", "opts", ".git"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::create_dir_all(&out).unwrap();
    for f in [
        "src/main.rs",
        "f",
        "names.txt",
        "log.txt",
        "Cargo.toml",
        "README.md",
        "bare/HEAD",
    ] {
        std::fs::write(root.join(f), "x\n").unwrap();
    }
    std::fs::write(out.join("secret"), "s\n").unwrap();
    std::fs::write(root.join("opts/--output=made"), "").unwrap();
    symlink(&out, root.join("out_link")).unwrap();
    symlink(out.join("secret"), root.join("docs/secret_link")).unwrap();
    symlink(out.join("missing"), root.join("dangling")).unwrap();
    symlink(root.join("src"), root.join("src_link")).unwrap();
    let root = crate::permissions::workspace::canonical(&root);
    Fixture { _dir: dir, root }
}

pub(super) fn run(root: &Path, cmd: &str, safe: &[String]) -> Class {
    classify(
        cmd,
        &Scope {
            root,
            cwd: root,
            safe_commands: safe,
        },
    )
}
