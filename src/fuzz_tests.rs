//! Fuzz-style tests: random and adversarial bytes, cut at random places,
//! fed to every decoder of outside data (SSE, NDJSON, each provider's event
//! parser, MCP and ACP JSON-RPC framing, the markdown renderer). They pass
//! when nothing panics; release builds abort on panic, so a panic here is a
//! crash a server or a peer could cause.

use crate::limits::Lines;
use crate::provider::stream::{self, Framing, Splitter};
use crate::provider::{anthropic, gemini, ollama, openai, sse, Delta};

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Fragments that break parsers: framing, JSON syntax, huge and negative
/// numbers, invalid UTF-8, deep nesting.
const NASTY: &[&[u8]] = &[
    b"\n",
    b"\r\n",
    b"\n\n",
    b"data: ",
    b"data:",
    b"event: ",
    b":",
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b"null",
    b"-1",
    b"1e400",
    b"-9223372036854775809",
    b"18446744073709551616",
    b"NaN",
    b"\xff\xfe",
    b"\xe2\x82",
    b"\xf0\x9f\x98",
    b"\\u",
    b"\\ud800",
    b"\"index\":4294967296",
    b"\"index\":-1",
    b"[DONE]",
    b"\x00",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(6) {
        let at = rng.below(v.len() + 1);
        match rng.below(6) {
            0 => {
                let frag = NASTY[rng.below(NASTY.len())];
                v.splice(at..at, frag.iter().copied());
            }
            1 if at < v.len() => {
                let end = (at + rng.below(40)).min(v.len());
                v.drain(at..end);
            }
            2 if at < v.len() => v[at] = rng.next() as u8,
            3 if at < v.len() => {
                let end = (at + rng.below(200)).min(v.len());
                let copy = v[at..end].to_vec();
                v.splice(at..at, copy);
            }
            4 => {
                let depth = 1 + rng.below(300);
                let nest: Vec<u8> = std::iter::repeat_n(b'[', depth).collect();
                v.splice(at..at, nest);
            }
            _ => {
                let junk: Vec<u8> = (0..rng.below(32)).map(|_| rng.next() as u8).collect();
                v.splice(at..at, junk);
            }
        }
    }
    v
}

/// Cuts `bytes` into random chunks.
fn chunks<'a>(rng: &mut Rng, bytes: &'a [u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(64));
        let (a, b) = rest.split_at(n);
        out.push(a);
        rest = b;
    }
    out
}

/// Every input to try: mutations of the seeds, pure noise, and deep nesting.
fn inputs(seeds: &[&str], rounds: usize, salt: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ salt);
    let mut out: Vec<Vec<u8>> = seeds.iter().map(|s| s.as_bytes().to_vec()).collect();
    for i in 0..rounds {
        let seed = seeds[i % seeds.len()].as_bytes();
        out.push(mutate(&mut rng, seed));
    }
    for _ in 0..rounds / 10 {
        out.push((0..rng.below(400)).map(|_| rng.next() as u8).collect());
    }
    let deep = format!("data: {}{}\n\n", "[".repeat(10_000), "]".repeat(10_000));
    out.push(deep.into_bytes());
    let deep_obj = format!(
        "data: {}1{}\n\n",
        "{\"a\":".repeat(10_000),
        "}".repeat(10_000)
    );
    out.push(deep_obj.into_bytes());
    out
}

const OPENAI: &str = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi \u{e9}\"}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"read\",\"arguments\":\"{\\\"path\\\":\"}}]}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"a\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7}}\n\ndata: [DONE]\n\n";

const ANTHROPIC: &str = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hm\"}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"read\",\"input\":{}}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\":\\\"a\\\"}\"}}\n\nevent: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\nevent: ping\ndata: {\"type\":\"ping\"}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

const GEMINI: &str = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hel\"}]}}]}\n\ndata: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"read\",\"args\":{\"path\":\"a\"}}},{\"text\":\"lo\",\"thought\":true}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":2}}\n\n";

