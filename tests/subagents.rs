//! Subagents end to end against aimock: `task` calls of one step run at once
//! in fresh conversations, the parent gets only their final answers, Ctrl-C
//! stops them, and a child's tools and permissions never exceed its
//! definition or the parent's.

mod support;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::{messages, wisp, Aimock};

/// Per-chunk delay of the children's answers: each answer takes a few chunks.
const LATENCY_MS: u64 = 700;

fn task(prompt: &str, agent: Option<&str>) -> Value {
    let mut args = json!({"description": "look", "prompt": prompt});
    if let Some(a) = agent {
        args["agent"] = json!(a);
    }
    json!({"name": "task", "arguments": args})
}

fn text_of(m: &Value) -> String {
    match &m["content"] {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

fn tool_names(body: &Value) -> Vec<String> {
    body["tools"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|t| t["function"]["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Requests whose last user message is `text`.
fn requests_for(mock: &Aimock, text: &str) -> Vec<Value> {
    mock.bodies("/v1/chat/completions")
        .into_iter()
        .filter(|b| {
            messages(b)
                .iter()
                .rev()
                .find(|m| m["role"] == "user")
                .is_some_and(|m| text_of(m) == text)
        })
        .collect()
}

fn two_children(latency: u64) -> Aimock {
    Aimock::start(json!([
        {"match": {"userMessage": "survey", "hasToolResult": false},
         "response": {"toolCalls": [task("find alpha", None), task("find beta", Some("explore"))]}},
        {"match": {"userMessage": "survey", "hasToolResult": true},
         "response": {"content": "both found"}},
        {"match": {"userMessage": "find alpha", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "grep", "arguments": {"pattern": "alpha"}}]}},
        {"match": {"userMessage": "find alpha", "hasToolResult": true},
         "latency": latency, "response": {"content": "alpha is in a.txt"}},
        {"match": {"userMessage": "find beta"},
         "latency": latency, "response": {"content": "beta is in b.txt"}}
    ]))
}

#[test]
fn two_tasks_run_at_once_in_fresh_conversations() {
    // The time one child's answer takes, alone.
    let solo = Aimock::start(json!([
        {"match": {"userMessage": "x"}, "latency": LATENCY_MS, "response": {"content": "beta is in b.txt"}}
    ]));
    let w = wisp().openai(&solo).args(&["-p", "x"]);
    let start = Instant::now();
    w.run().success();
    let one = start.elapsed();

    let mock = two_children(LATENCY_MS);
    let w = wisp()
        .openai(&mock)
        .file("a.txt", "alpha here\n")
        .file("b.txt", "beta here\n")
        .args(&["-p", "--output-format", "stream-json", "survey"]);
    let start = Instant::now();
    let run = w.run();
    let both = start.elapsed();
    run.success();
    // Run one after the other they would take two solo runs' model time.
    assert!(
        both < one * 2 - Duration::from_millis(LATENCY_MS),
        "not concurrent: one child alone {one:?}, two children {both:?}"
    );

    // Each child started from nothing but its own prompt.
    for prompt in ["find alpha", "find beta"] {
        let reqs = requests_for(&mock, prompt);
        let first = reqs.first().expect("the child called the model");
        let msgs = messages(first);
        let roles: Vec<&str> = msgs.iter().filter_map(|m| m["role"].as_str()).collect();
        assert_eq!(roles, ["system", "user"], "{prompt}: {msgs:#?}");
        assert!(
            !first.to_string().contains("survey"),
            "{prompt} saw the parent"
        );
        assert!(
            text_of(&msgs[0]).contains("explore#"),
            "{}",
            text_of(&msgs[0])
        );
        let mut tools = tool_names(first);
        tools.sort();
        assert_eq!(
            tools,
            ["bash", "glob", "grep", "read"],
            "explore is read-only"
        );
    }

    // The parent got the two final answers and a summary, not the child's work.
    let last = requests_for(&mock, "survey")
        .pop()
        .expect("parent's last call");
    let results: Vec<String> = messages(&last)
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(text_of)
        .collect();
    assert_eq!(results.len(), 2, "{results:#?}");
    assert!(
        results[0].starts_with("alpha is in a.txt"),
        "{}",
        results[0]
    );
    assert!(results[0].contains("1 tool call: grep"), "{}", results[0]);
    assert!(
        !results[0].contains("alpha here"),
        "the child's grep output leaked"
    );
    assert!(results[1].starts_with("beta is in b.txt"), "{}", results[1]);
    assert!(run
        .stdout
        .lines()
        .last()
        .unwrap_or("")
        .contains("both found"));

    // stream-json: the child's tool call carries its id and the task call's.
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let grep = lines
        .iter()
        .find(|l| l["type"] == "tool_use" && l["name"] == "grep")
        .expect("the child's grep is reported");
    let child = grep["child"].as_str().expect("child id");
    assert!(child.starts_with("explore#"), "{grep}");
    let parent_call = grep["parent_tool_use_id"].as_str().expect("task call id");
    assert!(
        lines
            .iter()
            .any(|l| l["type"] == "tool_use" && l["name"] == "task" && l["id"] == parent_call),
        "{lines:#?}"
    );
}

#[test]
fn ctrl_c_stops_every_child_and_the_step() {
    let mock = two_children(10_000);
    let w = wisp().openai(&mock).args(&["-p", "survey"]);
    let mut c = w.command();
    c.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = c.spawn().expect("spawn");
    let pid = child.id().to_string();
    // Both children are waiting on their slow answers by now.
    let mut waited = 0;
    while requests_for(&mock, "find beta").is_empty() || requests_for(&mock, "find alpha").len() < 2
    {
        std::thread::sleep(Duration::from_millis(100));
        waited += 1;
        assert!(waited < 100, "the children never called the model");
    }
    let start = Instant::now();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    let out = support::wait_with_timeout(child, Duration::from_secs(20));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cancelled"));
    // The parent never got to its second call.
    assert_eq!(requests_for(&mock, "survey").len(), 1);
}

#[test]
fn a_claude_agent_with_read_and_grep_cannot_run_bash() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "check", "hasToolResult": false},
         "response": {"toolCalls": [task("review the code", Some("reviewer"))]}},
        {"match": {"userMessage": "check", "hasToolResult": true}, "response": {"content": "reviewed"}},
        {"match": {"userMessage": "review the code", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "touch pwned.txt"}}]}},
        {"match": {"userMessage": "review the code", "hasToolResult": true},
         "response": {"content": "could not run it"}}
    ]));
    let w = wisp()
        .openai(&mock)
        .file(
            ".claude/agents/reviewer.md",
            "---\nname: reviewer\ndescription: Reviews code for bugs\ntools: Read, Grep\nmodel: inherit\n---\nYou are a careful reviewer.\n",
        )
        .args(&["-p", "--yolo", "check"]);
    w.run().success();
    assert!(!w.path("pwned.txt").exists(), "the reviewer ran bash");
    let reqs = requests_for(&mock, "review the code");
    assert_eq!(tool_names(&reqs[0]), ["read", "grep"]);
    assert!(text_of(&messages(&reqs[0])[0]).starts_with("You are a careful reviewer."));
    let child_result = messages(reqs.last().expect("second call"))
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .map(text_of)
        .expect("tool result");
    assert!(
        child_result.contains("unknown tool `bash`"),
        "{child_result}"
    );
    // The task tool lists the agent for the parent model.
    let parent = requests_for(&mock, "check").remove(0);
    let task_tool = parent["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .find(|t| t["function"]["name"] == "task")
        .expect("task tool")
        .to_string();
    assert!(
        task_tool.contains("reviewer: Reviews code for bugs"),
        "{task_tool}"
    );
}

