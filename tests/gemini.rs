//! wisp against aimock speaking Gemini's streamGenerateContent: streaming and
//! function-call round trips, checked in Gemini's own wire format (recorded by
//! the `wire` proxy, since aimock's journal holds a converted form).

mod support;
mod wire;
use serde_json::{json, Value};
use support::{wisp, Aimock, Wisp};
use wire::Wire;

const PATH: &str = "/v1beta/models/test-model:streamGenerateContent";

/// wisp pointed at aimock through a recording proxy.
fn via(mock: &Aimock) -> (Wisp, Wire) {
    let wire = Wire::start(mock.port);
    let w = wisp()
        .gemini(mock)
        .env("GOOGLE_GEMINI_BASE_URL", &wire.url());
    (w, wire)
}

/// Every part of every `contents` entry with `role`.
fn parts<'a>(body: &'a Value, role: &str) -> Vec<&'a Value> {
    body["contents"]
        .as_array()
        .expect("contents")
        .iter()
        .filter(|c| c["role"] == role)
        .flat_map(|c| c["parts"].as_array().expect("parts").iter())
        .collect()
}

#[test]
fn streamed_text_answer_is_printed() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "say hi"}, "response": {"content": "Hello from Gemini.\nSecond line."}}
    ]));
    let (w, wire) = via(&mock);
    let run = w.args(&["-p", "say hi"]).run();
    run.success();
    assert_eq!(run.stdout, "Hello from Gemini.\nSecond line.\n");
    let reqs = wire.requests(PATH);
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0].path.ends_with("?alt=sse"), "{}", reqs[0].path);
    assert_eq!(reqs[0].header("x-goog-api-key"), Some("test-key"));
    let b = &reqs[0].body;
    assert!(b["systemInstruction"]["parts"][0]["text"].is_string());
    assert_eq!(parts(b, "user")[0]["text"], "say hi");
    let decls = b["tools"][0]["functionDeclarations"]
        .as_array()
        .expect("function declarations");
    let names: Vec<&str> = decls.iter().filter_map(|d| d["name"].as_str()).collect();
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
    // Only Gemini's schema subset is sent.
    let text = b["tools"].to_string();
    assert!(
        !text.contains("additionalProperties") && !text.contains("$schema"),
        "{text}"
    );
}

#[test]
fn read_tool_round_trip_sends_a_function_response() {
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
    let calls: Vec<&Value> = parts(&bodies[1], "model")
        .into_iter()
        .filter_map(|p| p.get("functionCall"))
        .collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["name"], "read");
    assert_eq!(calls[0]["args"], json!({"path": "notes.txt"}));
    // wisp's own ids never reach Gemini.
    assert!(calls[0].get("id").is_none(), "{}", calls[0]);
    let responses: Vec<&Value> = parts(&bodies[1], "user")
        .into_iter()
        .filter_map(|p| p.get("functionResponse"))
        .collect();
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0]["name"], "read");
    assert!(
        responses[0]["response"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("remember the blue door")),
        "{}",
        responses[0]
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
    let called: Vec<&str> = parts(&bodies[1], "model")
        .into_iter()
        .filter_map(|p| p["functionCall"]["name"].as_str())
        .collect();
    let answered: Vec<&str> = parts(&bodies[1], "user")
        .into_iter()
        .filter_map(|p| p["functionResponse"]["name"].as_str())
        .collect();
    assert_eq!(called, ["read", "glob"]);
    assert_eq!(answered, called, "answered by name, in call order");
}

#[test]
fn http_error_array_is_one_line() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "who am i"}, "response": {"error": {"message": "API key not valid", "type": "invalid_argument"}, "status": 400}}
    ]));
    let run = wisp().gemini(&mock).args(&["-p", "who am i"]).run();
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr.trim_end(),
        "wisp: gemini: HTTP 400: API key not valid"
    );
}
