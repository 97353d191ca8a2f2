//! Files inside the workspace that a sandboxed command may not change:
//! `.git/config`, `.git/hooks/`, `.wisp/` and `.mcp.json`, at the top and in
//! every nested repository. They run code outside the sandbox later (git's
//! hooks and `core.fsmonitor`, wisp's own config, MCP servers).
//!
//! Landlock cannot deny a subpath of a writable tree, and a command may
//! create a nested repository wisp has never seen, so these are checked
//! after the command instead: the known ones are copied before it and put
//! back when changed; any other protected file changed during the command
//! (its ctime, which no process can set back, is newer than the start) is
//! removed. Either way the model and the user are told.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Protected names, relative to a repository's folder.
const ITEMS: [&str; 4] = [".git/config", ".git/hooks", ".wisp", ".mcp.json"];
/// Files larger than this are watched but not copied.
const MAX_COPY: u64 = 1 << 20;
/// File times come from a coarse clock that may lag the real one.
const CLOCK_SLACK: Duration = Duration::from_millis(50);

/// What a path was: its kind and, for a file, enough to tell it changed
/// (inode, size, change time: any write moves the change time, and no
/// process can set it back) and, when small, its bytes to put it back.
#[derive(Clone)]
enum Entry {
    Dir,
    File(Stamp, Option<(Vec<u8>, u32)>),
    Link(PathBuf),
}

#[derive(Clone, Copy, PartialEq)]
struct Stamp(u64, u64, i64, i64);

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        match (self, other) {
            (Entry::Dir, Entry::Dir) => true,
            (Entry::File(a, _), Entry::File(b, _)) => a == b,
            (Entry::Link(a), Entry::Link(b)) => a == b,
            _ => false,
        }
    }
}

/// Nested repositories seen by the last walk of each workspace, so the next
/// command copies theirs before it runs.
static NESTED: Mutex<Vec<(PathBuf, Vec<PathBuf>)>> = Mutex::new(Vec::new());

/// The protected files of a workspace as they were before a command.
pub struct Snapshot {
    root: PathBuf,
    start: SystemTime,
    /// Repository folders (relative; "" is the workspace) whose items were copied.
    bases: Vec<PathBuf>,
    entries: BTreeMap<PathBuf, Entry>,
}

/// The entry at `path`; file contents only when `copy` (and small).
fn entry(path: &Path, copy: bool) -> Option<Entry> {
    let m = std::fs::symlink_metadata(path).ok()?;
    let ft = m.file_type();
    Some(if ft.is_dir() {
        Entry::Dir
    } else if ft.is_symlink() {
        Entry::Link(std::fs::read_link(path).ok()?)
    } else {
        let stamp = Stamp(m.ino(), m.len(), m.ctime(), m.ctime_nsec());
        let bytes = (copy && ft.is_file() && m.len() <= MAX_COPY)
            .then(|| std::fs::read(path).ok())
            .flatten();
        Entry::File(stamp, bytes.map(|b| (b, m.permissions().mode())))
    })
}

/// Everything at and beneath `rel` (not following links), into `out`.
fn capture(root: &Path, rel: &Path, copy: bool, out: &mut BTreeMap<PathBuf, Entry>) {
    let Some(e) = entry(&root.join(rel), copy) else {
        return;
    };
    let is_dir = matches!(e, Entry::Dir);
    out.insert(rel.to_path_buf(), e);
    if is_dir {
        if let Ok(rd) = std::fs::read_dir(root.join(rel)) {
            for d in rd.flatten() {
                capture(root, &rel.join(d.file_name()), copy, out);
            }
        }
    }
}

/// The protected items of a repository folder.
fn items(base: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    ITEMS.iter().map(move |i| base.join(i))
}

/// Folders under `root` (relative) that hold a `.git` directory, not
/// following links and not looking inside `.git` itself.
fn nested_repos(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(root.join(&rel)) else {
            continue;
        };
        for d in rd.flatten() {
            if !d.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let name = d.file_name();
            if name == ".git" {
                if !rel.as_os_str().is_empty() {
                    found.push(rel.clone());
                }
                continue;
            }
            stack.push(rel.join(name));
        }
    }
    found
}

