//! Size limits on what wisp reads from outside (provider streams, error
//! bodies, MCP and ACP messages) and writes for it (saved command output),
//! and the bounded line splitter every newline-framed reader uses.
//!
//! The front end sets the limits once from the configuration; the core reads
//! them here, so no lower module needs to know where they came from.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

const MIB: u64 = 1024 * 1024;

static MESSAGE: AtomicUsize = AtomicUsize::new(8 * MIB as usize);
static SAVED_OUTPUT: AtomicU64 = AtomicU64::new(64 * MIB);
static SESSION_OUTPUT: AtomicU64 = AtomicU64::new(512 * MIB);

/// Most bytes in one line, event or body read from a peer (`limits.message`).
pub fn message() -> usize {
    MESSAGE.load(Ordering::Relaxed)
}

/// Most bytes of one command's output saved to a file (`limits.saved_output`).
pub fn saved_output() -> u64 {
    SAVED_OUTPUT.load(Ordering::Relaxed)
}

/// Most bytes of command output saved over a whole session (`limits.session_output`).
pub fn session_output() -> u64 {
    SESSION_OUTPUT.load(Ordering::Relaxed)
}

/// Sets the limits given; None keeps the default. Zero is raised to one
/// byte so a limit never reads as "unlimited".
pub fn set(message: Option<u64>, saved_output: Option<u64>, session_output: Option<u64>) {
    if let Some(m) = message {
        let m = usize::try_from(m.max(1)).unwrap_or(usize::MAX);
        MESSAGE.store(m, Ordering::Relaxed);
    }
    if let Some(s) = saved_output {
        SAVED_OUTPUT.store(s.max(1), Ordering::Relaxed);
    }
    if let Some(s) = session_output {
        SESSION_OUTPUT.store(s.max(1), Ordering::Relaxed);
    }
}

/// A size for people: `8 MiB`, `512 KiB`, `100 bytes`.
pub fn human(n: u64) -> String {
    if n >= MIB && n % MIB == 0 {
        format!("{} MiB", n / MIB)
    } else if n >= 1024 && n % 1024 == 0 {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// The error for a message over the limit, naming the setting that raises it.
pub fn too_long(what: &str) -> String {
    format!(
        "{what} is longer than the {} limit (raise `message` under [limits] in config.toml)",
        human(message() as u64)
    )
}

/// How much of each end of an overlong line is kept, to find its id.
const KEEP: usize = 512;

/// A line that went over the limit: its length and its two ends.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Overlong {
    pub len: usize,
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
}

impl Overlong {
    fn start(buf: &[u8], more: &[u8]) -> Overlong {
        let mut o = Overlong::default();
        o.add(buf);
        o.add(more);
        o
    }

    fn add(&mut self, bytes: &[u8]) {
        self.len += bytes.len();
        if self.head.len() < KEEP {
            let n = bytes.len().min(KEEP - self.head.len());
            self.head.extend_from_slice(&bytes[..n]);
        }
        if bytes.len() >= KEEP {
            self.tail.clear();
            self.tail.extend_from_slice(&bytes[bytes.len() - KEEP..]);
        } else {
            let drop = (self.tail.len() + bytes.len()).saturating_sub(KEEP);
            self.tail.drain(..drop);
            self.tail.extend_from_slice(bytes);
        }
    }

    /// The JSON-RPC id at either end of the message (`"id":7` or `"id":"x"`),
    /// so the request it answers can be failed rather than left waiting.
    pub fn id(&self) -> Option<serde_json::Value> {
        find_id(&self.head).or_else(|| find_id(&self.tail))
    }
}

fn find_id(bytes: &[u8]) -> Option<serde_json::Value> {
    let text = String::from_utf8_lossy(bytes);
    let mut rest: &str = &text;
    while let Some(i) = rest.find("\"id\"") {
        rest = &rest[i + 4..];
        let after = rest.trim_start();
        let Some(value) = after.strip_prefix(':') else {
            continue;
        };
        let value = value.trim_start();
        if let Some(s) = value.strip_prefix('"') {
            if let Some(end) = s.find('"') {
                return Some(serde_json::Value::String(s[..end].to_string()));
            }
        } else {
            let digits: String = value
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '-')
                .collect();
            if let Ok(n) = digits.parse::<i64>() {
                return Some(n.into());
            }
        }
    }
    None
}

