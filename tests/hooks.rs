//! Hooks: real bash and python scripts at each point of the loop, against
//! aimock: PreToolUse, PostToolUse, UserPromptSubmit, Stop, Notification;
//! timeouts, crashes, parallel runs and Ctrl-C.

#[path = "support/hooks.rs"]
mod common;
mod support;
use common::{calls, last_tool_result, one, script, user_hooks};
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{messages, wisp, Aimock};

#[test]
fn post_tool_use_formats_the_file_after_an_edit() {
    let mock = Aimock::start(json!(calls(
        "tidy",
        "edit",
        json!({"path": "a.py", "old_string": "x=1", "new_string": "x = 1   "})
    )));
    // A formatter hook in bash: strips trailing blanks from the edited file.
    let w = script(
        wisp().openai(&mock).file("a.py", "x=1\n"),
        "fmt.sh",
        "#!/usr/bin/env bash\nf=$(jq -r '.tool_input.file_path')\nsed -i 's/[[:space:]]*$//' \"$f\"\necho \"$f\" >> formatted.log\n",
    );
    let w = user_hooks(w, one("PostToolUse", "Edit|Write", "./fmt.sh"));
    let w = w.args(&["-p", "tidy"]);
    let run = w.run();
    run.success();
    assert_eq!(
        std::fs::read_to_string(w.path("a.py")).expect("a.py"),
        "x = 1\n"
    );
    let logged = std::fs::read_to_string(w.path("formatted.log")).expect("hook ran");
    assert!(
        logged.trim().ends_with("/a.py") && logged.starts_with('/'),
        "{logged}"
    );
    assert!(run.stdout.contains("done tidy"), "{}", run.stdout);
}

#[test]
fn pre_tool_use_exit_2_blocks_rm_even_with_yolo_and_the_model_reads_why() {
    let mock = Aimock::start(json!(calls(
        "clean",
        "bash",
        json!({"command": "rm -f keep.txt"})
    )));
    let w = script(
        wisp().openai(&mock).file("keep.txt", "precious\n"),
        "no-rm.sh",
        "#!/usr/bin/env bash\ncmd=$(jq -r '.tool_input.command')\ncase \"$cmd\" in\n  rm\\ *|*\\ rm\\ *) echo \"rm is not allowed here; move files to trash/ instead\" >&2; exit 2;;\nesac\nexit 0\n",
    );
    let w = user_hooks(w, one("PreToolUse", "Bash", "./no-rm.sh"));
    let w = w.args(&["-p", "clean", "--yolo"]);
    let run = w.run();
    run.success();
    assert!(w.path("keep.txt").exists(), "the call did not run");
    let result = last_tool_result(&mock);
    assert!(result.contains("rm is not allowed here"), "{result}");
    assert!(
        run.stderr
            .contains("hook PreToolUse: blocked by ./no-rm.sh: rm is not allowed here"),
        "{}",
        run.stderr
    );
}