/// True when every folder from `root` down to `rel`'s parent is a real
/// folder, so writing at `rel` cannot be redirected by a symlink.
fn parents_are_dirs(root: &Path, rel: &Path) -> bool {
    let mut p = root.to_path_buf();
    let comps: Vec<_> = rel.components().collect();
    for c in &comps[..comps.len().saturating_sub(1)] {
        p.push(c);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_dir() => {}
            _ => return false,
        }
    }
    true
}

fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

impl Snapshot {
    /// Copies the protected files of the workspace and of the nested
    /// repositories known so far (the first command walks to find them).
    pub fn take(root: &Path) -> Snapshot {
        let start = SystemTime::now();
        let known = NESTED
            .lock()
            .ok()
            .and_then(|n| n.iter().find(|(r, _)| r == root).map(|(_, v)| v.clone()));
        let mut bases = vec![PathBuf::new()];
        bases.extend(known.unwrap_or_else(|| nested_repos(root)));
        let mut entries = BTreeMap::new();
        for b in &bases {
            for i in items(b) {
                capture(root, &i, true, &mut entries);
            }
        }
        Snapshot {
            root: root.to_path_buf(),
            start,
            bases,
            entries,
        }
    }

    /// Puts back what the command changed; one line per file put back or
    /// removed, for the model and the user.
    pub fn restore(&self) -> Vec<String> {
        let root = &self.root;
        let mut notes = Vec::new();
        for b in &self.bases {
            for item in items(b) {
                let before: BTreeMap<_, _> = self
                    .entries
                    .range(item.clone()..)
                    .take_while(|(k, _)| k.starts_with(&item))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let mut now = BTreeMap::new();
                capture(root, &item, false, &mut now);
                if now == before && !now.iter().any(|(k, e)| self.touched(k, e, &before)) {
                    continue;
                }
                notes.push(self.put_back(&item, &before));
            }
        }
        let repos = nested_repos(root);
        let since = self
            .start
            .checked_sub(CLOCK_SLACK)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        for b in repos.iter().filter(|r| !self.bases.contains(r)) {
            for item in items(b) {
                let mut now = BTreeMap::new();
                capture(root, &item, false, &mut now);
                let changed = now.keys().any(|k| {
                    std::fs::symlink_metadata(root.join(k)).is_ok_and(|m| {
                        let ctime = SystemTime::UNIX_EPOCH
                            + Duration::new(m.ctime().max(0) as u64, m.ctime_nsec() as u32);
                        ctime >= since
                    })
                });
                if changed && parents_are_dirs(root, &item) {
                    notes.push(match remove(&root.join(&item)) {
                        Ok(()) => format!("removed {}", item.display()),
                        Err(e) => format!("could not remove {}: {e}", item.display()),
                    });
                }
            }
        }
        if let Ok(mut n) = NESTED.lock() {
            n.retain(|(r, _)| r != root);
            n.push((root.clone(), repos));
        }
        notes
    }

    /// A file whose change time is too close to the start to tell it apart
    /// (the clock behind it is coarse) counts as changed unless its bytes
    /// and mode are what they were.
    fn touched(&self, rel: &Path, now: &Entry, before: &BTreeMap<PathBuf, Entry>) -> bool {
        let Entry::File(Stamp(_, _, sec, nsec), _) = now else {
            return false;
        };
        let ctime = SystemTime::UNIX_EPOCH + Duration::new((*sec).max(0) as u64, *nsec as u32);
        if ctime
            < self
                .start
                .checked_sub(CLOCK_SLACK)
                .unwrap_or(SystemTime::UNIX_EPOCH)
        {
            return false;
        }
        let was = match before.get(rel) {
            Some(Entry::File(_, Some(copy))) => copy,
            _ => return true,
        };
        let path = self.root.join(rel);
        let mode = std::fs::symlink_metadata(&path).map(|m| m.permissions().mode());
        mode.ok() != Some(was.1) || std::fs::read(&path).ok().as_ref() != Some(&was.0)
    }

