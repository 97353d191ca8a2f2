//! The REPL driven by piped stdin (a scripted session): slash commands,
//! prompts, approvals, and Ctrl-C (SIGINT) cancelling only the running step.

mod support;
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;
use support::{messages, wisp, Aimock};

#[test]
fn help_lists_the_commands() {
    let run = wisp().stdin("/help\n").run();
    run.success();
    for cmd in ["/help", "/clear", "/model", "/tools", "/quit"] {
        assert!(
            run.stdout.contains(cmd),
            "{cmd} missing from:\n{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains('\x1b'), "no escape codes in a pipe");
}

#[test]
fn unknown_command_is_reported_and_the_script_goes_on() {
    let run = wisp().stdin("/frobnicate\n/tools\n").run();
    assert!(
        run.stderr.contains("unknown command /frobnicate"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("bash"),
        "later lines still run: {}",
        run.stdout
    );
}

#[test]
fn scripted_prompts_share_one_conversation() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "first question"}, "response": {"content": "First answer."}},
        {"match": {"userMessage": "second question"}, "response": {"content": "Second answer."}}
    ]));
    let run = wisp()
        .openai(&mock)
        .stdin("first question\nsecond question\n")
        .run();
    run.success();
    assert!(run.stdout.contains("First answer.") && run.stdout.contains("Second answer."));
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(bodies.len(), 2);
    let msgs = messages(&bodies[1]);
    assert!(
        msgs.iter().any(|m| m["content"] == "First answer."),
        "history carried: {msgs:?}"
    );
}

#[test]
fn ctrl_c_during_a_slow_stream_returns_to_the_prompt() {
    let slow: String = (1..=200).map(|i| format!("word{i} ")).collect();
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "slow story"}, "response": {"content": slow},
         "streamingProfile": {"ttft": 50, "tps": 20}},
        {"match": {"userMessage": "after cancel"}, "response": {"content": "Still here."}}
    ]));
    let w = wisp().openai(&mock);
    let mut child = w
        .command()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"slow story\n").expect("write");
    stdin.flush().expect("flush");
    // Wait until the answer is visibly streaming, then press Ctrl-C.
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    std::thread::sleep(Duration::from_millis(1500));
    let pid = child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));
    stdin.write_all(b"after cancel\n").expect("write");
    drop(stdin);
    let mut rest = String::new();
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 {
        rest.push_str(&line);
        line.clear();
    }
    let out = support::wait_with_timeout(child, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "session survives; stderr: {stderr}"
    );
    assert!(rest.contains("cancelled"), "cancel noted: {rest}");
    assert!(!rest.contains("word200"), "stream stopped early: {rest}");
    assert!(rest.contains("Still here."), "next prompt answered: {rest}");
    // The cancelled partial answer stays in the conversation, marked.
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(bodies.last().expect("second request"));
    let partial = msgs
        .iter()
        .find(|m| m["role"] == "assistant")
        .expect("partial kept");
    assert!(partial["content"]
        .as_str()
        .unwrap_or("")
        .contains("[interrupted by user]"));
}

#[test]
fn approvals_are_typed_on_stdin() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "make a file", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "touch made-by-bash"}}]}},
        {"match": {"userMessage": "make a file", "hasToolResult": true}, "response": {"content": "Made."}},
        {"match": {"userMessage": "another file", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "touch second-file"}}]}},
        {"match": {"userMessage": "another file", "hasToolResult": true}, "response": {"content": "Refused, fine."}}
    ]));
    let w = wisp()
        .openai(&mock)
        .stdin("make a file\ny\nanother file\nn not in this repo\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout.contains("ask: bash touch made-by-bash"),
        "{}",
        run.stdout
    );
    assert!(w.path("made-by-bash").exists(), "y ran the command");
    assert!(!w.path("second-file").exists(), "n did not");
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(bodies.last().expect("last"));
    let last_tool = msgs
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .expect("tool result");
    assert_eq!(last_tool["content"], "denied by user: not in this repo");
}

#[test]
fn step_mode_pauses_and_steering_text_reaches_the_model() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "look around", "turnIndex": 0},
         "response": {"toolCalls": [{"name": "glob", "arguments": {"pattern": "*.txt"}}]}},
        {"match": {"userMessage": "only the notes", "turnIndex": 1}, "response": {"content": "Steered."}}
    ]));
    let w = wisp()
        .openai(&mock)
        .file("a.txt", "a\n")
        .stdin("/step on\nlook around\nonly the notes\n/mode\n");
    let run = w.run();
    run.success();
    assert!(run.stdout.contains("step: on"));
    assert!(run.stdout.contains("step done"), "{}", run.stdout);
    assert!(run.stdout.contains("Steered."), "{}", run.stdout);
    assert!(run.stdout.contains("mode: standard"), "{}", run.stdout);
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(bodies.last().expect("second call"));
    assert_eq!(msgs.last().expect("last")["content"], "only the notes");
}

#[test]
fn step_mode_q_ends_the_turn() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "look around", "turnIndex": 0},
         "response": {"toolCalls": [{"name": "glob", "arguments": {"pattern": "*.txt"}}]}},
        {"match": {"userMessage": "look around", "turnIndex": 1}, "response": {"content": "Should not appear."}}
    ]));
    let run = wisp()
        .openai(&mock)
        .args(&["--step"])
        .stdin("look around\nq\n")
        .run();
    // A script that ends in a stopped turn did not finish its work (issue 21).
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.contains("stopped"), "{}", run.stdout);
    assert!(!run.stdout.contains("Should not appear."));
    assert_eq!(mock.bodies("/v1/chat/completions").len(), 1);
}
