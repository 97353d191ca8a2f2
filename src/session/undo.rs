//! Undo checkpoints: each file's content before `write` or `edit` changed it,
//! grouped by turn, so `/undo` can put files back and `/diff` can show what
//! the session changed. Commands run through `bash` are not tracked.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// Files larger than this are not copied into the transcript: their undo
/// works until wisp exits, not after a resume.
const PERSIST_MAX: usize = 1 << 20;

/// One change a tool made to one file.
struct Change {
    /// Order of recording, so the transcript can say which were undone.
    seq: u64,
    turn: u32,
    path: PathBuf,
    /// None: the file did not exist.
    before: Option<Vec<u8>>,
    /// None: the file was gone afterwards.
    after: Option<Vec<u8>>,
}

#[derive(Default)]
pub struct Checkpoints {
    turn: u32,
    changes: Vec<Change>,
    next_seq: u64,
}

/// A change as written in the transcript (text files only). Its fields are
/// written and read as those of a transcript line, which keeps the binary small.
#[derive(Debug, Default, Clone)]
pub struct Saved {
    pub seq: u64,
    pub turn: u32,
    pub path: PathBuf,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A file's state before a tool call that may change it.
pub struct Snapshot {
    path: PathBuf,
    before: Option<Vec<u8>>,
}

/// Reads the file a `write` or `edit` call is about to change.
pub async fn snapshot(tool: &str, input: &Value, cwd: &Path) -> Option<Snapshot> {
    if tool != "write" && tool != "edit" {
        return None;
    }
    let p = input.get("path")?.as_str()?;
    let path = crate::tools::resolve_path(cwd, p);
    let before = tokio::fs::read(&path).await.ok();
    Some(Snapshot { path, before })
}

/// What `/undo` did.
#[derive(Debug, Default, PartialEq)]
pub struct Report {
    pub restored: Vec<PathBuf>,
    pub removed: Vec<PathBuf>,
    /// Changed by someone else since; left alone.
    pub skipped: Vec<PathBuf>,
    pub failed: Vec<(PathBuf, String)>,
    pub turns: usize,
    /// Checkpoints dropped (by `seq`), for the transcript.
    pub dropped: Vec<u64>,
}

impl Checkpoints {
    /// A new user turn begins: later changes group under it.
    pub fn begin_turn(&mut self) {
        self.turn += 1;
    }

    /// Takes over a subagent's changes as part of the current turn, so
    /// `/undo` and `/diff` cover what children did.
    pub fn absorb(&mut self, other: Checkpoints) {
        let turn = self.turn;
        for c in other.changes {
            let seq = self.next_seq;
            self.next_seq += 1;
            self.changes.push(Change { turn, seq, ..c });
        }
    }