const OLLAMA: &str = "{\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}\n{\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"read\",\"arguments\":{\"path\":\"a\"}}}]},\"done\":false}\n{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":4,\"eval_count\":2}\n";

/// Runs one decoder over every input, chunked at random, with a small limit
/// so the over-the-limit path is exercised too.
fn drive<D: stream::Decoder>(
    seeds: &[&str],
    framing: Framing,
    salt: u64,
    make: impl Fn() -> D,
    finish: impl Fn(D),
) {
    let mut rng = Rng(salt.wrapping_add(1));
    for input in inputs(seeds, 1500, salt) {
        let max = if rng.below(4) == 0 { 64 } else { 1 << 20 };
        let mut dec = make();
        let mut split = Splitter::with_limit(framing, "fuzz", max);
        let mut sink = |_: Delta<'_>| {};
        let mut ok = true;
        for c in chunks(&mut rng, &input) {
            if split.feed(c, &mut dec, &mut sink).is_err() {
                ok = false;
                break;
            }
        }
        if ok {
            let _ = split.finish(&mut dec, &mut sink);
        }
        finish(dec);
    }
}

#[test]
fn provider_decoders_survive_hostile_streams() {
    drive(
        &[OPENAI],
        Framing::Sse,
        1,
        || openai::Decoder::new("openai"),
        |d| {
            let _ = d.finish();
        },
    );
    drive(
        &[ANTHROPIC],
        Framing::Sse,
        2,
        anthropic::Decoder::default,
        |d| {
            let _ = d.finish();
        },
    );
    drive(&[GEMINI], Framing::Sse, 3, gemini::Decoder::default, |d| {
        let _ = d.finish();
    });
    drive(
        &[OLLAMA],
        Framing::Lines,
        4,
        ollama::Decoder::default,
        |d| {
            let _ = d.finish();
        },
    );
}

#[test]
fn seed_streams_split_at_every_boundary_decode_the_same() {
    for (seed, framing) in [(OPENAI, Framing::Sse), (OLLAMA, Framing::Lines)] {
        let bytes = seed.as_bytes();
        for i in 0..=bytes.len() {
            let (a, b) = bytes.split_at(i);
            let mut dec = openai::Decoder::new("openai");
            let mut dec2 = ollama::Decoder::default();
            let d: &mut dyn stream::Decoder = if framing == Framing::Sse {
                &mut dec
            } else {
                &mut dec2
            };
            let (r, _) = stream::feed_chunks(framing, &[a, b], d);
            r.expect("a valid stream decodes at any split");
        }
    }
}

#[test]
fn sse_and_line_framing_survive_noise() {
    let seeds = [
        OPENAI,
        ANTHROPIC,
        "id: 1\nretry: 99999999999999999999\ndata: x\n\n",
    ];
    let mut rng = Rng(7);
    for input in inputs(&seeds, 3000, 5) {
        let mut p = sse::Parser::with_limit(1 + rng.below(300));
        let mut n = 0usize;
        for c in chunks(&mut rng, &input) {
            p.feed(c, &mut |e| n += e.data.len());
        }
        p.finish(&mut |e| n += e.data.len());
        let mut l = Lines::new(1 + rng.below(300));
        for c in chunks(&mut rng, &input) {
            l.feed(c, &mut |_| true);
        }
        let _ = l.finish();
    }
}

#[test]
fn acp_and_mcp_json_rpc_survive_hostile_messages() {
    let seeds = [
        r#"{"jsonrpc":"2.0","id":1,"method":"session/prompt","params":{"sessionId":"s","prompt":[{"type":"text","text":"hi"}]}}"#,
        r#"{"jsonrpc":"2.0","id":"a-b","result":{"outcome":{"outcome":"selected","optionId":"allow"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"wisp-1","progress":1e400,"total":-1}}"#,
        r#"[{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"x"}},{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}]"#,
    ];
    let (peer, _out, _notices) = crate::mcp::jsonrpc::pair();
    for input in inputs(&seeds, 3000, 9) {
        let text = String::from_utf8_lossy(&input);
        let _ = crate::acp::rpc::parse(&text);
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
            peer.incoming(v);
        }
        let o = crate::limits::Overlong {
            len: input.len(),
            head: input.iter().take(512).copied().collect(),
            tail: input.iter().rev().take(512).rev().copied().collect(),
        };
        let _ = o.id();
        let _ = crate::acp::rpc::too_long(&o);
    }
}

