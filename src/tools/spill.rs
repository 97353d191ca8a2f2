//! The file a command's output too long for the model is saved in, so the
//! model can read it back. Bounded: one command saves at most
//! `limits::saved_output()` bytes, keeping the head and the tail as the
//! in-memory cap does; a session saves at most `limits::session_output()`.

use crate::limits::{self, human};
use std::io::SeekFrom;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// Bytes reserved for saved output by this run of wisp (its sessions).
static SAVED: AtomicU64 = AtomicU64::new(0);

pub struct Spill {
    dir: Option<PathBuf>,
    file: Option<(tokio::fs::File, PathBuf)>,
    /// The session's budget was spent: nothing was saved.
    refused: bool,
    /// Most bytes this file may hold (reserved from the session's budget).
    cap: u64,
    /// Bytes written to the head of the file.
    head: u64,
    /// Every byte offered, saved or not.
    total: u64,
    /// Once the head is full, the latest bytes, kept in a second file used
    /// as a ring and appended to the first when the command ends.
    tail: Option<Ring>,
}

struct Ring {
    file: tokio::fs::File,
    path: PathBuf,
    size: u64,
    pos: u64,
    wrapped: bool,
}

impl Spill {
    pub fn new(dir: Option<PathBuf>) -> Spill {
        Spill {
            dir,
            file: None,
            refused: false,
            cap: 0,
            head: 0,
            total: 0,
            tail: None,
        }
    }

    pub fn started(&self) -> bool {
        self.file.is_some() || self.refused || self.dir.is_none()
    }

    /// Opens the file with everything so far; once per command.
    pub async fn start(&mut self, so_far: &[u8]) {
        let Some(dir) = self.dir.take() else { return };
        let cap = limits::saved_output();
        let reserved = SAVED.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
            let left = limits::session_output().saturating_sub(used);
            (left > 0).then(|| used + cap.min(left))
        });
        let Ok(used) = reserved else {
            self.refused = true;
            return;
        };
        self.cap = cap.min(limits::session_output().saturating_sub(used));
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("bash-{}-{n}.txt", std::process::id()));
        let opened = async {
            // Saved output is the user's: 0600 in a 0700 folder.
            crate::private::dir_async(&dir).await?;
            crate::private::options_async()
                .create(true)
                .write(true)
                .truncate(true)
                .open(&path)
                .await
        }
        .await;
        match opened {
            Ok(f) => {
                self.file = Some((f, path));
                self.write(so_far).await;
            }
            Err(_) => self.release(),
        }
    }

    /// Appends output: to the head while it has room, then to the tail ring.
    pub async fn write(&mut self, chunk: &[u8]) {
        if self.file.is_none() {
            return;
        }
        // A secret a command printed is not kept on disk.
        let redacted = crate::redact::bytes(chunk);
        let mut chunk: &[u8] = &redacted;
        self.total += chunk.len() as u64;
        let head_max = self.cap / 2;
        if self.head < head_max {
            let n = chunk
                .len()
                .min(usize::try_from(head_max - self.head).unwrap_or(usize::MAX));
            let ok = match &mut self.file {
                Some((f, _)) => f.write_all(&chunk[..n]).await.is_ok(),
                None => false,
            };
            if !ok {
                return self.fail().await;
            }
            self.head += n as u64;
            chunk = &chunk[n..];
        }
        if chunk.is_empty() {
            return;
        }
        if self.tail.is_none() {
            if let Err(()) = self.open_ring().await {
                return self.fail().await;
            }
        }
        if let Some(ring) = &mut self.tail {
            if ring.push(chunk).await.is_err() {
                self.fail().await;
            }
        }
    }

    async fn open_ring(&mut self) -> Result<(), ()> {
        let Some((_, path)) = &self.file else {
            return Err(());
        };
        let path = path.with_extension("tail");
        let file = crate::private::options_async()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .await
            .map_err(|_| ())?;
        self.tail = Some(Ring {
            file,
            path,
            size: self.cap - self.cap / 2,
            pos: 0,
            wrapped: false,
        });
        Ok(())
    }

    /// A write failed (disk full): nothing half-saved is offered to the model.
    async fn fail(&mut self) {
        if let Some((_, path)) = self.file.take() {
            let _ = tokio::fs::remove_file(&path).await;
        }
        if let Some(r) = self.tail.take() {
            let _ = tokio::fs::remove_file(&r.path).await;
        }
        self.release();
    }

    fn release(&mut self) {
        let cap = std::mem::take(&mut self.cap);
        let _ = SAVED.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
            Some(u.saturating_sub(cap))
        });
    }

    /// Ends the file; returns the note for the model, if anything was saved
    /// or refused.
    pub async fn finish(mut self) -> Option<String> {
        if self.refused {
            return Some(format!(
                "[the full output was not saved: this session already saved {} of command output (limits.session_output)]",
                human(limits::session_output())
            ));
        }
        let (mut f, path) = self.file.take()?;
        let mut kept = self.head;
        if let Some(mut ring) = self.tail.take() {
            let ring_len = if ring.wrapped { ring.size } else { ring.pos };
            kept += ring_len;
            let note = format!(
                "\n[... {} bytes omitted: saved output keeps the first and last {} (limits.saved_output) ...]\n",
                self.total - kept,
                human(self.cap / 2)
            );
            let copied = async {
                if self.total > kept {
                    f.write_all(note.as_bytes()).await?;
                }
                ring.copy_to(&mut f).await
            }
            .await;
            let _ = tokio::fs::remove_file(&ring.path).await;
            if copied.is_err() {
                let _ = tokio::fs::remove_file(&path).await;
                return None;
            }
        }
        if f.flush().await.is_err() {
            return None;
        }
        // Give back what this command reserved and did not use.
        let unused = self.cap.saturating_sub(kept);
        let _ = SAVED.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
            Some(u.saturating_sub(unused))
        });
        let whole = kept == self.total;
        Some(if whole {
            format!(
                "[the full output ({} bytes) is saved in {}; read it with offset and limit]",
                self.total,
                path.display()
            )
        } else {
            format!(
                "[the output ({} bytes) is saved in {}, its first and last {} only (limits.saved_output); read it with offset and limit]",
                self.total,
                path.display(),
                human(self.cap / 2)
            )
        })
    }
}

