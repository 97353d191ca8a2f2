//! Sessions: the append-only JSONL transcript of a conversation, written as
//! it happens so a crash loses at most the step in flight, and read back to
//! resume it. Also home to undo checkpoints and saved large tool outputs.
//!
//! The file is a header line, then one event per line. Messages are stored
//! in the provider-neutral form, so a session resumes on any provider.

pub mod compact;
pub mod instructions;
pub mod list;
pub mod resume;
pub mod undo;

use crate::agent::conversation::{Message, Role, Usage};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The first line of a transcript. Never holds a key or other secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub id: String,
    /// Unix seconds.
    pub created: u64,
    pub cwd: PathBuf,
    pub provider: String,
    pub model: String,
    pub version: String,
}

/// One line of a transcript, as written.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Event {
    Session(Header),
    Message {
        message: Message,
    },
    Usage {
        usage: Usage,
    },
    Mode {
        mode: String,
    },
    Model {
        provider: String,
        model: String,
    },
    Rename {
        name: String,
    },
    /// The first `replaced` messages were replaced by a summary.
    Compaction {
        summary: String,
        replaced: usize,
    },
    /// A file's content before and after a tool changed it (for `/undo`).
    Checkpoint {
        seq: u64,
        turn: u32,
        path: PathBuf,
        before: Option<String>,
        after: Option<String>,
    },
    /// `/undo` used these checkpoints up.
    Undone {
        undone: Vec<u64>,
    },
    /// The session moved to another directory (a worktree, or back).
    Cwd {
        cwd: PathBuf,
    },
}

/// One line of a transcript, as read: a flat struct rather than a tagged
/// enum, which keeps the deserialiser (and the binary) small.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Line {
    #[serde(rename = "type")]
    kind: String,
    message: Option<Message>,
    id: String,
    created: u64,
    cwd: PathBuf,
    provider: String,
    model: String,
    version: String,
    name: String,
    summary: String,
    replaced: usize,
    seq: u64,
    turn: u32,
    path: PathBuf,
    before: Option<String>,
    after: Option<String>,
    undone: Vec<u64>,
}

/// How the compaction summary's user message begins.
pub const SUMMARY_MARK: &str = "[Summary of the earlier conversation, compacted to save context]";

/// The messages that stand in for compacted history (a user/assistant pair,
/// so the kept turns still alternate).
pub fn summary_messages(summary: &str) -> Vec<Message> {
    vec![
        Message::user_text(format!("{SUMMARY_MARK}\n{summary}")),
        Message {
            role: Role::Assistant,
            content: vec![crate::agent::conversation::Block::Text {
                text: "Understood; continuing from the summary.".into(),
            }],
        },
    ]
}

/// A live session: where its transcript goes and what is not written yet.
pub struct Session {
    pub header: Header,
    pub path: PathBuf,
    pub name: Option<String>,
    /// Lines waiting for the next flush.
    pending: String,
    /// How many of the conversation's messages the transcript holds.
    recorded: usize,
    /// The file is created with the first event, so an idle start leaves nothing.
    started: bool,
    /// A write failed; reported once, then the session runs without a transcript.
    broken: bool,
    /// The most recent model call's usage (for /context).
    pub last_usage: Option<Usage>,
    pub undo: undo::Checkpoints,
    saved_outputs: u32,
}