#[test]
fn explore_refuses_commands_that_would_ask_even_with_yolo() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "go", "hasToolResult": false},
         "response": {"toolCalls": [task("poke", None)]}},
        {"match": {"userMessage": "go", "hasToolResult": true}, "response": {"content": "ok"}},
        {"match": {"userMessage": "poke", "hasToolResult": false},
         "response": {"toolCalls": [
            {"name": "bash", "arguments": {"command": "touch made.txt"}},
            {"name": "bash", "arguments": {"command": "ls"}}
         ]}},
        {"match": {"userMessage": "poke", "hasToolResult": true}, "response": {"content": "looked"}}
    ]));
    let w = wisp()
        .openai(&mock)
        .file("seen.txt", "")
        .args(&["-p", "--yolo", "go"]);
    w.run().success();
    assert!(
        !w.path("made.txt").exists(),
        "explore changed the workspace"
    );
    let last = requests_for(&mock, "poke")
        .pop()
        .expect("child's second call");
    let results: Vec<String> = messages(&last)
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(text_of)
        .collect();
    assert!(results[0].contains("read-only"), "{}", results[0]);
    assert!(
        results[1].contains("seen.txt"),
        "a safe command runs: {}",
        results[1]
    );
}

#[test]
fn agents_lists_definitions_and_task_lines_are_labelled() {
    let mock = two_children(0);
    let w = wisp()
        .openai(&mock)
        .file(
            ".wisp/agents/fixer.md",
            "---\nname: fixer\ndescription: Fixes small bugs\ntools: Read, Edit\nmode: guarded\n---\nFix it.\n",
        )
        .stdin("/agents\nsurvey\n");
    let run = w.run();
    run.success();
    let out = &run.stdout;
    assert!(out.contains("explore  built-in"), "{out}");
    assert!(
        out.contains("fixer    project · read,edit · guarded mode"),
        "{out}"
    );
    assert!(out.contains("Fixes small bugs"), "{out}");
    // One indented line per child tool call, labelled with the child.
    let line = out
        .lines()
        .find(|l| l.contains("grep") && l.contains("explore#"))
        .expect(out);
    assert!(line.starts_with("  explore#"), "{line}");
}

