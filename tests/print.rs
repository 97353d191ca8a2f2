//! `wisp -p`: stdin as the prompt, output formats, and behaving in pipes.

mod support;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use support::{messages, wisp, Aimock};

#[test]
fn piped_stdin_is_the_prompt() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "summarise this log"}, "response": {"content": "It is a log."}}
    ]));
    let run = wisp()
        .openai(&mock)
        .args(&["-p"])
        .stdin("summarise this log\n")
        .run();
    run.success();
    assert_eq!(run.stdout, "It is a log.\n");
}

#[test]
fn piped_stdin_is_appended_to_the_prompt() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "explain"}, "response": {"content": "Explained."}}
    ]));
    let run = wisp()
        .openai(&mock)
        .args(&["-p", "explain"])
        .stdin("error: disk full\n")
        .run();
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(&bodies[0]);
    let user = msgs
        .iter()
        .find(|m| m["role"] == "user")
        .expect("user message");
    assert_eq!(user["content"], "explain\n\nerror: disk full\n");
}

#[test]
fn no_prompt_at_all_is_a_usage_error() {
    let run = wisp().args(&["-p"]).run();
    assert_eq!(run.code, Some(2));
    assert_eq!(
        run.stderr.trim_end(),
        "wisp: no prompt: give one as an argument or on stdin"
    );
}

#[test]
fn stream_json_lines_all_parse_and_end_with_a_result() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "list it", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "read", "arguments": {"path": "x.txt"}}]}},
        {"match": {"userMessage": "list it", "hasToolResult": true},
         "response": {"content": "Done listing."}}
    ]));
    let run = wisp()
        .openai(&mock)
        .file("x.txt", "x\n")
        .args(&["-p", "--output-format", "stream-json", "list it"])
        .run();
    run.success();
    let events: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert!(
        types.contains(&"tool_use") && types.contains(&"tool_result") && types.contains(&"text"),
        "{types:?}"
    );
    let last = events.last().expect("events");
    assert_eq!(last["type"], "result");
    assert_eq!(last["result"], "Done listing.");
    assert_eq!(last["is_error"], false);
    assert_eq!(last["steps"], 2);
    let tr = events
        .iter()
        .find(|e| e["type"] == "tool_result")
        .expect("tool_result");
    assert_eq!(tr["name"], "read");
    assert!(tr["content"].as_str().unwrap_or("").contains('x'));
}

#[test]
fn json_output_is_one_object() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "one object"}, "response": {"content": "Single."}}
    ]));
    let run = wisp()
        .openai(&mock)
        .args(&["-p", "--output-format", "json", "one object"])
        .run();
    run.success();
    assert_eq!(run.stdout.lines().count(), 1);
    let v: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(v["result"], "Single.");
    assert_eq!(v["stop_reason"], "end_turn");
    assert!(v["usage"]["output_tokens"].as_u64().is_some());
}

#[test]
fn closing_the_pipe_early_exits_quietly() {
    let long: String = (1..=400)
        .map(|i| format!("line {i} of a long answer\n"))
        .collect();
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "long answer"}, "response": {"content": long},
         "streamingProfile": {"ttft": 10, "tps": 400}}
    ]));
    let w = wisp().openai(&mock).args(&["-p", "long answer"]);
    let mut child = w
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("first line");
    // The reader goes away, like `| head -1`.
    assert_eq!(first, "line 1 of a long answer\n");
    let out = support::wait_with_timeout(child, std::time::Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "exit status");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "nothing on stderr"
    );
}
