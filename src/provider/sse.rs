//! Server-Sent Events: splits a byte stream into events, whatever the chunking.
//!
//! Bytes are buffered until a full line is present, so an event split at any
//! byte (even inside a UTF-8 sequence) comes out whole. A line or an event
//! over the size limit is dropped as it streams and flagged in `too_long`.

use crate::limits::{Lines, Piece};

/// One event: its `event:` name (empty when absent) and its joined `data:` lines.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Event {
    pub event: String,
    pub data: String,
}

pub struct Parser {
    lines: Lines,
    max: usize,
    event: String,
    data: String,
    has_data: bool,
    /// The event being read went over the size limit: its data is dropped.
    dropping: bool,
    /// Set when a line or an event was over the limit and dropped; the
    /// reader decides whether that ends the stream.
    pub too_long: bool,
    /// The last `id:` seen and the last `retry:` (ms), for a client that
    /// resumes a stream (MCP's streamable HTTP).
    pub last_id: Option<String>,
    pub retry: Option<u64>,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// A parser holding at most `limits::message()` bytes of a line or an event.
    pub fn new() -> Self {
        Self::with_limit(crate::limits::message())
    }

    pub fn with_limit(max: usize) -> Self {
        Parser {
            lines: Lines::new(max),
            max,
            event: String::new(),
            data: String::new(),
            has_data: false,
            dropping: false,
            too_long: false,
            last_id: None,
            retry: None,
        }
    }

    /// Feeds bytes; calls `on_event` for each event completed by them.
    pub fn feed(&mut self, bytes: &[u8], on_event: &mut dyn FnMut(Event)) {
        let mut lines = std::mem::replace(&mut self.lines, Lines::new(0));
        lines.feed(bytes, &mut |p| {
            self.piece(p, on_event);
            true
        });
        self.lines = lines;
    }

    /// Ends the stream: an event not followed by a blank line still counts.
    pub fn finish(&mut self, on_event: &mut dyn FnMut(Event)) {
        let mut lines = std::mem::replace(&mut self.lines, Lines::new(0));
        if let Some(p) = lines.finish() {
            self.piece(p, on_event);
        }
        lines.clear();
        self.lines = lines;
        self.dispatch(on_event);
    }

    fn piece(&mut self, p: Piece<'_>, on_event: &mut dyn FnMut(Event)) {
        match p {
            Piece::Line(bytes) => {
                let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
                let line = String::from_utf8_lossy(bytes);
                self.line(&line, on_event);
            }
            Piece::TooLong(_) => {
                self.too_long = true;
                self.dropping = true;
                self.data = String::new();
            }
        }
    }

    fn line(&mut self, line: &str, on_event: &mut dyn FnMut(Event)) {
        if line.is_empty() {
            self.dispatch(on_event);
            return;
        }
        if line.starts_with(':') {
            return; // comment / keep-alive
        }
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" if self.dropping => {}
            "data" => {
                if self.data.len() + value.len() + 1 > self.max {
                    self.too_long = true;
                    self.dropping = true;
                    self.data = String::new();
                    return;
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.last_id = Some(value.to_string()),
            "retry" => self.retry = value.parse().ok().or(self.retry),
            _ => {}
        }
    }

    fn dispatch(&mut self, on_event: &mut dyn FnMut(Event)) {
        if self.dropping {
            self.dropping = false;
            self.data.clear();
        } else if self.has_data {
            on_event(Event {
                event: std::mem::take(&mut self.event),
                data: std::mem::take(&mut self.data),
            });
        }
        self.event.clear();
        self.has_data = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORDED: &str = "event: message_start\ndata: {\"a\":1}\n\n: keep-alive\n\ndata: {\"text\":\"h\u{e9}llo \u{1F600}\"}\r\n\r\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n";

    fn parse_chunks(chunks: &[&[u8]]) -> Vec<Event> {
        let mut p = Parser::new();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut |e| out.push(e));
        }
        p.finish(&mut |e| out.push(e));
        out
    }

    #[test]
    fn parses_recorded_stream() {
        let ev = parse_chunks(&[RECORDED.as_bytes()]);
        assert_eq!(ev.len(), 4);
        assert_eq!(ev[0].event, "message_start");
        assert_eq!(ev[0].data, "{\"a\":1}");
        assert_eq!(ev[1].event, "");
        assert_eq!(ev[1].data, "{\"text\":\"h\u{e9}llo \u{1F600}\"}");
        assert_eq!(ev[2].data, "line1\nline2");
        assert_eq!(ev[3].data, "[DONE]");
    }

    #[test]
    fn split_at_every_byte_boundary_gives_same_events() {
        let bytes = RECORDED.as_bytes();
        let whole = parse_chunks(&[bytes]);
        for i in 0..=bytes.len() {
            let (a, b) = bytes.split_at(i);
            assert_eq!(parse_chunks(&[a, b]), whole, "split at {i}");
        }
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(parse_chunks(&singles), whole);
    }

    #[test]
    fn last_event_without_blank_line_is_kept() {
        let ev = parse_chunks(&[b"data: x"]);
        assert_eq!(
            ev,
            vec![Event {
                event: String::new(),
                data: "x".into()
            }]
        );
    }

    #[test]
    fn remembers_the_last_id_and_retry_for_resuming() {
        let mut p = Parser::new();
        let mut n = 0;
        p.feed(
            b"id: e-1\nretry: 500\ndata: \n\nid: e-2\ndata: x\n\n",
            &mut |_| n += 1,
        );
        assert_eq!(n, 2);
        assert_eq!(p.last_id.as_deref(), Some("e-2"));
        assert_eq!(p.retry, Some(500));
    }
}