#[test]
fn transcripts_are_saved_beside_the_session_and_resume_shows_task_results() {
    let mock = two_children(0);
    let w = wisp().openai(&mock).stdin("survey\n");
    w.run().success();
    let sessions = w.home.path().join("data/wisp/sessions");
    let dir = std::fs::read_dir(&sessions)
        .expect("sessions")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .expect("the session's folder");
    let alpha =
        std::fs::read_to_string(dir.join("task-explore-1.jsonl")).expect("child transcript");
    assert!(
        alpha.contains("find alpha") && alpha.contains("alpha is in a.txt"),
        "{alpha}"
    );
    assert!(
        !alpha.contains("survey"),
        "the child's transcript holds only its own conversation"
    );
    assert!(dir.join("task-explore-2.jsonl").exists());
    // Only the parent is a session of its own: -c finds it.
    let w = w.args(&["-c"]).stdin("");
    let run = w.run();
    run.success();
    assert!(
        run.stdout.contains("> survey [2 tool calls] → both found"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  explore#1 → alpha is in a.txt"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  explore#2 → beta is in b.txt"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_child_asks_through_the_parents_approver_labelled() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "fix", "hasToolResult": false},
         "response": {"toolCalls": [task("make the file", Some("fixer"))]}},
        {"match": {"userMessage": "fix", "hasToolResult": true}, "response": {"content": "fixed"}},
        {"match": {"userMessage": "make the file", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "touch made.txt"}}]}},
        {"match": {"userMessage": "make the file", "hasToolResult": true}, "response": {"content": "made"}}
    ]));
    let agent = "---\nname: fixer\ndescription: Fixes things\ntools: Bash\n---\nFix.\n";
    let w = wisp()
        .openai(&mock)
        .file(".claude/agents/fixer.md", agent)
        .stdin("fix\ny\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout.contains("ask: bash touch made.txt")
            && run.stdout.contains("asked by fixer#1: "),
        "{}",
        run.stdout
    );
    assert!(w.path("made.txt").exists(), "approved, so it ran");

    // A definition's mode only lowers the parent's: --yolo does not reach a
    // guarded agent, whose command asks (and -p refuses).
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "fix", "hasToolResult": false},
         "response": {"toolCalls": [task("make the file", Some("fixer"))]}},
        {"match": {"userMessage": "fix", "hasToolResult": true}, "response": {"content": "fixed"}},
        {"match": {"userMessage": "make the file", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "touch made.txt"}}]}},
        {"match": {"userMessage": "make the file", "hasToolResult": true}, "response": {"content": "made"}}
    ]));
    let agent = "---\nname: fixer\ndescription: Fixes things\ntools: Bash\npermissionMode: plan\n---\nFix.\n";
    let w = wisp()
        .openai(&mock)
        .file(".claude/agents/fixer.md", agent)
        .args(&["-p", "--yolo", "fix"]);
    w.run().success();
    assert!(
        !w.path("made.txt").exists(),
        "the guarded child ran a command unasked"
    );
    let last = requests_for(&mock, "make the file")
        .pop()
        .expect("child's second call");
    let result = messages(&last)
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .map(text_of)
        .expect("result");
    assert!(
        result.contains("needs approval") && result.contains("asked by fixer#1"),
        "{result}"
    );
}

