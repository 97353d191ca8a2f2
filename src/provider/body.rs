//! Request bodies written one conversation entry at a time.
//!
//! A body holds the whole history. Built as one `serde_json::Value` tree, it
//! costs several times the text it carries (a map node per message), and that
//! peak, freed after every call, leaves the heap fragmented: RSS then grows
//! turn by turn. Here only one entry is ever a tree, and the bytes are
//! written twice, once to count them, so the buffer is allocated once at its
//! final size instead of doubling.

use crate::agent::conversation::Message;
use serde_json::Value;
use std::io::{self, Write};

/// Serialises `envelope`'s fields (an object) plus the conversation under
/// `key`, whose entries `entries` hands one by one to the function it gets.
/// `entries` runs twice, so it must hand the same entries both times.
pub fn build(envelope: &Value, key: &str, entries: impl Fn(&mut dyn FnMut(&Value))) -> Vec<u8> {
    // The envelope's fields, open for one more: `{"a":1,` (or `{`).
    let mut head = serde_json::to_vec(envelope).unwrap_or_default();
    if head.last() == Some(&b'}') {
        head.pop();
    }
    if head.is_empty() {
        head.push(b'{');
    }
    if head.len() > 1 {
        head.push(b',');
    }
    let mut counter = Counter(0);
    write(&mut counter, &head, key, &entries);
    let mut buf = Vec::with_capacity(counter.0);
    write(&mut buf, &head, key, &entries);
    buf
}

/// A chat body, the shape Chat Completions and Ollama's /api/chat share:
/// `messages` holds the system prompt as a message, then each message as
/// the one or more entries `each` makes of it.
pub fn chat(
    envelope: &Value,
    system: &str,
    messages: &[Message],
    each: fn(&mut Vec<Value>, &Message),
) -> Vec<u8> {
    build(envelope, "messages", |push| {
        if !system.is_empty() {
            push(&serde_json::json!({"role": "system", "content": system}));
        }
        let mut out = Vec::new();
        for m in messages {
            each(&mut out, m);
            out.drain(..).for_each(|v| push(&v));
        }
    })
}

fn write(out: &mut dyn Write, head: &[u8], key: &str, entries: &impl Fn(&mut dyn FnMut(&Value))) {
    // Neither writer can fail: one counts, the other grows a Vec.
    let _ = out.write_all(head);
    let _ = serde_json::to_writer(&mut *out, key);
    let _ = out.write_all(b":[");
    let mut first = true;
    entries(&mut |item: &Value| {
        if !first {
            let _ = out.write_all(b",");
        }
        first = false;
        let _ = serde_json::to_writer(&mut *out, item);
    });
    let _ = out.write_all(b"]}");
}

/// A writer that only counts what it is given.
struct Counter(usize);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conversation_joins_the_envelope_fields_in_a_buffer_of_its_size() {
        let entries = [
            json!({"role": "user", "content": "a \"quoted\" line\n"}),
            json!({"role": "assistant", "content": "b"}),
        ];
        let body = build(&json!({"model": "m", "stream": true}), "messages", |push| {
            entries.iter().for_each(&mut *push)
        });
        assert_eq!(body.len(), body.capacity());
        let parsed: Value = serde_json::from_slice(&body).expect("valid JSON");
        assert_eq!(
            parsed,
            json!({"model": "m", "stream": true, "messages": entries})
        );
    }

    #[test]
    fn empty_envelope_and_empty_conversation() {
        let body = build(&json!({}), "contents", |_| {});
        assert_eq!(body, br#"{"contents":[]}"#);
    }
}