#[test]
fn error_bodies_and_one_line_messages_survive_any_text() {
    let seeds = [
        r#"{"error":{"message":"bad key \u00e9\u00e9\u00e9","type":"x"}}"#,
        "<html>Service \u{e9}\u{1F600} unavailable</html>",
    ];
    for input in inputs(&seeds, 2000, 11) {
        let text = String::from_utf8_lossy(&input);
        let _ = crate::provider::http::error_message(&text, 500);
        let _ = crate::provider::one_line(&text);
        let _ = crate::provider::retry::parse_retry_after(&text);
    }
    // A long multi-byte message is cut at a character boundary.
    let long = format!("a{}", "\u{e9}".repeat(400));
    assert!(crate::provider::one_line(&long).ends_with('\u{2026}'));
}

#[test]
fn markdown_renderer_survives_model_text() {
    let seeds = [
        "# Title\n\nSome *text* with `code` and **bold**.\n\n- a\n  - b\n\n```rust\nfn x() {}\n```\n\n| a | b |\n|---|---|\n| 1 | \u{e9} |\n",
        "1. x\n2. y\n\n> quote\n\n---\n```\nunclosed",
    ];
    let mut rng = Rng(13);
    for input in inputs(&seeds, 1500, 13) {
        let text = String::from_utf8_lossy(&input);
        for styled in [false, true] {
            let mut md = crate::render::markdown::MarkdownStream::new(1 + rng.below(100), styled);
            let mut out = Vec::new();
            let mut rest: &str = &text;
            while !rest.is_empty() {
                let mut n = 1 + rng.below(rest.len().min(40));
                while !rest.is_char_boundary(n) {
                    n += 1;
                }
                let _ = md.push(&rest[..n], &mut out);
                rest = &rest[n..];
            }
            let _ = md.finish(&mut out);
        }
    }
}

#[test]
fn files_and_commands_from_outside_survive_any_text() {
    let seeds = [
        "---\nname: x\ndescription: \"quoted\"\nargument-hint: [a]\n---\nRun $1 and $ARGUMENTS and ${2} and $10\n",
        "cargo test -- --nocapture && git log --oneline | head -5; sed -n '1,5p' a.txt > /dev/null",
        "echo \"$(rm -rf /)\" 'single' `tick` $VAR ${X:-y} <<EOF\nhere\nEOF\n",
        "${HOME}/bin/$USER-${MISSING:-d}",
        "bash(cargo test*)",
    ];
    let root = std::path::Path::new("/tmp");
    let workspace = tempfile::tempdir().expect("tempdir");
    let safe = ["make test".to_string()];
    let scope = crate::permissions::shell::Scope {
        root: workspace.path(),
        cwd: workspace.path(),
        safe_commands: &safe,
    };
    for input in inputs(&seeds, 3000, 17) {
        let text = String::from_utf8_lossy(&input);
        let _ = crate::prompts::parse::parse(&text);
        let _ = crate::prompts::parse::first_line(&text);
        let _ = crate::prompts::parse::substitute(&text, &text);
        let _ = crate::permissions::shell::classify(&text, &scope);
        let _ = crate::permissions::shell::catastrophic(&text);
        let _ = crate::permissions::rules::Rule::parse(&text);
        let _ = crate::permissions::rules::wildcard(&text, "cargo test --all");
        let _ = crate::mcp::config::expand(&text);
        let _ = crate::mcp::config::parse(&text, true);
        let _ = crate::session::list::is_id(&text);
        let _ = crate::session::parse(&text, root);
        let _ = crate::tools::cap_head_tail(&text, 1 + input.len() % 50);
        let args = serde_json::json!({"command": text, "path": text});
        let _ = crate::permissions::rules::subject("bash", &args, root, root);
    }
}
