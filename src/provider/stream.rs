//! Feeds a streamed response body to a provider's decoder, one payload at a
//! time: the `data:` of each Server-Sent Event, or each line of NDJSON.
//! Payloads come out whole whatever the chunking of the body.

use super::http::Http;
use super::sse;
use super::{DeltaSink, ProviderError};
use crate::limits::{Lines, Piece};

/// Turns a provider's stream payloads into deltas and, at the end, a reply.
pub trait Decoder {
    /// Handles one payload (an SSE `data:` value or one NDJSON line).
    fn payload(&mut self, data: &str, sink: &mut DeltaSink<'_>) -> Result<(), ProviderError>;
}

/// How payloads are framed in the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    Sse,
    /// Newline-delimited JSON (Ollama).
    Lines,
}

/// Splits body bytes into payloads and hands them to a decoder, holding at
/// most `limits::message()` bytes of one: a longer payload ends the stream
/// with an error naming the limit.
pub struct Splitter {
    framing: Framing,
    provider: &'static str,
    sse: sse::Parser,
    lines: Lines,
}

impl Splitter {
    pub fn new(framing: Framing, provider: &'static str) -> Self {
        Self::with_limit(framing, provider, crate::limits::message())
    }

    pub fn with_limit(framing: Framing, provider: &'static str, max: usize) -> Self {
        Splitter {
            framing,
            provider,
            sse: sse::Parser::with_limit(max),
            lines: Lines::new(max),
        }
    }

    fn too_long(&self) -> ProviderError {
        let what = match self.framing {
            Framing::Sse => "a stream event",
            Framing::Lines => "a stream line",
        };
        ProviderError::new(self.provider, crate::limits::too_long(what))
    }

    /// Feeds bytes; stops at the first payload the decoder rejects.
    pub fn feed(
        &mut self,
        bytes: &[u8],
        dec: &mut dyn Decoder,
        sink: &mut DeltaSink<'_>,
    ) -> Result<(), ProviderError> {
        let mut failure = None;
        match self.framing {
            Framing::Sse => {
                self.sse
                    .feed(bytes, &mut |ev| deliver(&ev.data, dec, sink, &mut failure));
                if self.sse.too_long && failure.is_none() {
                    failure = Some(self.too_long());
                }
            }
            Framing::Lines => {
                let mut over = false;
                self.lines.feed(bytes, &mut |p| {
                    match p {
                        Piece::Line(l) => {
                            deliver(&String::from_utf8_lossy(l), dec, sink, &mut failure)
                        }
                        Piece::TooLong(_) => over = true,
                    }
                    failure.is_none() && !over
                });
                if over && failure.is_none() {
                    failure = Some(self.too_long());
                }
            }
        }
        failure.map_or(Ok(()), Err)
    }

    /// The body ended: delivers a last payload not followed by a newline,
    /// unless it is incomplete JSON (the connection was cut inside it; the
    /// decoder then reports the missing end of the answer).
    pub fn finish(
        &mut self,
        dec: &mut dyn Decoder,
        sink: &mut DeltaSink<'_>,
    ) -> Result<(), ProviderError> {
        let mut last = None;
        match self.framing {
            Framing::Sse => {
                self.sse.finish(&mut |ev| last = Some(ev.data));
                if self.sse.too_long {
                    return Err(self.too_long());
                }
            }
            Framing::Lines => {
                let piece = self.lines.finish().map(crate::limits::Owned::from);
                self.lines.clear();
                match piece {
                    Some(crate::limits::Owned::Line(l)) => {
                        last = Some(String::from_utf8_lossy(&l).into_owned())
                    }
                    Some(crate::limits::Owned::TooLong(_)) => return Err(self.too_long()),
                    None => {}
                }
            }
        }
        match last {
            Some(data) if serde_json::from_str::<serde::de::IgnoredAny>(&data).is_ok() => {
                dec.payload(data.trim(), sink)
            }
            _ => Ok(()),
        }
    }
}

fn deliver(
    data: &str,
    dec: &mut dyn Decoder,
    sink: &mut DeltaSink<'_>,
    failure: &mut Option<ProviderError>,
) {
    if failure.is_none() && !data.trim().is_empty() {
        if let Err(e) = dec.payload(data.trim(), sink) {
            *failure = Some(e);
        }
    }
}

/// Reads a whole streamed response through `dec`.
pub async fn read(
    http: &Http,
    provider: &'static str,
    resp: reqwest::Response,
    framing: Framing,
    dec: &mut dyn Decoder,
    sink: &mut DeltaSink<'_>,
) -> Result<(), ProviderError> {
    let mut split = Splitter::new(framing, provider);
    http.read_stream(provider, resp, &mut |bytes| split.feed(bytes, dec, sink))
        .await?;
    split.finish(dec, sink)
}

/// An id for a tool call the wire format left without one, unique in this
/// process so front ends (ACP) never see two calls share an id.
pub fn call_id(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The message every decoder gives when a stream stops before its end marker.
pub const CUT_SHORT: &str = "stream ended before the answer was complete (connection dropped)";

/// Test helper: feeds `chunks` through a splitter; returns the outcome and the text shown.
#[cfg(test)]
pub fn feed_chunks(
    framing: Framing,
    chunks: &[&[u8]],
    dec: &mut dyn Decoder,
) -> (Result<(), ProviderError>, String) {
    let mut shown = String::new();
    let mut sink = |d: super::Delta<'_>| {
        if let super::Delta::Text(t) = d {
            shown.push_str(t)
        }
    };
    let mut split = Splitter::new(framing, "test");
    let mut result = Ok(());
    for c in chunks {
        result = split.feed(c, dec, &mut sink);
        if result.is_err() {
            break;
        }
    }
    if result.is_ok() {
        result = split.finish(dec, &mut sink);
    }
    (result, shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Vec<String>);
    impl Decoder for Collect {
        fn payload(&mut self, d: &str, _: &mut DeltaSink<'_>) -> Result<(), ProviderError> {
            self.0.push(d.to_string());
            Ok(())
        }
    }

    #[test]
    fn lines_split_anywhere_come_out_whole() {
        let body = "{\"a\":\"h\u{e9}\"}\r\n\n{\"b\":2}\n{\"c\":3}".as_bytes();
        for i in 0..=body.len() {
            let (a, b) = body.split_at(i);
            let mut c = Collect::default();
            let (r, _) = feed_chunks(Framing::Lines, &[a, b], &mut c);
            r.expect("ok");
            assert_eq!(
                c.0,
                ["{\"a\":\"h\u{e9}\"}", "{\"b\":2}", "{\"c\":3}"],
                "at {i}"
            );
        }
    }
}