/// One piece out of the splitter.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// A whole line, without its `\n` (a trailing `\r` is kept).
    Line(&'a [u8]),
    /// A line over the limit, already thrown away.
    TooLong(Overlong),
}

/// Splits bytes into lines whatever the chunking, holding at most `max`
/// bytes of a line: a longer one is dropped as it streams and reported once
/// it ends. Each byte is looked at once, so the cost is linear in the input.
pub struct Lines {
    max: usize,
    buf: Vec<u8>,
    skipping: Option<Overlong>,
}

impl Lines {
    pub fn new(max: usize) -> Self {
        Lines {
            max,
            buf: Vec::new(),
            skipping: None,
        }
    }

    /// Feeds bytes; `on` gets each piece they complete and returns false to stop
    /// (the rest of `bytes` is then dropped).
    pub fn feed(&mut self, mut bytes: &[u8], on: &mut dyn FnMut(Piece<'_>) -> bool) {
        while !bytes.is_empty() {
            let nl = bytes.iter().position(|&b| b == b'\n');
            if let Some(skip) = &mut self.skipping {
                let Some(i) = nl else {
                    skip.add(bytes);
                    return;
                };
                skip.add(&bytes[..i]);
                bytes = &bytes[i + 1..];
                let done = self.skipping.take().unwrap_or_default();
                if !on(Piece::TooLong(done)) {
                    return;
                }
                continue;
            }
            let Some(i) = nl else {
                if self.buf.len() + bytes.len() > self.max {
                    self.skipping = Some(Overlong::start(&self.buf, bytes));
                    self.buf = Vec::new();
                } else {
                    self.grow(bytes.len());
                    self.buf.extend_from_slice(bytes);
                }
                return;
            };
            let (line, rest) = (&bytes[..i], &bytes[i + 1..]);
            bytes = rest;
            let go = if self.buf.len() + line.len() > self.max {
                let o = Overlong::start(&self.buf, line);
                self.buf = Vec::new();
                on(Piece::TooLong(o))
            } else if self.buf.is_empty() {
                on(Piece::Line(line))
            } else {
                self.grow(line.len());
                self.buf.extend_from_slice(line);
                let whole = std::mem::take(&mut self.buf);
                let go = on(Piece::Line(&whole));
                // Keep a modest buffer for the next partial line, not a huge one.
                if whole.capacity() <= 64 * 1024 {
                    self.buf = whole;
                    self.buf.clear();
                }
                go
            };
            if !go {
                return;
            }
        }
    }

    /// Grows the buffer by doubling but never past the limit, so holding a
    /// line just under it never costs twice the limit.
    fn grow(&mut self, more: usize) {
        let need = self.buf.len() + more;
        if need > self.buf.capacity() {
            let want = (self.buf.capacity() * 2).clamp(need, self.max.max(need));
            self.buf.reserve_exact(want - self.buf.len());
        }
    }

    /// The input ended: what is left of an unterminated last line.
    pub fn finish(&mut self) -> Option<Piece<'_>> {
        if let Some(o) = self.skipping.take() {
            return Some(Piece::TooLong(o));
        }
        if self.buf.is_empty() {
            None
        } else {
            Some(Piece::Line(&self.buf))
        }
    }

    /// Empties the buffer after [`Lines::finish`].
    pub fn clear(&mut self) {
        self.buf = Vec::new();
        self.skipping = None;
    }
}

/// Reads the next line from an async reader through `lines`: Some(piece
/// owned) or None at the end of input. For stdio transports (MCP, ACP).
pub async fn next_line<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
    lines: &mut Lines,
) -> std::io::Result<Option<Owned>> {
    use tokio::io::AsyncBufReadExt;
    loop {
        let chunk = reader.fill_buf().await?;
        if chunk.is_empty() {
            let out = lines.finish().map(Owned::from);
            lines.clear();
            return Ok(out);
        }
        // Feed up to and including the first newline, so exactly one piece comes out.
        let n = chunk
            .iter()
            .position(|&b| b == b'\n')
            .map_or(chunk.len(), |i| i + 1);
        let mut got = None;
        lines.feed(&chunk[..n], &mut |p| {
            got = Some(Owned::from(p));
            false
        });
        reader.consume(n);
        if got.is_some() {
            return Ok(got);
        }
    }
}