#[test]
fn childrens_tokens_count_in_the_sessions_usage() {
    let u =
        |i: u64, o: u64| json!({"prompt_tokens": i, "completion_tokens": o, "total_tokens": i + o});
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "go", "hasToolResult": false},
         "response": {"toolCalls": [task("count", None)], "usage": u(100, 10)}},
        {"match": {"userMessage": "go", "hasToolResult": true},
         "response": {"content": "done", "usage": u(200, 20)}},
        {"match": {"userMessage": "count"},
         "response": {"content": "counted", "usage": u(1000, 500)}}
    ]));
    let w = wisp()
        .openai(&mock)
        .args(&["-p", "--output-format", "json", "go"]);
    let run = w.run();
    run.success();
    let v: Value = serde_json::from_str(run.stdout.trim()).expect("json result");
    assert_eq!(v["usage"]["input_tokens"], 1300, "{v}");
    assert_eq!(v["usage"]["output_tokens"], 530, "{v}");
}

#[test]
fn undo_puts_back_what_a_child_wrote() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "fix", "hasToolResult": false},
         "response": {"toolCalls": [task("write it", Some("writer"))]}},
        {"match": {"userMessage": "fix", "hasToolResult": true}, "response": {"content": "fixed"}},
        {"match": {"userMessage": "write it", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "write", "arguments": {"path": "notes.txt", "content": "new\n"}}]}},
        {"match": {"userMessage": "write it", "hasToolResult": true}, "response": {"content": "written"}}
    ]));
    let w = wisp()
        .openai(&mock)
        .file("notes.txt", "old\n")
        .file(
            ".wisp/agents/writer.md",
            "---\nname: writer\ndescription: Writes\ntools: Write\n---\nWrite.\n",
        )
        .stdin("fix\n/undo\n");
    let run = w.run();
    run.success();
    assert!(run.stdout.contains("notes.txt"), "{}", run.stdout);
    assert_eq!(
        std::fs::read_to_string(w.path("notes.txt")).unwrap(),
        "old\n"
    );
}

#[test]
fn two_children_asking_at_once_are_asked_one_after_the_other() {
    let touch = |f: &str| json!({"toolCalls": [{"name": "bash", "arguments": {"command": format!("touch {f}")}}]});
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "fix", "hasToolResult": false},
         "response": {"toolCalls": [task("make one", Some("fixer")), task("make two", Some("fixer"))]}},
        {"match": {"userMessage": "fix", "hasToolResult": true}, "response": {"content": "fixed"}},
        {"match": {"userMessage": "make one", "hasToolResult": false}, "response": touch("one.txt")},
        {"match": {"userMessage": "make two", "hasToolResult": false}, "response": touch("two.txt")},
        {"match": {"userMessage": "make", "hasToolResult": true}, "response": {"content": "made"}}
    ]));
    let agent = "---\nname: fixer\ndescription: Fixes things\ntools: Bash\n---\nFix.\n";
    let w = wisp()
        .openai(&mock)
        .file(".claude/agents/fixer.md", agent)
        .stdin("fix\ny\ny\n");
    let run = w.run();
    run.success();
    let asks: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("ask: bash"))
        .collect();
    assert_eq!(asks.len(), 2, "{}", run.stdout);
    assert!(
        asks.iter().any(|l| l.contains("asked by fixer#1")),
        "{asks:?}"
    );
    assert!(
        asks.iter().any(|l| l.contains("asked by fixer#2")),
        "{asks:?}"
    );
    assert!(w.path("one.txt").exists() && w.path("two.txt").exists());
}