#[test]
fn updated_input_rewrites_the_call_and_the_policy_decides_the_new_one() {
    let mut f = vec![
        json!({"match": {"userMessage": "two", "hasToolResult": false},
        "response": {"toolCalls": [
            {"name": "bash", "arguments": {"command": "echo original-one"}},
            {"name": "bash", "arguments": {"command": "echo original-two"}}
        ]}}),
    ];
    f.push(
        json!({"match": {"userMessage": "two", "hasToolResult": true},
                  "response": {"content": "both ran"}}),
    );
    let mock = Aimock::start(json!(f));
    // A python hook rewrites both calls to `touch`, which asks in standard
    // mode: the first with the hook's allow (no question), the second without
    // (the policy decides the new call, and `-p` refuses what would ask).
    let w = script(
        wisp().openai(&mock),
        "rewrite.py",
        r#"#!/usr/bin/env python3
import json, sys
data = json.load(sys.stdin)
cmd = data["tool_input"]["command"]
out = {"hookEventName": "PreToolUse"}
if "one" in cmd:
    out["permissionDecision"] = "allow"
    out["updatedInput"] = {"command": "touch made-by-allow"}
else:
    out["updatedInput"] = {"command": "touch made-by-rewrite"}
print(json.dumps({"hookSpecificOutput": out}))
"#,
    );
    let mut hooks = one("PreToolUse", "Bash", "python3 rewrite.py");
    hooks["Notification"] = one("Notification", "", "touch notified")["Notification"].clone();
    let w = user_hooks(w, hooks);
    let w = w.args(&["-p", "two"]);
    let run = w.run();
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(bodies.last().expect("second call"));
    let results: Vec<String> = msgs
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| m["content"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(results.len(), 2, "{msgs:?}");
    assert!(!results[0].contains("original-one"), "{results:?}");
    assert!(w.path("made-by-allow").exists(), "{results:?}");
    assert!(!w.path("made-by-rewrite").exists(), "{results:?}");
    assert!(
        results[1].contains("`bash touch made-by-rewrite` needs approval"),
        "{results:?}"
    );
    assert!(run.stderr.contains("rewrote the call"), "{}", run.stderr);
    // Nobody answers in -p: no Notification says someone is awaited.
    assert!(!w.path("notified").exists());
}

#[test]
fn a_rewrite_to_outside_the_workspace_still_asks() {
    let mock = Aimock::start(json!(calls("peek", "read", json!({"path": "inside.txt"}))));
    let w = script(
        wisp().openai(&mock).file("inside.txt", "in\n"),
        "out.py",
        r#"#!/usr/bin/env python3
import json, sys
json.load(sys.stdin)
print(json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse",
    "permissionDecision": "allow", "updatedInput": {"file_path": "/etc/hostname"}}}))
"#,
    );
    let w = user_hooks(w, one("PreToolUse", "Read", "python3 out.py"));
    let w = w.args(&["-p", "peek"]);
    let run = w.run();
    run.success();
    let result = last_tool_result(&mock);
    assert!(result.contains("needs approval"), "{result}");
    assert!(result.contains("outside the workspace"), "{result}");
}

#[test]
fn user_prompt_submit_context_reaches_the_provider_and_exit_2_keeps_a_prompt_back() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "status"}, "response": {"content": "noted"}}
    ]));
    let w = script(
        wisp().openai(&mock),
        "ctx.sh",
        "#!/usr/bin/env bash\nprompt=$(jq -r .prompt)\nif [[ $prompt == *password* ]]; then echo 'prompt holds a secret' >&2; exit 2; fi\necho \"Current sprint: hooks-42\"\n",
    );
    let w = user_hooks(w, one("UserPromptSubmit", "", "./ctx.sh"));
    let w = w
        .args(&["--plain"])
        .stdin("status please\nmy password is hunter2\n");
    let run = w.run();
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(bodies.len(), 1, "the blocked prompt was not sent");
    let sent = bodies[0].to_string();
    assert!(sent.contains("Current sprint: hooks-42"), "{sent}");
    assert!(!sent.contains("hunter2"));
    assert!(
        run.stdout
            .contains("hook: UserPromptSubmit: blocked by ./ctx.sh: prompt holds a secret"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_stop_hook_keeps_the_turn_going_once() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "Also list the tests you ran."}, "response": {"content": "Ran 3 tests."}},
        {"match": {"userMessage": "fix it"}, "response": {"content": "Fixed."}}
    ]));
    let w = script(
        wisp().openai(&mock),
        "more.py",
        r#"#!/usr/bin/env python3
import json, sys
data = json.load(sys.stdin)
with open("stop.log", "a") as f:
    f.write(str(data["stop_hook_active"]) + " " + data["last_assistant_message"] + "\n")
if not data["stop_hook_active"]:
    print(json.dumps({"decision": "block", "reason": "Also list the tests you ran."}))
"#,
    );
    let w = user_hooks(w, one("Stop", "", "python3 more.py"));
    let w = w.args(&["-p", "fix it"]);
    let run = w.run();
    run.success();
    assert!(run.stdout.contains("Ran 3 tests."), "{}", run.stdout);
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(bodies.len(), 2);
    let last = messages(&bodies[1]);
    assert_eq!(
        last.last().expect("msg")["content"],
        "Also list the tests you ran."
    );
    let log = std::fs::read_to_string(w.path("stop.log")).expect("stop.log");
    assert_eq!(log, "False Fixed.\nTrue Ran 3 tests.\n");
}

