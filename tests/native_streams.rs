//! Native stream details aimock does not reproduce, served by a scripted
//! fake: Anthropic `ping` and signed thinking, Gemini `STOP` after calls that
//! have no ids, and errors that arrive inside a 200 stream.

mod support;
use serde_json::Value;
use support::fake::{Fake, Part, Reply};
use support::wisp;

fn sse(events: &[&str]) -> Reply {
    Reply {
        status: 200,
        headers: vec![("content-type".into(), "text/event-stream".into())],
        parts: events
            .iter()
            .map(|e| Part::Data(format!("{e}\n\n")))
            .collect(),
    }
}

fn body(fake: &Fake, i: usize) -> Value {
    let reqs = fake.requests.lock().expect("log").clone();
    serde_json::from_str(&reqs[i]).expect("JSON request")
}

#[test]
fn anthropic_ping_and_signed_thinking_go_back_verbatim() {
    let first = sse(&[
        r#"event: message_start
data: {"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","content":[],"model":"c","usage":{"input_tokens":10,"output_tokens":1}}}"#,
        "event: ping\ndata: {\"type\":\"ping\"}",
        r#"event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        r#"event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Look at the file."}}"#,
        r#"event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"SIG-abc=="}}"#,
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}",
        "event: ping\ndata: {\"type\":\"ping\"}",
        r#"event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"read","input":{}}}"#,
        r#"event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"path\":\"a.txt\"}"}}"#,
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}",
        r#"event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":20}}"#,
        "event: message_stop\ndata: {\"type\":\"message_stop\"}",
    ]);
    let second = sse(&[
        r#"event: message_start
data: {"type":"message_start","message":{"id":"m2","type":"message","role":"assistant","content":[],"model":"c","usage":{"input_tokens":30,"output_tokens":1}}}"#,
        r#"event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        r#"event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"It says hi."}}"#,
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}",
        r#"event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}"#,
        "event: message_stop\ndata: {\"type\":\"message_stop\"}",
    ]);
    let fake = Fake::start(vec![first, second]);
    let run = wisp()
        .env("WISP_PROVIDER", "anthropic")
        .env("ANTHROPIC_BASE_URL", &fake.base())
        .env("ANTHROPIC_API_KEY", "k")
        .file("a.txt", "hi\n")
        .args(&["-p", "what is in a.txt"])
        .run();
    run.success();
    assert_eq!(run.stdout, "It says hi.\n");
    let b = body(&fake, 1);
    let assistant = b["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["role"] == "assistant")
        .expect("assistant turn")
        .clone();
    let blocks = assistant["content"].as_array().expect("blocks");
    assert_eq!(blocks[0]["type"], "thinking");
    assert_eq!(blocks[0]["thinking"], "Look at the file.");
    assert_eq!(blocks[0]["signature"], "SIG-abc==");
    assert_eq!(blocks[1]["type"], "tool_use");
    assert_eq!(blocks[1]["id"], "toolu_1");
}

#[test]
fn anthropic_error_event_in_stream_is_one_line() {
    let fake = Fake::start(vec![sse(&[
        r#"event: message_start
data: {"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","content":[],"model":"c","usage":{"input_tokens":10,"output_tokens":1}}}"#,
        r#"event: error
data: {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long"}}"#,
    ])]);
    let run = wisp()
        .env("WISP_PROVIDER", "anthropic")
        .env("ANTHROPIC_BASE_URL", &fake.base())
        .env("ANTHROPIC_API_KEY", "k")
        .args(&["-p", "hi"])
        .run();
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr,
        "wisp: anthropic: error in stream: prompt is too long\n"
    );
}

#[test]
fn gemini_stop_after_calls_without_ids_runs_them_and_answers_by_name() {
    let first = sse(&[
        r#"data: {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"read","args":{"path":"a.txt"}}},{"functionCall":{"name":"glob","args":{"pattern":"*.txt"}}}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5}}"#,
    ]);
    let second = sse(&[
        r#"data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Read both."}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":3}}"#,
    ]);
    let fake = Fake::start(vec![first, second]);
    let run = wisp()
        .env("WISP_PROVIDER", "gemini")
        .env("GOOGLE_GEMINI_BASE_URL", &fake.base())
        .env("GEMINI_API_KEY", "k")
        .file("a.txt", "alpha\n")
        .args(&["-p", "read a.txt"])
        .run();
    run.success();
    assert_eq!(run.stdout, "Read both.\n");
    let b = body(&fake, 1);
    let parts: Vec<Value> = b["contents"]
        .as_array()
        .expect("contents")
        .iter()
        .flat_map(|c| c["parts"].as_array().cloned().unwrap_or_default())
        .collect();
    let responses: Vec<&Value> = parts
        .iter()
        .filter(|p| p["functionResponse"].is_object())
        .collect();
    assert_eq!(responses.len(), 2);
    assert_eq!(responses[0]["functionResponse"]["name"], "read");
    assert!(responses[0].to_string().contains("alpha"));
    assert_eq!(responses[1]["functionResponse"]["name"], "glob");
}

#[test]
fn openrouter_error_inside_a_200_stream_is_one_line() {
    let fake = Fake::start(vec![sse(&[
        r#"data: {"id":"gen-1","choices":[{"index":0,"delta":{"content":"Part"}}]}"#,
        r#"data: {"id":"gen-1","error":{"code":502,"message":"Provider returned error"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}"#,
    ])]);
    let run = wisp()
        .env("WISP_PROVIDER", "openrouter")
        .env("OPENROUTER_BASE_URL", &format!("{}/api/v1", fake.base()))
        .env("OPENROUTER_API_KEY", "k")
        .args(&["-p", "hi"])
        .run();
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr,
        "wisp: openrouter: error in stream: Provider returned error\n"
    );
}
