//! Sessions: transcripts that survive kill -9, resuming with -c in the right
//! directory, /undo of file changes, and /compact.

mod support;
use serde_json::{json, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::{messages, wisp, Aimock, Run, Wisp};

/// Runs wisp in `dir` (the project by default) with extra arguments and stdin.
fn run_in(w: &Wisp, dir: &Path, args: &[&str], stdin: &str) -> Run {
    let mut c = w.command();
    c.current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn wisp");
    let mut sin = child.stdin.take().expect("stdin");
    let input = stdin.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = sin.write_all(&input);
    });
    let out = support::wait_with_timeout(child, Duration::from_secs(60));
    let _ = writer.join();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

fn transcripts(w: &Wisp) -> Vec<PathBuf> {
    let dir = w.home.path().join("data/wisp/sessions");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|x| x == "jsonl"));
    v
}

fn user_texts(body: &Value) -> Vec<String> {
    messages(body)
        .iter()
        .filter(|m| m["role"] == "user")
        .filter_map(|m| m["content"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn killed_mid_stream_then_continue_sends_the_earlier_conversation() {
    let slow: String = (1..=300).map(|i| format!("word{i} ")).collect();
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "tell a long story"}, "response": {"content": slow},
         "streamingProfile": {"ttft": 50, "tps": 5}},
        {"match": {"userMessage": "where were we"}, "response": {"content": "Back again."}}
    ]));
    let w = wisp().openai(&mock);
    let mut child = w
        .command()
        .args(["-p", "tell a long story"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait until the answer is visibly streaming, then kill -9.
    let mut out = child.stdout.take().expect("stdout");
    let mut buf = [0u8; 64];
    let start = Instant::now();
    let mut seen = 0;
    while seen == 0 && start.elapsed() < Duration::from_secs(20) {
        seen = out.read(&mut buf).unwrap_or(0);
    }
    assert!(seen > 0, "the answer started streaming");
    let killed = std::process::Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let _ = child.wait();

    let saved = transcripts(&w);
    assert_eq!(saved.len(), 1, "one transcript: {saved:?}");
    let text = std::fs::read_to_string(&saved[0]).expect("transcript");
    assert!(text.contains("tell a long story"), "{text}");
    assert!(!text.contains("test-key"), "no API key in the transcript");

    let run = run_in(&w, &w.project, &["-c", "-p", "where were we"], "");
    run.success();
    assert_eq!(run.stdout, "Back again.\n");
    let bodies = mock.bodies("/v1/chat/completions");
    let last = bodies.last().expect("second request");
    assert_eq!(
        user_texts(last),
        vec!["tell a long story".to_string(), "where were we".to_string()],
        "{last}"
    );
    // Both prompts now live in the same transcript.
    assert_eq!(transcripts(&w).len(), 1);
}

#[test]
fn continue_picks_this_directory_and_survives_a_torn_line() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "alpha question"}, "response": {"content": "Alpha."}},
        {"match": {"userMessage": "beta question"}, "response": {"content": "Beta."}},
        {"match": {"userMessage": "and now"}, "response": {"content": "Now."}}
    ]));
    let w = wisp().openai(&mock);
    let other = w.home.path().join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    run_in(&w, &w.project, &["-p", "alpha question"], "").success();
    run_in(&w, &other, &["-p", "beta question"], "").success();
    // A write cut short by kill -9 leaves half a line at the end.
    for t in transcripts(&w) {
        let mut text = std::fs::read_to_string(&t).expect("read");
        text.push_str("{\"type\":\"message\",\"message\":{\"role\":\"assis");
        std::fs::write(&t, text).expect("tear");
    }
    let run = run_in(&w, &w.project, &["-c", "-p", "and now"], "");
    run.success();
    assert!(run.stderr.contains("torn last line"), "{}", run.stderr);
    let bodies = mock.bodies("/v1/chat/completions");
    let all = serde_json::to_string(bodies.last().expect("request")).expect("json");
    assert!(
        all.contains("alpha question") && all.contains("Alpha."),
        "{all}"
    );
    assert!(!all.contains("beta question"), "{all}");

    // A directory with no session of its own has nothing to continue.
    let empty = w.home.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let run = run_in(&w, &empty, &["-c", "-p", "and now"], "");
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("no saved session"), "{}", run.stderr);
}

#[test]
fn resume_lists_sessions_and_takes_a_number() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "first topic"}, "response": {"content": "One."}},
        {"match": {"userMessage": "second topic"}, "response": {"content": "Two."}},
        {"match": {"userMessage": "back to it"}, "response": {"content": "Back."}}
    ]));
    let w = wisp().openai(&mock);
    run_in(&w, &w.project, &["-p", "first topic"], "").success();
    std::thread::sleep(Duration::from_millis(1100));
    run_in(&w, &w.project, &["-p", "second topic"], "").success();
    // Newest first: 2 is the older session.
    let run = run_in(&w, &w.project, &["-r"], "2\nback to it\n");
    run.success();
    assert!(
        run.stderr.contains(" 1. ") && run.stderr.contains("second topic"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("> first topic"),
        "history shown: {}",
        run.stdout
    );
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(
        user_texts(bodies.last().expect("request")),
        vec!["first topic".to_string(), "back to it".to_string()]
    );
}

