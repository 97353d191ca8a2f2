//! wisp against aimock speaking Ollama's /api/chat (NDJSON): streaming and
//! tool round trips, checked in Ollama's own wire format (recorded by the
//! `wire` proxy, since aimock's journal holds a converted form).

mod support;
mod wire;
use serde_json::{json, Value};
use support::{wisp, Aimock, Wisp};
use wire::Wire;

const PATH: &str = "/api/chat";

/// wisp pointed at aimock through a recording proxy.
fn via(mock: &Aimock) -> (Wisp, Wire) {
    let wire = Wire::start(mock.port);
    let w = wisp()
        .ollama(mock)
        .env("OLLAMA_HOST", &format!("127.0.0.1:{}", wire.port));
    (w, wire)
}

fn with_role<'a>(body: &'a Value, role: &str) -> Vec<&'a Value> {
    body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["role"] == role)
        .collect()
}

#[test]
fn streamed_text_answer_is_printed() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "say hi"}, "response": {"content": "Hello from Ollama.\nSecond line."}}
    ]));
    let (w, wire) = via(&mock);
    let run = w.args(&["-p", "say hi"]).run();
    run.success();
    assert_eq!(run.stdout, "Hello from Ollama.\nSecond line.\n");
    let bodies = wire.bodies(PATH);
    assert_eq!(bodies.len(), 1);
    let b = &bodies[0];
    assert_eq!(b["stream"], true);
    assert_eq!(b["model"], "test-model");
    assert!(with_role(b, "system")[0]["content"].is_string());
    assert_eq!(with_role(b, "user")[0]["content"], "say hi");
    let tools: Vec<&str> = b["tools"]
        .as_array()
        .expect("tools sent")
        .iter()
        .filter_map(|t| t["function"]["name"].as_str())
        .collect();
    assert_eq!(
        tools,
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
}

#[test]
fn read_tool_round_trip_sends_a_tool_message() {
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
    let msgs = bodies[1]["messages"].as_array().expect("messages");
    let at = msgs
        .iter()
        .position(|m| m["role"] == "assistant")
        .expect("assistant turn kept");
    let call = &msgs[at]["tool_calls"][0]["function"];
    assert_eq!(call["name"], "read");
    // Arguments go back as an object, as Ollama sent them.
    assert_eq!(call["arguments"], json!({"path": "notes.txt"}));
    let result = &msgs[at + 1];
    assert_eq!(result["role"], "tool");
    assert_eq!(result["tool_name"], "read");
    assert!(
        result["content"]
            .as_str()
            .is_some_and(|c| c.contains("remember the blue door")),
        "{result}"
    );
}

#[test]
fn two_tool_calls_in_one_response_both_answered() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "compare", "hasToolResult": false},
         "response": {"toolCalls": [
            {"name": "read", "arguments": {"path": "a.txt"}},
            {"name": "glob", "arguments": {"pattern": "*.txt"}}]}},
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
    let called: Vec<&str> = with_role(&bodies[1], "assistant")[0]["tool_calls"]
        .as_array()
        .expect("tool_calls")
        .iter()
        .filter_map(|c| c["function"]["name"].as_str())
        .collect();
    let answered: Vec<&str> = with_role(&bodies[1], "tool")
        .iter()
        .filter_map(|m| m["tool_name"].as_str())
        .collect();
    assert_eq!(called, ["read", "glob"]);
    assert_eq!(answered, called);
}

#[test]
fn http_error_is_one_line() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "which model"}, "response": {"error": {"message": "model 'test-model' not found"}, "status": 404}}
    ]));
    let run = wisp().ollama(&mock).args(&["-p", "which model"]).run();
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr.trim_end(),
        "wisp: ollama: HTTP 404: model 'test-model' not found"
    );
}
