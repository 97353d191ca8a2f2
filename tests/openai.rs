//! wisp against aimock speaking OpenAI Chat Completions: streaming, tool
//! round trips, malformed arguments and HTTP errors, seen as a user sees them.

mod support;
use serde_json::json;
use support::{messages, wisp, Aimock};

#[test]
fn streamed_text_answer_is_printed() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "say hi"}, "response": {"content": "Hello from the model.\nSecond line."}}
    ]));
    let run = wisp().openai(&mock).args(&["-p", "say hi"]).run();
    run.success();
    assert_eq!(run.stdout, "Hello from the model.\nSecond line.\n");
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["stream"], true);
    assert_eq!(bodies[0]["model"], "test-model");
    let tools: Vec<&str> = bodies[0]["tools"]
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
fn read_tool_round_trip_sends_file_content_back() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "what is in notes", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "read", "arguments": {"path": "notes.txt"}}]}},
        {"match": {"userMessage": "what is in notes", "hasToolResult": true},
         "response": {"content": "The notes mention a blue door."}}
    ]));
    let w = wisp()
        .openai(&mock)
        .file("notes.txt", "remember the blue door\n");
    let run = w.args(&["-p", "what is in notes"]).run();
    run.success();
    assert!(
        run.stdout.contains("The notes mention a blue door."),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("read"),
        "tool line on stderr: {}",
        run.stderr
    );
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(bodies.len(), 2);
    let msgs = messages(&bodies[1]);
    let call = msgs
        .iter()
        .find(|m| m["role"] == "assistant")
        .expect("assistant turn kept");
    let call_id = call["tool_calls"][0]["id"].as_str().expect("call id");
    assert_eq!(call["tool_calls"][0]["function"]["name"], "read");
    let result = msgs
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("tool result sent");
    assert_eq!(result["tool_call_id"], call_id);
    assert!(
        result["content"]
            .as_str()
            .unwrap_or("")
            .contains("remember the blue door"),
        "{result}"
    );
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
    let run = wisp()
        .openai(&mock)
        .file("a.txt", "alpha\n")
        .file("b.txt", "beta\n")
        .args(&["-p", "compare"])
        .run();
    run.success();
    assert!(run.stdout.contains("They differ."));
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(&bodies[1]);
    let results: Vec<&str> = msgs
        .iter()
        .filter(|m| m["role"] == "tool")
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert_eq!(results.len(), 2);
    assert!(
        results[0].contains("alpha") && results[1].contains("beta"),
        "{results:?}"
    );
}

#[test]
fn malformed_tool_arguments_get_an_error_result_and_the_loop_goes_on() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "broken args", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "read", "arguments": "{\"path\": \"a.txt\""}]}},
        {"match": {"userMessage": "broken args", "hasToolResult": true},
         "response": {"content": "Sorry, retrying was not needed."}}
    ]));
    let run = wisp().openai(&mock).args(&["-p", "broken args"]).run();
    run.success();
    assert!(run.stdout.contains("Sorry, retrying was not needed."));
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(&bodies[1]);
    let call = msgs
        .iter()
        .find(|m| m["role"] == "assistant")
        .expect("assistant");
    // The exact bytes the model produced go back, not a re-serialisation.
    assert_eq!(
        call["tool_calls"][0]["function"]["arguments"],
        "{\"path\": \"a.txt\""
    );
    let result = msgs
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("tool result");
    assert!(
        result["content"]
            .as_str()
            .unwrap_or("")
            .contains("invalid arguments"),
        "{result}"
    );
}

#[test]
fn http_500_is_a_one_line_error_and_non_zero_exit() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "boom"}, "response": {"error": {"message": "the server fell over", "type": "server_error"}, "status": 500}}
    ]));
    let run = wisp()
        .openai(&mock)
        .config("retries = 0\n")
        .args(&["-p", "boom"])
        .run();
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("HTTP 500") && run.stderr.contains("the server fell over"),
        "{}",
        run.stderr
    );
}

#[test]
fn http_401_is_a_one_line_error_with_the_servers_message() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "who am i"}, "response": {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}, "status": 401}}
    ]));
    let run = wisp().openai(&mock).args(&["-p", "who am i"]).run();
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr.trim_end(),
        "wisp: openai: HTTP 401: Incorrect API key provided"
    );
}

#[test]
fn a_500_is_retried_before_failing() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "flaky"}, "response": {"error": {"message": "try later"}, "status": 503}}
    ]));
    let run = wisp()
        .openai(&mock)
        .config("retries = 2\n")
        .args(&["-p", "flaky"])
        .run();
    assert_eq!(run.code, Some(1));
    assert_eq!(
        mock.bodies("/v1/chat/completions").len(),
        3,
        "one try and two retries"
    );
    assert!(run.stderr.contains("retrying"), "{}", run.stderr);
}