#[test]
fn undo_restores_edits_removes_new_files_and_spares_outside_changes() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "change files", "hasToolResult": false},
         "response": {"toolCalls": [
            {"name": "edit", "arguments": {"path": "a.txt", "old_string": "old", "new_string": "new"}},
            {"name": "write", "arguments": {"path": "made.txt", "content": "fresh\n"}}
         ]}},
        {"match": {"userMessage": "change files", "hasToolResult": true}, "response": {"content": "Changed."}}
    ]));
    let w = wisp().openai(&mock).file("a.txt", "old line\n");
    let run = run_in(
        &w,
        &w.project,
        &["--mode", "accept-edits"],
        "change files\n/diff\n/undo\n",
    );
    run.success();
    assert!(run.stdout.contains("+new line"), "diff: {}", run.stdout);
    assert!(run.stdout.contains("restored a.txt"), "{}", run.stdout);
    assert!(run.stdout.contains("removed made.txt"), "{}", run.stdout);
    assert!(run.stdout.contains("bash commands cannot be undone"));
    assert_eq!(
        std::fs::read_to_string(w.path("a.txt")).expect("a"),
        "old line\n"
    );
    assert!(!w.path("made.txt").exists());
}

#[test]
fn undo_does_not_clobber_a_file_changed_after_the_edit() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "change files", "hasToolResult": false},
         "response": {"toolCalls": [
            {"name": "edit", "arguments": {"path": "a.txt", "old_string": "old", "new_string": "new"}}
         ]}},
        {"match": {"userMessage": "change files", "hasToolResult": true}, "response": {"content": "Changed."}},
        {"match": {"userMessage": "overwrite it", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "echo by hand > a.txt"}}]}},
        {"match": {"userMessage": "overwrite it", "hasToolResult": true}, "response": {"content": "Overwritten."}}
    ]));
    let w = wisp().openai(&mock).file("a.txt", "old line\n");
    let run = run_in(
        &w,
        &w.project,
        &["--yolo"],
        "change files\noverwrite it\n/undo\n",
    );
    run.success();
    assert!(
        run.stderr.contains("not restored: a.txt was changed since"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(w.path("a.txt")).expect("a"),
        "by hand\n"
    );
}

#[test]
fn compact_summarises_older_turns_and_keeps_tool_calls_paired() {
    let big = "x".repeat(4000);
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "first question"}, "response": {"content": format!("First answer {big}")}},
        {"match": {"userMessage": "look at a file", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "read", "arguments": {"path": "a.txt"}}]}},
        {"match": {"userMessage": "look at a file", "hasToolResult": true}, "response": {"content": "It says hello."}},
        {"match": {"userMessage": "third question"}, "response": {"content": "Third answer."}},
        {"match": {"userMessage": "Summarise the conversation"}, "response": {"content": "SUMMARY: asked three things."}},
        {"match": {"userMessage": "fourth question"}, "response": {"content": "Fourth answer."}}
    ]));
    let w = wisp().openai(&mock).file("a.txt", "hello\n");
    let run = run_in(
        &w,
        &w.project,
        &[],
        "first question\nlook at a file\nthird question\n/compact\nfourth question\n",
    );
    run.success();
    assert!(run.stdout.contains("compacted:"), "{}", run.stdout);
    let bodies = mock.bodies("/v1/chat/completions");
    let before = bodies
        .iter()
        .find(|b| user_texts(b).iter().any(|t| t == "third question"))
        .expect("third request");
    let after = bodies.last().expect("fourth request");
    let size = |b: &Value| b["messages"].to_string().len();
    assert!(size(after) < size(before), "smaller after /compact");
    let text = after["messages"].to_string();
    assert!(text.contains("SUMMARY: asked three things."), "{text}");
    assert!(!text.contains("first question"), "{text}");
    assert!(text.contains("look at a file") && text.contains("third question"));
    // Every tool call still has its result.
    let msgs = messages(after);
    for m in &msgs {
        for call in m["tool_calls"].as_array().into_iter().flatten() {
            let id = &call["id"];
            assert!(
                msgs.iter()
                    .any(|r| r["role"] == "tool" && &r["tool_call_id"] == id),
                "call {id} answered: {msgs:?}"
            );
        }
    }
    assert!(msgs.iter().any(|m| m["role"] == "tool"), "{msgs:?}");
    // The summary is in the transcript; so is the whole history.
    let t = std::fs::read_to_string(&transcripts(&w)[0]).expect("transcript");
    assert!(t.contains("\"type\":\"compaction\"") && t.contains("first question"));
}

#[test]
fn compaction_runs_by_itself_past_the_threshold() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "first question"}, "response": {"content": "First answer."}},
        {"match": {"userMessage": "second question"}, "response": {"content": "Second answer."}},
        {"match": {"userMessage": "third question"}, "response": {"content": "Third answer.",
         "usage": {"prompt_tokens": 900, "completion_tokens": 10, "total_tokens": 910}}},
        {"match": {"userMessage": "Summarise the conversation"}, "response": {"content": "SUMMARY: early talk."}},
        {"match": {"userMessage": "fourth question"}, "response": {"content": "Fourth answer."}}
    ]));
    let w = wisp()
        .openai(&mock)
        .config("context_window = 1000\ncompact_threshold = 80\n");
    let run = run_in(
        &w,
        &w.project,
        &[],
        "first question\nsecond question\nthird question\nfourth question\n",
    );
    run.success();
    assert!(run.stdout.contains("compacting") || run.stderr.contains("compacting"));
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(bodies.len(), 5, "one extra call for the summary");
    let text = bodies[4]["messages"].to_string();
    assert!(
        text.contains("SUMMARY: early talk.") && !text.contains("first question"),
        "{text}"
    );
    assert!(text.contains("third question"), "recent turns kept: {text}");
}