impl Ring {
    async fn push(&mut self, mut chunk: &[u8]) -> std::io::Result<()> {
        if self.size == 0 {
            return Ok(());
        }
        let size = usize::try_from(self.size).unwrap_or(usize::MAX);
        if chunk.len() >= size {
            chunk = &chunk[chunk.len() - size..];
        }
        while !chunk.is_empty() {
            let room = usize::try_from(self.size - self.pos).unwrap_or(usize::MAX);
            let n = chunk.len().min(room);
            self.file.seek(SeekFrom::Start(self.pos)).await?;
            self.file.write_all(&chunk[..n]).await?;
            self.pos += n as u64;
            if self.pos == self.size {
                self.pos = 0;
                self.wrapped = true;
            }
            chunk = &chunk[n..];
        }
        Ok(())
    }

    /// Appends the ring's bytes, oldest first, to `out`.
    async fn copy_to(&mut self, out: &mut tokio::fs::File) -> std::io::Result<()> {
        self.file.flush().await?;
        let parts = if self.wrapped {
            [(self.pos, self.size), (0, self.pos)]
        } else {
            [(0, self.pos), (0, 0)]
        };
        let mut buf = vec![0u8; 64 * 1024];
        for (from, to) in parts {
            self.file.seek(SeekFrom::Start(from)).await?;
            let mut left = to - from;
            while left > 0 {
                let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                let n = self.file.read(&mut buf[..want]).await?;
                if n == 0 {
                    break;
                }
                out.write_all(&buf[..n]).await?;
                left -= n as u64;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_capped_file_keeps_head_and_tail_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = Spill::new(Some(dir.path().to_path_buf()));
        s.dir.take();
        s.cap = 20;
        let path = dir.path().join("out.txt");
        s.file = Some((
            tokio::fs::File::create(&path).await.expect("create"),
            path.clone(),
        ));
        let data: Vec<u8> = (0..100u8).map(|i| b'a' + i % 26).collect();
        for c in data.chunks(7) {
            s.write(c).await;
        }
        let note = s.finish().await.expect("note");
        assert!(note.contains("first and last 10 bytes only"), "{note}");
        let saved = std::fs::read(&path).expect("saved");
        let text = String::from_utf8_lossy(&saved);
        let want_tail = String::from_utf8_lossy(&data[90..]).into_owned();
        assert!(
            text.starts_with("abcdefghij\n[... 80 bytes omitted"),
            "{text}"
        );
        assert!(text.ends_with(&format!("...]\n{want_tail}")), "{text}");
        assert!(
            !path.with_extension("tail").exists(),
            "the ring file is removed"
        );
    }
}