/// A [`Piece`] that owns its bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Owned {
    Line(Vec<u8>),
    TooLong(Overlong),
}

impl From<Piece<'_>> for Owned {
    fn from(p: Piece<'_>) -> Owned {
        match p {
            Piece::Line(l) => Owned::Line(l.to_vec()),
            Piece::TooLong(o) => Owned::TooLong(o),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(max: usize, chunks: &[&[u8]]) -> Vec<Owned> {
        let mut l = Lines::new(max);
        let mut out = Vec::new();
        for c in chunks {
            l.feed(c, &mut |p| {
                out.push(Owned::from(p));
                true
            });
        }
        out.extend(l.finish().map(Owned::from));
        out
    }

    #[test]
    fn lines_come_out_whole_at_every_split() {
        let body = b"one\r\ntwo\n\nthree-long-line\nfour";
        let whole = split(100, &[body]);
        assert_eq!(whole.len(), 5);
        for i in 0..=body.len() {
            let (a, b) = body.split_at(i);
            assert_eq!(split(100, &[a, b]), whole, "split at {i}");
        }
        let singles: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(split(100, &singles), whole);
    }

    #[test]
    fn an_overlong_line_is_reported_and_the_next_one_kept() {
        let body = b"ok\n{\"id\":42,\"x\":\"aaaaaaaaaaaaaaaaaaaa\"}\nnext\n";
        for i in 0..=body.len() {
            let (a, b) = body.split_at(i);
            let out = split(10, &[a, b]);
            assert_eq!(out.len(), 3, "split at {i}: {out:?}");
            assert_eq!(out[0], Owned::Line(b"ok".to_vec()));
            let Owned::TooLong(o) = &out[1] else {
                panic!("{out:?}")
            };
            assert_eq!(o.len, 36);
            assert_eq!(o.id(), Some(42.into()));
            assert_eq!(out[2], Owned::Line(b"next".to_vec()));
        }
    }

    #[test]
    fn an_unterminated_overlong_line_is_reported_at_the_end() {
        let out = split(4, &[b"abcdef", b"gh"]);
        assert!(matches!(&out[..], [Owned::TooLong(o)] if o.len == 8));
    }

    #[test]
    fn ids_are_found_at_either_end() {
        let mut o = Overlong::default();
        let (start, end) = (
            br#"{"jsonrpc":"2.0","result":{"text":""#,
            br#""},"id" : "abc"}"#,
        );
        o.add(start);
        o.add(&[b'x'; 4000]);
        o.add(end);
        assert_eq!(o.id(), Some("abc".into()));
        assert_eq!(o.len, start.len() + 4000 + end.len());
        assert_eq!(Overlong::default().id(), None);
    }

    #[test]
    fn memory_stays_at_the_limit_for_a_huge_line() {
        let mut l = Lines::new(1000);
        let chunk = [b'x'; 300];
        for _ in 0..10_000 {
            l.feed(&chunk, &mut |_| true);
            assert!(l.buf.capacity() <= 1000);
        }
        assert!(matches!(l.finish(), Some(Piece::TooLong(o)) if o.len == 3_000_000));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn next_line_reads_one_piece_at_a_time() {
        let data: &[u8] = b"a\nbbbbbbbbbbbb\nc";
        let mut r = tokio::io::BufReader::with_capacity(3, data);
        let mut l = Lines::new(5);
        let mut got = Vec::new();
        while let Some(p) = next_line(&mut r, &mut l).await.expect("read") {
            got.push(p);
        }
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], Owned::Line(b"a".to_vec()));
        assert!(matches!(&got[1], Owned::TooLong(o) if o.len == 12));
        assert_eq!(got[2], Owned::Line(b"c".to_vec()));
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human(8 * MIB), "8 MiB");
        assert_eq!(human(2048), "2 KiB");
        assert_eq!(human(100), "100 bytes");
    }
}
