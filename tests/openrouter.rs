//! wisp against aimock's OpenRouter routes (`/api/v1/chat/completions`):
//! streaming, a tool round trip and two calls in one response.

mod support;
use serde_json::json;
use support::{messages, wisp, Aimock, Wisp};

fn openrouter(mock: &Aimock) -> Wisp {
    wisp()
        .env("WISP_PROVIDER", "openrouter")
        .env("OPENROUTER_BASE_URL", &format!("{}/api/v1", mock.url()))
        .env("OPENROUTER_API_KEY", "test-key")
        .env("WISP_MODEL", "openai/gpt-4o")
}

const PATH: &str = "/api/v1/chat/completions";

#[test]
fn streamed_text_answer_and_reported_cost() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "say hi"},
         "response": {"content": "Hello via OpenRouter.", "usage": {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14, "cost": 0.0125}}}
    ]));
    let run = openrouter(&mock)
        .args(&["-p", "--output-format", "json", "say hi"])
        .run();
    run.success();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["result"], "Hello via OpenRouter.");
    assert_eq!(v["provider"], "openrouter");
    // The cost OpenRouter reports wins over any price table.
    assert_eq!(v["cost_usd"], 0.0125);
    assert_eq!(mock.bodies(PATH).len(), 1);
}

#[test]
fn read_tool_round_trip() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "what is in notes", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "read", "arguments": {"path": "notes.txt"}}]}},
        {"match": {"userMessage": "what is in notes", "hasToolResult": true},
         "response": {"content": "A blue door."}}
    ]));
    let run = openrouter(&mock)
        .file("notes.txt", "remember the blue door\n")
        .args(&["-p", "what is in notes"])
        .run();
    run.success();
    assert_eq!(run.stdout, "A blue door.\n");
    let bodies = mock.bodies(PATH);
    let msgs = messages(&bodies[1]);
    let call = msgs
        .iter()
        .find(|m| m["role"] == "assistant")
        .expect("assistant");
    let result = msgs
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("tool result");
    assert_eq!(result["tool_call_id"], call["tool_calls"][0]["id"]);
    assert!(result["content"]
        .as_str()
        .unwrap_or("")
        .contains("remember the blue door"));
}

#[test]
fn two_tool_calls_in_one_response() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "compare", "hasToolResult": false},
         "response": {"toolCalls": [
            {"name": "read", "arguments": {"path": "a.txt"}},
            {"name": "read", "arguments": {"path": "b.txt"}}]}},
        {"match": {"userMessage": "compare", "hasToolResult": true}, "response": {"content": "Different."}}
    ]));
    let run = openrouter(&mock)
        .file("a.txt", "alpha\n")
        .file("b.txt", "beta\n")
        .args(&["-p", "compare"])
        .run();
    run.success();
    let bodies = mock.bodies(PATH);
    let results: Vec<String> = messages(&bodies[1])
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| m["content"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(results.len(), 2);
    assert!(results[0].contains("alpha") && results[1].contains("beta"));
}