    /// Replaces `item` with what it was before.
    fn put_back(&self, item: &Path, before: &BTreeMap<PathBuf, Entry>) -> String {
        let root = &self.root;
        let shown = item.display();
        if !parents_are_dirs(root, item) {
            return format!("could not restore {shown}: a folder above it was replaced");
        }
        let r = (|| -> std::io::Result<bool> {
            remove(&root.join(item))?;
            let mut whole = true;
            for (rel, e) in before {
                let p = root.join(rel);
                match e {
                    Entry::Dir => std::fs::create_dir(&p)?,
                    Entry::File(_, Some((bytes, mode))) => {
                        std::fs::write(&p, bytes)?;
                        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode))?;
                    }
                    Entry::File(_, None) => whole = false,
                    Entry::Link(target) => std::os::unix::fs::symlink(target, &p)?,
                }
            }
            Ok(whole)
        })();
        match r {
            Ok(true) if before.is_empty() => format!("removed {shown}"),
            Ok(true) => format!("restored {shown}"),
            Ok(false) => format!("restored {shown}, except files too large to keep a copy of"),
            Err(e) => format!("could not restore {shown}: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_put_back_and_new_repos_lose_theirs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        std::fs::create_dir_all(root.join(".git/hooks")).expect("mkdir");
        std::fs::write(root.join(".git/config"), "[core]\n").expect("write");
        std::fs::write(root.join(".git/hooks/pre-push.sample"), "x").expect("write");
        let snap = Snapshot::take(&root);

        // Same size, same inode, within the coarse clock's tick: still seen.
        std::fs::write(root.join(".git/hooks/pre-push.sample"), "y").expect("w");
        std::fs::write(root.join(".git/config"), "[core]\nfsmonitor = evil\n").expect("w");
        std::fs::write(root.join(".git/hooks/pre-commit"), "evil").expect("w");
        std::fs::create_dir_all(root.join("sub/.git/hooks")).expect("mkdir");
        std::fs::write(root.join("sub/.git/config"), "[core]\nfsmonitor = evil\n").expect("w");
        std::fs::write(root.join(".mcp.json"), "{}").expect("w");
        std::fs::write(root.join("ok.txt"), "fine").expect("w");

        let notes = snap.restore();
        assert_eq!(
            std::fs::read_to_string(root.join(".git/config")).expect("config"),
            "[core]\n"
        );
        assert!(!root.join(".git/hooks/pre-commit").exists());
        assert_eq!(
            std::fs::read_to_string(root.join(".git/hooks/pre-push.sample")).expect("sample"),
            "x"
        );
        assert!(!root.join(".mcp.json").exists());
        assert!(!root.join("sub/.git/config").exists());
        assert!(!root.join("sub/.git/hooks").exists());
        assert!(root.join("ok.txt").exists());
        assert!(
            notes.iter().any(|n| n == "restored .git/config"),
            "{notes:?}"
        );
        assert!(
            notes.iter().any(|n| n == "removed sub/.git/config"),
            "{notes:?}"
        );

        // Known now: a change to it is put back, not removed.
        std::fs::write(root.join("sub/.git/config"), "[user]\n").expect("w");
        let snap = Snapshot::take(&root);
        std::fs::write(root.join("sub/.git/config"), "[core]\nfsmonitor = x\n").expect("w");
        snap.restore();
        assert_eq!(
            std::fs::read_to_string(root.join("sub/.git/config")).expect("config"),
            "[user]\n"
        );
    }

    #[test]
    fn a_same_size_rewrite_in_the_same_clock_tick_is_seen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        std::fs::create_dir_all(root.join(".git")).expect("mkdir");
        std::fs::write(root.join(".git/config"), "[core]\n").expect("write");
        let snap = Snapshot::take(&root);
        std::fs::write(root.join(".git/config"), "[evil]\n").expect("write");
        let notes = snap.restore();
        assert_eq!(
            std::fs::read_to_string(root.join(".git/config")).expect("config"),
            "[core]\n",
            "{notes:?}"
        );
    }

    #[test]
    fn a_symlinked_parent_is_not_written_through() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        std::fs::create_dir_all(root.join(".git")).expect("mkdir");
        std::fs::write(root.join(".git/config"), "[core]\n").expect("write");
        let snap = Snapshot::take(&root);
        std::fs::remove_dir_all(root.join(".git")).expect("rm");
        std::os::unix::fs::symlink(outside.path(), root.join(".git")).expect("link");
        let notes = snap.restore();
        assert!(!outside.path().join("config").exists());
        assert!(
            notes.iter().any(|n| n.contains("could not restore")),
            "{notes:?}"
        );
    }
}