#[test]
fn a_hook_that_hangs_is_killed_at_its_timeout_with_its_group() {
    let mock = Aimock::start(json!(calls("look", "read", json!({"path": "a.txt"}))));
    let w = script(
        wisp().openai(&mock).file("a.txt", "hello\n"),
        "hang.sh",
        "#!/usr/bin/env bash\nsleep 30 &\necho $! > sleeper.pid\nwait\n",
    );
    let hooks = json!({"PreToolUse": [{"matcher": "*", "hooks": [
        {"type": "command", "command": "./hang.sh", "timeout": 1}]}]});
    let w = user_hooks(w, hooks);
    let start = Instant::now();
    let w = w.args(&["-p", "look"]);
    let run = w.run();
    run.success();
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    assert!(
        run.stderr.contains("./hang.sh timed out after 1s"),
        "{}",
        run.stderr
    );
    assert!(
        last_tool_result(&mock).contains("hello"),
        "the read still ran"
    );
    let pid = std::fs::read_to_string(w.path("sleeper.pid")).expect("pid");
    let proc = format!("/proc/{}", pid.trim());
    let deadline = Instant::now() + Duration::from_secs(5);
    while Path::new(&proc).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !Path::new(&proc).exists(),
        "the hook's child was killed with its group"
    );
}

#[test]
fn a_hook_that_crashes_does_not_stop_the_turn() {
    let mock = Aimock::start(json!(calls("look", "read", json!({"path": "a.txt"}))));
    let w = script(
        wisp().openai(&mock).file("a.txt", "hello\n"),
        "crash.py",
        "#!/usr/bin/env python3\nraise RuntimeError('hook bug')\n",
    );
    let mut hooks = one("PreToolUse", "", "python3 crash.py");
    hooks["PostToolUse"] = one("PostToolUse", "", "python3 crash.py")["PostToolUse"].clone();
    hooks["Stop"] = one("Stop", "", "python3 crash.py")["Stop"].clone();
    let w = user_hooks(w, hooks);
    let w = w.args(&["-p", "look"]);
    let run = w.run();
    run.success();
    assert!(run.stdout.contains("done look"), "{}", run.stdout);
    assert!(last_tool_result(&mock).contains("hello"));
    let warned = run
        .stderr
        .lines()
        .filter(|l| l.contains("python3 crash.py failed (exit 1)"))
        .count();
    assert_eq!(warned, 3, "{}", run.stderr);
}

#[test]
fn notification_runs_when_wisp_waits_for_an_approval() {
    let mock = Aimock::start(json!(calls(
        "make",
        "bash",
        json!({"command": "touch made"})
    )));
    let w = wisp().openai(&mock);
    let w = user_hooks(
        w,
        one(
            "Notification",
            "",
            "jq -r '.notification_type + \": \" + .message' >> notes.log",
        ),
    );
    let w = w.stdin("make\ny\n");
    let run = w.run();
    run.success();
    assert!(w.path("made").exists());
    let notes = std::fs::read_to_string(w.path("notes.log")).expect("notes.log");
    assert!(
        notes.contains("permission_prompt: wisp needs your permission to use bash"),
        "{notes}"
    );
    assert!(
        notes.contains("idle_prompt: wisp is waiting for your input"),
        "{notes}"
    );
}