    /// Records the change a tool call made, if it made one; returns it in
    /// the form the transcript keeps, when it can be kept there.
    pub async fn record(&mut self, snap: Snapshot) -> Option<Saved> {
        let after = tokio::fs::read(&snap.path).await.ok();
        if after == snap.before {
            return None;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let text = |b: &Option<Vec<u8>>| match b {
            None => Some(None),
            Some(v) if v.len() <= PERSIST_MAX => String::from_utf8(v.clone()).ok().map(Some),
            Some(_) => None,
        };
        let saved = match (text(&snap.before), text(&after)) {
            (Some(before), Some(after)) => Some(Saved {
                seq,
                turn: self.turn,
                path: snap.path.clone(),
                before,
                after,
            }),
            _ => None,
        };
        self.changes.push(Change {
            seq,
            turn: self.turn,
            path: snap.path,
            before: snap.before,
            after,
        });
        saved
    }

    /// Rebuilds checkpoints read back from a transcript.
    pub fn restore(saved: Vec<Saved>) -> Checkpoints {
        let mut cp = Checkpoints::default();
        for s in saved {
            cp.turn = cp.turn.max(s.turn);
            cp.next_seq = cp.next_seq.max(s.seq + 1);
            cp.changes.push(Change {
                seq: s.seq,
                turn: s.turn,
                path: s.path,
                before: s.before.map(String::into_bytes),
                after: s.after.map(String::into_bytes),
            });
        }
        cp
    }

    /// Puts back the files changed by the last `n` turns that changed files.
    /// A file changed by someone else since is left alone and its checkpoint
    /// kept (for `/undo --force`), unless `force`.
    pub async fn undo(&mut self, n: usize, force: bool) -> Report {
        let mut report = Report::default();
        let mut kept: Vec<Change> = Vec::new();
        for _ in 0..n {
            let Some(turn) = self.changes.last().map(|c| c.turn) else {
                break;
            };
            let split = self
                .changes
                .iter()
                .position(|c| c.turn == turn)
                .unwrap_or(self.changes.len());
            let undone: Vec<Change> = self.changes.drain(split..).collect();
            report.turns += 1;
            // Per file: the state before the turn's first change, and after its last.
            let mut files: Vec<(Change, Vec<Change>)> = Vec::new();
            for c in undone {
                match files.iter_mut().find(|f| f.0.path == c.path) {
                    Some((f, all)) => {
                        f.after.clone_from(&c.after);
                        all.push(c);
                    }
                    None => {
                        let first = Change {
                            seq: c.seq,
                            turn: c.turn,
                            path: c.path.clone(),
                            before: c.before.clone(),
                            after: c.after.clone(),
                        };
                        files.push((first, vec![c]));
                    }
                }
            }
            for (
                Change {
                    path,
                    before,
                    after,
                    ..
                },
                all,
            ) in files
            {
                let now = tokio::fs::read(&path).await.ok();
                if now != after && !force {
                    report.skipped.push(path);
                    kept.extend(all);
                    continue;
                }
                report.dropped.extend(all.iter().map(|c| c.seq));
                let res = match &before {
                    Some(b) => tokio::fs::write(&path, b).await,
                    None => tokio::fs::remove_file(&path).await,
                };
                match (res, before.is_some()) {
                    (Err(e), _) => report.failed.push((path, e.to_string())),
                    (Ok(()), true) => report.restored.push(path),
                    (Ok(()), false) => report.removed.push(path),
                }
            }
        }
        kept.sort_by_key(|c| c.seq);
        self.changes.extend(kept);
        report
    }

    /// Each changed file: its content before the session changed it, and now.
    pub async fn changes(&self) -> Vec<(PathBuf, Option<String>, Option<String>)> {
        let mut seen: Vec<&Path> = Vec::new();
        let mut out = Vec::new();
        for c in &self.changes {
            if seen.contains(&c.path.as_path()) {
                continue;
            }
            seen.push(&c.path);
            let now = tokio::fs::read(&c.path).await.ok();
            let text =
                |b: &Option<Vec<u8>>| b.as_ref().map(|v| String::from_utf8_lossy(v).into_owned());
            out.push((c.path.clone(), text(&c.before), text(&now)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    async fn change(cp: &mut Checkpoints, dir: &Path, file: &str, content: &str) {
        let input = json!({"path": file});
        let snap = snapshot("write", &input, dir).await.expect("tracked");
        tokio::fs::write(dir.join(file), content)
            .await
            .expect("write");
        cp.record(snap).await;
    }

    #[tokio::test]
    async fn undo_restores_removes_and_respects_outside_changes() {
        let d = tempfile::tempdir().expect("tempdir");
        let dir = d.path();
        std::fs::write(dir.join("a.txt"), "one\n").expect("seed");
        std::fs::write(dir.join("b.txt"), "bee\n").expect("seed");
        let mut cp = Checkpoints::default();
        cp.begin_turn();
        change(&mut cp, dir, "a.txt", "two\n").await;
        cp.begin_turn();
        change(&mut cp, dir, "a.txt", "three\n").await;
        change(&mut cp, dir, "new.txt", "fresh\n").await;
        change(&mut cp, dir, "b.txt", "buzz\n").await;
        std::fs::write(dir.join("b.txt"), "someone else\n").expect("outside edit");

        let r = cp.undo(1, false).await;
        assert_eq!(r.restored, vec![dir.join("a.txt")]);
        assert_eq!(r.removed, vec![dir.join("new.txt")]);
        assert_eq!(r.skipped, vec![dir.join("b.txt")]);
        assert_eq!(
            std::fs::read_to_string(dir.join("a.txt")).expect("a"),
            "two\n"
        );
        assert!(!dir.join("new.txt").exists());
        assert_eq!(
            std::fs::read_to_string(dir.join("b.txt")).expect("b"),
            "someone else\n"
        );
        let r = cp.undo(5, false).await;
        assert_eq!(r.turns, 2, "the refused turn is offered again");
        assert_eq!(r.skipped, vec![dir.join("b.txt")]);
        assert_eq!(
            std::fs::read_to_string(dir.join("a.txt")).expect("a"),
            "one\n"
        );
        let r = cp.undo(1, true).await;
        assert_eq!(r.restored, vec![dir.join("b.txt")]);
        assert_eq!(
            std::fs::read_to_string(dir.join("b.txt")).expect("b"),
            "bee\n"
        );
        assert_eq!(cp.undo(1, false).await.turns, 0);
        assert!(snapshot("bash", &json!({"path": "x"}), dir).await.is_none());
    }
}