pub fn sessions_dir() -> PathBuf {
    crate::paths::data_dir().join("sessions")
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for unix seconds.
pub fn iso(secs: u64) -> String {
    let (y, m, d, hh, mm, ss) = civil(secs);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

/// `YYYY-MM-DD HH:MM` (UTC) for unix seconds.
pub fn date(secs: u64) -> String {
    let (y, m, d, hh, mm, _) = civil(secs);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}")
}

fn civil(secs: u64) -> (i64, u32, u32, u64, u64, u64) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

/// A new id: sortable by time, unique enough per machine.
fn new_id(secs: u64) -> String {
    let (y, m, d, hh, mm, ss) = civil(secs);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let salt = (std::process::id() ^ nanos) & 0xffff;
    format!("{y:04}{m:02}{d:02}-{hh:02}{mm:02}{ss:02}-{salt:04x}")
}

impl Session {
    /// A fresh session in `cwd`; nothing is written until the first message.
    pub fn new(cwd: &Path, provider: &str, model: &str) -> Session {
        let created = now();
        let id = new_id(created);
        Session {
            path: sessions_dir().join(format!("{id}.jsonl")),
            header: Header {
                id,
                created,
                cwd: cwd.to_path_buf(),
                provider: provider.to_string(),
                model: model.to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            name: None,
            pending: String::new(),
            recorded: 0,
            started: false,
            broken: false,
            last_usage: None,
            undo: undo::Checkpoints::default(),
            saved_outputs: 0,
        }
    }

    /// Continues a loaded session, appending to its file.
    pub fn resumed(l: &Loaded) -> Session {
        let mut s = Session::new(&l.header.cwd, &l.header.provider, &l.header.model);
        s.header = l.header.clone();
        s.path = l.path.clone();
        s.name = l.name.clone();
        s.recorded = l.messages.len();
        s.started = true;
        s.undo = undo::Checkpoints::restore(l.checkpoints.clone());
        s
    }

    fn push(&mut self, ev: &Event) {
        if let Ok(line) = serde_json::to_string(ev) {
            self.pending.push_str(&line);
            self.pending.push('\n');
        }
    }

    pub fn note_usage(&mut self, u: &Usage) {
        self.last_usage = Some(*u);
        self.push(&Event::Usage { usage: *u });
    }

    /// Records the change a tool made, in memory and in the transcript.
    pub async fn record_change(&mut self, snap: undo::Snapshot) {
        if let Some(c) = self.undo.record(snap).await {
            self.push(&Event::Checkpoint {
                seq: c.seq,
                turn: c.turn,
                path: c.path,
                before: c.before,
                after: c.after,
            });
        }
    }

    /// `/undo`: puts files back and notes which checkpoints were used up.
    pub async fn undo(&mut self, n: usize, force: bool) -> undo::Report {
        let r = self.undo.undo(n, force).await;
        if !r.dropped.is_empty() {
            self.push(&Event::Undone {
                undone: r.dropped.clone(),
            });
            self.flush().await;
        }
        r
    }

    /// Records a move to `dir`, so a resume goes back there.
    pub fn note_cwd(&mut self, dir: &Path) {
        self.push(&Event::Cwd {
            cwd: dir.to_path_buf(),
        });
    }

    pub fn note_mode(&mut self, mode: &str) {
        self.push(&Event::Mode { mode: mode.into() });
    }

    pub fn note_model(&mut self, provider: &str, model: &str) {
        self.header.provider = provider.into();
        self.header.model = model.into();
        self.push(&Event::Model {
            provider: provider.into(),
            model: model.into(),
        });
    }

    pub fn rename(&mut self, name: &str) {
        self.name = Some(name.into());
        self.push(&Event::Rename { name: name.into() });
    }

    /// Records that the first `replaced` messages became `summary`; the
    /// conversation now holds `now_len` messages.
    pub fn note_compaction(&mut self, summary: &str, replaced: usize, now_len: usize) {
        self.push(&Event::Compaction {
            summary: summary.into(),
            replaced,
        });
        self.recorded = now_len;
    }

    /// Writes the messages added since the last sync, and any pending events.
    pub async fn sync(&mut self, messages: &[Message]) {
        if self.recorded > messages.len() {
            self.recorded = messages.len();
        }
        for m in &messages[self.recorded..] {
            let ev = Event::Message { message: m.clone() };
            self.push(&ev);
        }
        self.recorded = messages.len();
        self.flush().await;
    }

    async fn flush(&mut self) {
        if self.broken {
            // Not saving any more: do not let unwritten events pile up in memory.
            self.pending = String::new();
            return;
        }
        if self.pending.is_empty() {
            return;
        }
        let mut text = std::mem::take(&mut self.pending);
        if !self.started {
            let head = Event::Session(self.header.clone());
            let line = serde_json::to_string(&head).unwrap_or_default();
            text.insert_str(0, &format!("{line}\n"));
        }
        match append(&self.path, text.as_bytes()).await {
            Ok(()) => self.started = true,
            Err(e) => {
                self.broken = true;
                crate::render::eprintln(&format!(
                    "wisp: cannot write the session transcript {}: {e}; continuing without it",
                    self.path.display()
                ));
            }
        }
    }

    /// The session's folder beside its transcript: saved outputs live there.
    pub fn dir(&self) -> PathBuf {
        self.path.with_extension("")
    }

    /// Saves a tool's full output next to the transcript; returns its path.
    pub async fn save_output(&mut self, text: &str) -> Option<PathBuf> {
        self.saved_outputs += 1;
        let dir = self.dir();
        let path = dir.join(format!("output-{}.txt", self.saved_outputs));
        crate::private::dir_async(&dir).await.ok()?;
        let mut f = crate::private::options_async()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&path)
            .await
            .ok()?;
        tokio::io::AsyncWriteExt::write_all(&mut f, &crate::redact::bytes(text.as_bytes()))
            .await
            .ok()?;
        Some(path)
    }
}

async fn append(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    if let Some(dir) = path.parent() {
        crate::private::dir_async(dir).await?;
    }
    let mut f = crate::private::options_async()
        .create(true)
        .append(true)
        .open(path)
        .await?;
    f.write_all(&crate::redact::bytes(bytes)).await?;
    f.flush().await
}

/// A transcript read back.
#[derive(Debug)]
pub struct Loaded {
    pub header: Header,
    pub path: PathBuf,
    pub name: Option<String>,
    pub messages: Vec<Message>,
    /// Notes about lines that could not be read.
    pub notes: Vec<String>,
    /// Undo checkpoints not yet used up.
    pub checkpoints: Vec<undo::Saved>,
    /// Where the session last moved to (`/worktree`), when not where it started.
    pub moved: Option<PathBuf>,
}

impl Loaded {
    /// The user's typed prompts (not tool results), oldest first.
    pub fn prompts(&self) -> impl Iterator<Item = String> + '_ {
        self.messages
            .iter()
            .filter(|m| m.role == Role::User && !m.text().is_empty())
            .map(|m| m.text())
            .filter(|t| !t.starts_with(SUMMARY_MARK))
    }
}

