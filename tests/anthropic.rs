//! wisp against aimock speaking the Anthropic Messages API: streaming and
//! tool round trips, checked in the provider's own wire format (recorded by
//! the `wire` proxy, since aimock's journal holds a converted form).

mod support;
mod wire;
use serde_json::{json, Value};
use support::{wisp, Aimock, Wisp};
use wire::Wire;

const PATH: &str = "/v1/messages";

fn blocks<'a>(body: &'a Value, role: &str) -> Vec<&'a Value> {
    body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["role"] == role)
        .flat_map(|m| m["content"].as_array().expect("content blocks").iter())
        .collect()
}

/// wisp pointed at aimock through a recording proxy.
fn via(mock: &Aimock) -> (Wisp, Wire) {
    let wire = Wire::start(mock.port);
    let w = wisp()
        .anthropic(mock)
        .env("ANTHROPIC_BASE_URL", &wire.url());
    (w, wire)
}

#[test]
fn streamed_text_answer_is_printed() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "say hi"}, "response": {"content": "Hello from Claude.\nSecond line."}}
    ]));
    let (w, wire) = via(&mock);
    let run = w.args(&["-p", "say hi"]).run();
    run.success();
    assert_eq!(run.stdout, "Hello from Claude.\nSecond line.\n");
    let reqs = wire.requests(PATH);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].header("x-api-key"), Some("test-key"));
    assert_eq!(reqs[0].header("anthropic-version"), Some("2023-06-01"));
    let bodies = wire.bodies(PATH);
    let b = &bodies[0];
    assert_eq!(b["stream"], true);
    assert_eq!(b["model"], "test-model");
    assert!(b["max_tokens"].as_u64().is_some_and(|n| n > 0), "{b}");
    assert_eq!(b["system"][0]["type"], "text");
    assert_eq!(b["system"][0]["cache_control"]["type"], "ephemeral");
    let tools = b["tools"].as_array().expect("tools sent");
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "read",
            "write",
            "edit",
            "grep",
            "glob",
            "bash",
            "update_plan",
            "bash_output",
            "kill_shell",
            "task"
        ]
    );
    assert!(tools[0]["input_schema"].is_object());
    assert_eq!(tools[9]["cache_control"]["type"], "ephemeral");
    let user = blocks(b, "user");
    assert_eq!(user[0]["text"], "say hi");
    assert_eq!(user[0]["cache_control"]["type"], "ephemeral");
}

#[test]
fn read_tool_round_trip_sends_a_tool_result_block() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "what is in notes", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "read", "arguments": {"path": "notes.txt"}}]}},
        {"match": {"userMessage": "what is in notes", "hasToolResult": true},
         "response": {"content": "The notes mention a blue door."}}
    ]));
    let (w, wire) = via(&mock);
    let run = w
        .file("notes.txt", "remember the blue door\n")
        .args(&["-p", "what is in notes"])
        .run();
    run.success();
    assert!(
        run.stdout.contains("The notes mention a blue door."),
        "{}",
        run.stdout
    );
    let bodies = wire.bodies(PATH);
    assert_eq!(bodies.len(), 2);
    let uses: Vec<_> = blocks(&bodies[1], "assistant")
        .into_iter()
        .filter(|b| b["type"] == "tool_use")
        .collect();
    assert_eq!(uses.len(), 1);
    assert_eq!(uses[0]["name"], "read");
    assert_eq!(uses[0]["input"], json!({"path": "notes.txt"}));
    let id = uses[0]["id"].as_str().expect("tool_use id");
    let results: Vec<_> = blocks(&bodies[1], "user")
        .into_iter()
        .filter(|b| b["type"] == "tool_result")
        .collect();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["tool_use_id"], id);
    assert!(
        results[0]["content"]
            .as_str()
            .is_some_and(|c| c.contains("remember the blue door")),
        "{}",
        results[0]
    );
    // The latest user turn carries the cache breakpoint.
    assert_eq!(results[0]["cache_control"]["type"], "ephemeral");
}

#[test]
fn two_tool_calls_in_one_response_both_answered() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "compare", "hasToolResult": false},
         "response": {"toolCalls": [
            {"name": "read", "arguments": {"path": "a.txt"}},
            {"name": "read", "arguments": {"path": "b.txt"}}]}},
        {"match": {"userMessage": "compare", "hasToolResult": true},
         "response": {"content": "They differ."}}
    ]));
    let (w, wire) = via(&mock);
    let run = w
        .file("a.txt", "alpha\n")
        .file("b.txt", "beta\n")
        .args(&["-p", "compare"])
        .run();
    run.success();
    assert!(run.stdout.contains("They differ."), "{}", run.stdout);
    let bodies = wire.bodies(PATH);
    assert_eq!(bodies.len(), 2);
    let ids: Vec<&str> = blocks(&bodies[1], "assistant")
        .into_iter()
        .filter(|b| b["type"] == "tool_use")
        .filter_map(|b| b["id"].as_str())
        .collect();
    let answered: Vec<&str> = blocks(&bodies[1], "user")
        .into_iter()
        .filter(|b| b["type"] == "tool_result")
        .filter_map(|b| b["tool_use_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    assert_eq!(answered, ids);
}

#[test]
fn http_error_is_one_line() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "who am i"}, "response": {"error": {"message": "invalid x-api-key", "type": "authentication_error"}, "status": 401}}
    ]));
    let run = wisp().anthropic(&mock).args(&["-p", "who am i"]).run();
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr.trim_end(),
        "wisp: anthropic: HTTP 401: invalid x-api-key"
    );
}
