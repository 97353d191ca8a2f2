//! `-p --output-format json|stream-json` read the way scripts written for
//! Claude Code read it: the documented field paths, then `-r SESSION_ID`.

mod support;
use serde_json::{json, Value};
use support::{messages, wisp, Aimock};

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

#[test]
fn json_result_has_claude_codes_fields_and_its_session_resumes() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "remember 42"}, "response": {"content": "Noted."}},
        {"match": {"userMessage": "what number"}, "response": {"content": "It was 42."}}
    ]));
    let w = wisp().openai(&mock);
    let mut first = w.command();
    first.args(["-p", "--output-format", "json", "remember 42"]);
    let out = first.output().expect("run");
    let run = support::Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    };
    run.success();
    let v: Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    assert_eq!(v["type"], "result");
    assert_eq!(v["subtype"], "success");
    assert_eq!(v["is_error"], false);
    assert_eq!(v["result"], "Noted.");
    assert_eq!(v["num_turns"], 1);
    assert!(v["duration_ms"].as_u64().is_some(), "{v}");
    assert!(v.get("total_cost_usd").is_some(), "{v}");
    for k in [
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
    ] {
        assert!(v["usage"][k].as_u64().is_some(), "usage.{k} in {v}");
    }
    let id = v["session_id"].as_str().expect("session_id").to_string();
    assert!(!id.is_empty());

    // The follow-up a script makes: `wisp -r "$(jq -r .session_id)" -p ...`.
    let mut c = w.command();
    c.args(["-r", &id, "-p", "--output-format", "json", "what number"]);
    let out = c.output().expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["result"], "It was 42.");
    assert_eq!(v["session_id"], id.as_str(), "same session continues");
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(bodies.last().expect("second request"));
    assert!(msgs.iter().any(|m| m["content"] == "Noted."), "{msgs:?}");
}

#[test]
fn stream_json_has_init_and_message_envelopes() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "look", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "read", "arguments": {"path": "x.txt"}}]}},
        {"match": {"userMessage": "look", "hasToolResult": true},
         "response": {"content": "It says x."}}
    ]));
    let run = wisp()
        .openai(&mock)
        .file("x.txt", "x\n")
        .args(&["-p", "--output-format", "stream-json", "look"])
        .run();
    run.success();
    let ev = lines(&run.stdout);
    let init = &ev[0];
    assert_eq!(
        (init["type"].as_str(), init["subtype"].as_str()),
        (Some("system"), Some("init"))
    );
    let sid = init["session_id"].as_str().expect("session_id");
    assert!(init["tools"]
        .as_array()
        .is_some_and(|t| t.iter().any(|n| n == "read")));
    // jq 'select(.type=="assistant") | .message.content[]'
    let assistant: Vec<&Value> = ev
        .iter()
        .filter(|e| e["type"] == "assistant")
        .flat_map(|e| e["message"]["content"].as_array().unwrap().iter())
        .collect();
    let tool_use = assistant
        .iter()
        .find(|c| c["type"] == "tool_use")
        .expect("tool_use block");
    assert_eq!(tool_use["name"], "read");
    assert_eq!(tool_use["input"]["path"], "x.txt");
    assert!(assistant
        .iter()
        .any(|c| c["type"] == "text" && c["text"] == "It says x."));
    // jq 'select(.type=="user") | .message.content[] | select(.type=="tool_result")'
    let result = ev
        .iter()
        .filter(|e| e["type"] == "user")
        .flat_map(|e| e["message"]["content"].as_array().unwrap().iter())
        .find(|c| c["type"] == "tool_result")
        .expect("tool_result");
    assert_eq!(result["tool_use_id"], tool_use["id"]);
    assert!(result["content"].as_str().unwrap().contains('x'));
    for e in ev
        .iter()
        .filter(|e| e["type"] == "assistant" || e["type"] == "user")
    {
        assert_eq!(e["session_id"], sid);
    }
    let last = ev.last().unwrap();
    assert_eq!(last["type"], "result");
    assert_eq!(last["subtype"], "success");
    assert_eq!(last["num_turns"], 2);
    assert_eq!(last["session_id"], sid);
}