/// Reads a transcript. A torn last line is skipped with a note.
pub async fn load(path: &Path) -> Result<Loaded, String> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&String::from_utf8_lossy(&bytes), path)
}

pub fn parse(text: &str, path: &Path) -> Result<Loaded, String> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut header = None;
    let mut out = Loaded {
        header: Header {
            id: String::new(),
            created: 0,
            cwd: PathBuf::new(),
            provider: String::new(),
            model: String::new(),
            version: String::new(),
        },
        path: path.to_path_buf(),
        name: None,
        messages: Vec::new(),
        notes: Vec::new(),
        checkpoints: Vec::new(),
        moved: None,
    };
    for (i, line) in lines.iter().enumerate() {
        let ev = match serde_json::from_str::<Line>(line) {
            Ok(ev) => ev,
            Err(_) if i + 1 == lines.len() => {
                out.notes
                    .push("skipped a torn last line (wisp stopped while writing it)".to_string());
                continue;
            }
            Err(e) => {
                out.notes
                    .push(format!("skipped unreadable line {}: {e}", i + 1));
                continue;
            }
        };
        match ev.kind.as_str() {
            "session" => {
                header = Some(Header {
                    id: ev.id,
                    created: ev.created,
                    cwd: ev.cwd,
                    provider: ev.provider,
                    model: ev.model,
                    version: ev.version,
                })
            }
            "message" => out.messages.extend(ev.message),
            "model" => {
                if let Some(h) = header.as_mut() {
                    h.provider = ev.provider;
                    h.model = ev.model;
                }
            }
            "rename" => out.name = Some(ev.name),
            "checkpoint" => out.checkpoints.push(undo::Saved {
                seq: ev.seq,
                turn: ev.turn,
                path: ev.path,
                before: ev.before,
                after: ev.after,
            }),
            "cwd" => out.moved = Some(ev.cwd),
            "undone" => out.checkpoints.retain(|c| !ev.undone.contains(&c.seq)),
            "compaction" => {
                let (summary, replaced) = (ev.summary, ev.replaced);
                let n = replaced.min(out.messages.len());
                out.messages.drain(..n);
                out.messages.splice(0..0, summary_messages(&summary));
            }
            // Usage, mode changes and kinds from newer versions change nothing here.
            _ => {}
        }
    }
    out.header = header.ok_or_else(|| format!("{}: not a wisp session", path.display()))?;
    if out.moved.as_ref() == Some(&out.header.cwd) {
        out.moved = None;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::conversation::Block;

    #[test]
    fn dates_are_civil() {
        assert_eq!(date(0), "1970-01-01 00:00");
        assert_eq!(date(1_764_063_819), "2025-11-25 09:43");
        assert_eq!(iso(1_764_063_819), "2025-11-25T09:43:39Z");
    }

    #[tokio::test]
    async fn round_trip_and_torn_last_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = Session::new(dir.path(), "openai", "m");
        s.path = dir.path().join("s.jsonl");
        let msgs = vec![
            Message::user_text("hello"),
            Message {
                role: Role::Assistant,
                content: vec![Block::Text { text: "hi".into() }],
            },
        ];
        s.sync(&msgs[..1]).await;
        s.rename("greeting");
        s.sync(&msgs).await;
        let mut text = std::fs::read_to_string(&s.path).expect("written");
        text.push_str("{\"type\":\"message\",\"message\":{\"role\":\"us");
        std::fs::write(&s.path, &text).expect("tear");
        let l = load(&s.path).await.expect("loads");
        assert_eq!(l.messages, msgs);
        assert_eq!(l.name.as_deref(), Some("greeting"));
        assert_eq!(l.header.provider, "openai");
        assert_eq!(l.notes.len(), 1, "{:?}", l.notes);
        assert!(!text.contains("key"), "no secrets: {text}");
    }
}