#[test]
fn hooks_of_one_event_run_in_parallel_and_any_deny_wins() {
    let mock = Aimock::start(json!(calls("look", "read", json!({"path": "a.txt"}))));
    // Each hook waits for the other's mark: they finish only side by side.
    let both = "touch $1.flag; for i in $(seq 100); do [ -e $2.flag ] && break; sleep 0.1; done; [ -e $2.flag ] || exit 1\n";
    let w = script(
        wisp().openai(&mock).file("a.txt", "secret\n"),
        "meet.sh",
        &format!("#!/usr/bin/env bash\n{both}"),
    );
    let allow = r#"{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":\"allow\"}}"#;
    let deny = r#"{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":\"deny\",\"permissionDecisionReason\":\"not today\"}}"#;
    let hooks = json!({"PreToolUse": [
        {"matcher": "Read", "hooks": [{"type": "command", "command": format!("./meet.sh a b && echo \"{allow}\"")}]},
        {"matcher": "read", "hooks": [{"type": "command", "command": format!("./meet.sh b a && echo \"{deny}\"")}]}
    ]});
    let w = user_hooks(w, hooks);
    let w = w.args(&["-p", "look"]);
    let run = w.run();
    run.success();
    let result = last_tool_result(&mock);
    assert!(
        result.contains("blocked by a PreToolUse hook: not today"),
        "{result}\n{}",
        run.stderr
    );
    assert!(!result.contains("secret"));
    assert!(
        run.stderr.contains("allowed by ./meet.sh a b"),
        "{}",
        run.stderr
    );
}

#[test]
fn ctrl_c_kills_a_running_hook_and_the_session_goes_on() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "look", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "read", "arguments": {"path": "a.txt"}}]}},
        {"match": {"userMessage": "look", "hasToolResult": true}, "response": {"content": "looked"}},
        {"match": {"userMessage": "after"}, "response": {"content": "Still here."}}
    ]));
    let w = script(
        wisp().openai(&mock).file("a.txt", "hello\n"),
        "slow.sh",
        "#!/usr/bin/env bash\nsleep 60 &\necho $! > sleeper.pid\nwait\n",
    );
    let w = user_hooks(w, one("PreToolUse", "", "./slow.sh"));
    let mut child = w
        .command()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"look\n").expect("write");
    stdin.flush().expect("flush");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !w.path("sleeper.pid").exists() {
        assert!(Instant::now() < deadline, "the hook never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));
    stdin.write_all(b"after\n").expect("write");
    drop(stdin);
    let out = support::wait_with_timeout(child, Duration::from_secs(30));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("hook PreToolUse: ./slow.sh cancelled"),
        "{stdout}"
    );
    assert!(stdout.contains("Still here."), "{stdout}");
    let pid = std::fs::read_to_string(w.path("sleeper.pid")).expect("pid");
    let proc = format!("/proc/{}", pid.trim());
    let deadline = Instant::now() + Duration::from_secs(5);
    while Path::new(&proc).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!Path::new(&proc).exists(), "the hook's group was killed");
}

#[test]
fn compacting_runs_pre_compact_then_session_start_with_source_compact() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "Summarise the conversation"}, "response": {"content": "A summary."}},
        {"match": {"userMessage": "one"}, "response": {"content": "1"}},
        {"match": {"userMessage": "two"}, "response": {"content": "2"}},
        {"match": {"userMessage": "three"}, "response": {"content": "3"}}
    ]));
    let log = "jq -r '.hook_event_name + \" \" + (.trigger // .source)' >> events.log";
    let hooks = json!({
        "PreCompact": [{"matcher": "manual", "hooks": [{"type": "command", "command": log}]}],
        "SessionStart": [{"matcher": "compact|clear", "hooks": [{"type": "command", "command": log}]}],
        "SessionEnd": [{"hooks": [{"type": "command", "command": "jq -r '\"SessionEnd \" + .reason' >> events.log"}]}]
    });
    let w = user_hooks(wisp().openai(&mock), hooks);
    let w = w.stdin("one\ntwo\nthree\n/compact\n/clear\n");
    let run = w.run();
    run.success();
    assert!(run.stdout.contains("compacted:"), "{}", run.stdout);
    let events = std::fs::read_to_string(w.path("events.log")).expect("events.log");
    assert_eq!(
        events,
        "PreCompact manual\nSessionStart compact\nSessionEnd clear\nSessionStart clear\nSessionEnd prompt_input_exit\n"
    );
}
