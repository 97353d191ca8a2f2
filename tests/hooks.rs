//! Hooks: real bash and python scripts at each point of the loop, against
//! aimock; project hooks that wait for approval at the interactive prompt
//! (a real pseudo-terminal); hooks in ACP mode, driven by the official SDK.

mod support;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{messages, root, wisp, Aimock, Wisp};

/// The user's own hooks (`$XDG_CONFIG_HOME/wisp/hooks.json`): trusted.
fn user_hooks(w: Wisp, hooks: Value) -> Wisp {
    let dir = w.home.path().join("config/wisp");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(
        dir.join("hooks.json"),
        json!({ "hooks": hooks }).to_string(),
    )
    .expect("write hooks.json");
    w
}

/// An executable script in the project.
fn script(w: Wisp, rel: &str, text: &str) -> Wisp {
    use std::os::unix::fs::PermissionsExt;
    let w = w.file(rel, text);
    let p = w.path(rel);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    w
}

fn one(event: &str, matcher: &str, command: &str) -> Value {
    json!({ event: [{"matcher": matcher, "hooks": [{"type": "command", "command": command}]}] })
}

/// A model that calls `tool` for prompt `p`, then answers `done <p>`.
fn calls(p: &str, tool: &str, args: Value) -> Vec<Value> {
    vec![
        json!({"match": {"userMessage": p, "hasToolResult": false},
               "response": {"toolCalls": [{"name": tool, "arguments": args}]}}),
        json!({"match": {"userMessage": p, "hasToolResult": true},
               "response": {"content": format!("done {p}")}}),
    ]
}

/// The content of the last tool result the model was sent.
fn last_tool_result(mock: &Aimock) -> String {
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(bodies.last().expect("a request"));
    let m = msgs
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .expect("a tool result");
    m["content"].as_str().unwrap_or("").to_string()
}

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
    let w = w.stdin("status please\nmy password is hunter2\n");
    let run = w.run();
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(bodies.len(), 1, "the blocked prompt was not sent");
    let sent = bodies[0].to_string();
    assert!(sent.contains("Current sprint: hooks-42"), "{sent}");
    assert!(!sent.contains("hunter2"));
    assert!(
        run.stdout
            .contains("hook UserPromptSubmit: blocked by ./ctx.sh: prompt holds a secret"),
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
    f.write(str(data["stop_hook_active"]) + "\n")
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
    assert_eq!(log, "False\nTrue\n");
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

/// Claude Code's documentation's examples, unchanged: a file-protection
/// hook (python) and a Bash command logger (jq).
const CLAUDE_SETTINGS: &str = r#"{
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "Edit|MultiEdit|Write",
        "hooks": [
          {
            "type": "command",
            "command": "python3 -c \"import json, sys; data=json.load(sys.stdin); path=data.get('tool_input',{}).get('file_path',''); sys.exit(2 if any(p in path for p in ['.env', 'package-lock.json', '.git/']) else 0)\""
          }
        ]
      },
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "jq -r '\"\\(.tool_input.command) - \\(.tool_input.description // \"No description\")\"' >> ~/.claude/bash-command-log.txt"
          }
        ]
      }
    ]
  }
}"#;

fn env_fixtures() -> Value {
    let mut f = calls(
        "secrets",
        "write",
        json!({"path": ".env", "content": "KEY=1\n"}),
    );
    f.extend(calls("list", "bash", json!({"command": "ls"})));
    json!(f)
}

#[test]
fn claude_settings_from_the_docs_wait_for_approval_then_run_unchanged() {
    let mock = Aimock::start(env_fixtures());
    let w = wisp()
        .openai(&mock)
        .file(".claude/settings.json", CLAUDE_SETTINGS);
    std::fs::create_dir_all(w.home.path().join(".claude")).expect("~/.claude");
    let log = w.home.path().join(".claude/bash-command-log.txt");

    // Before approval, -p skips them with one warning and the write happens.
    let run = run_in(&w, &["-p", "secrets"], &[]);
    run.success();
    let warn: Vec<&str> = run.stderr.lines().filter(|l| l.contains("hooks")).collect();
    assert_eq!(warn.len(), 1, "{}", run.stderr);
    assert!(warn[0].contains(".claude/settings.json") && warn[0].contains("not approved"));
    assert!(w.path(".env").exists(), "unapproved hooks did not run");
    std::fs::remove_file(w.path(".env")).expect("rm .env");

    // Approved at the interactive prompt, which shows every command.
    let screen = approve_in_a_terminal(&w);
    assert!(screen.contains("sys.exit(2 if any(p in path"), "{screen}");
    assert!(screen.contains("bash-command-log.txt"), "{screen}");
    assert!(screen.contains("approved"), "{screen}");

    // Now the same file runs as Claude Code would run it.
    let mock2 = Aimock::start(env_fixtures());
    let url = format!("{}/v1", mock2.url());
    let env = [("OPENAI_BASE_URL", url.as_str())];
    let run = run_in(&w, &["-p", "secrets"], &env);
    run.success();
    assert!(
        !w.path(".env").exists(),
        "the protection hook blocked the write"
    );
    assert!(
        last_tool_result(&mock2).contains("blocked"),
        "{}",
        run.stderr
    );
    let run = run_in(&w, &["-p", "list"], &env);
    run.success();
    let logged = std::fs::read_to_string(&log).expect("the logger ran");
    assert_eq!(logged, "ls - No description\n");
}

/// Runs `w` again with other arguments (and environment), stdin empty.
fn run_in(w: &Wisp, args: &[&str], env: &[(&str, &str)]) -> support::Run {
    let mut c = w.command();
    c.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = support::wait_with_timeout(c.spawn().expect("spawn wisp"), Duration::from_secs(60));
    support::Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

/// Runs wisp on a pseudo-terminal: answers `y` to the hooks question, lists
/// `/hooks`, quits; returns everything the terminal showed.
fn approve_in_a_terminal(w: &Wisp) -> String {
    let (mut master, slave) = pty();
    let mut c = w.command();
    c.env("TERM", "dumb");
    let fd = |f: &OwnedFd| Stdio::from(f.try_clone().expect("dup"));
    c.stdin(fd(&slave)).stdout(fd(&slave)).stderr(fd(&slave));
    // SAFETY: setsid and ioctl are async-signal-safe; the child makes the
    // terminal its controlling one, as a shell would.
    unsafe {
        use std::os::unix::process::CommandExt;
        c.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY as _, 0);
            Ok(())
        });
    }
    let mut child = c.spawn().expect("spawn wisp on a pty");
    drop(slave);
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let mut reader = master.try_clone().expect("clone master");
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    let wait_for = |what: &str, seen: &mut String| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !seen.contains(what) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(b) => seen.push_str(&String::from_utf8_lossy(&b)),
                Err(_) => panic!("never saw {what:?} on the terminal:\n{seen}"),
            }
        }
    };
    wait_for("Allow them? [y/N]", &mut seen);
    master.write_all(b"y\r").expect("answer");
    wait_for("/help for commands", &mut seen);
    master.write_all(b"/hooks\r").expect("type /hooks");
    wait_for(
        "bash-command-log.txt  (.claude/settings.json)  approved",
        &mut seen,
    );
    master.write_all(b"/quit\r").expect("quit");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "wisp did not quit:\n{seen}");
        std::thread::sleep(Duration::from_millis(50));
    }
    while let Ok(b) = rx.recv_timeout(Duration::from_millis(200)) {
        seen.push_str(&String::from_utf8_lossy(&b));
    }
    seen
}

fn pty() -> (std::fs::File, OwnedFd) {
    let (mut m, mut s) = (0, 0);
    // SAFETY: openpty writes two descriptors into the given ints; the name,
    // termios and window size pointers may be null.
    let rc = unsafe {
        libc::openpty(
            &mut m,
            &mut s,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty");
    // SAFETY: both descriptors were just opened and are owned here alone.
    unsafe { (std::fs::File::from_raw_fd(m), OwnedFd::from_raw_fd(s)) }
}

#[test]
fn slash_hooks_lists_every_hook_and_whether_it_is_approved() {
    let mock = Aimock::start(json!([]));
    let w = wisp().openai(&mock).file(
        ".wisp/hooks.json",
        &json!({"hooks": one("Stop", "", "./project-stop.sh")}).to_string(),
    );
    let w = user_hooks(w, one("PreToolUse", "Bash|Write", "~/bin/guard"));
    let w = w.stdin("/hooks\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout
            .contains("PreToolUse [Bash|Write] ~/bin/guard  (")
            && run.stdout.contains("hooks.json)  approved"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Stop [*] ./project-stop.sh  (.wisp/hooks.json)  not approved"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("skipping the 1 hook of .wisp/hooks.json"),
        "{}",
        run.stderr
    );
}

/// The SDK client (tests/support/acp_client.mjs) against `wisp acp`.
fn acp_client(w: &Wisp, prompts: &str) -> Vec<Value> {
    let wc = w.command();
    let mut c = Command::new("node");
    c.arg(root().join("tests/support/acp_client.mjs"))
        .arg("prompts")
        .current_dir(&w.project)
        .env("WISP_BIN", env!("CARGO_BIN_EXE_wisp"))
        .env("ACP_PROMPTS", prompts)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in wc.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    let out = support::wait_with_timeout(c.spawn().expect("node"), Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "client failed\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|l| l.get("recv").cloned())
        .collect()
}

#[test]
fn hooks_run_in_acp_mode_and_the_editor_is_told() {
    let mut f = calls("go", "bash", json!({"command": "rm -f keep.txt"}));
    f.push(json!({"match": {"userMessage": "hi"}, "response": {"content": "hello"}}));
    let mock = Aimock::start(json!(f));
    let w = script(
        wisp().openai(&mock).file("keep.txt", "x\n"),
        "guard.sh",
        "#!/usr/bin/env bash\necho 'no deleting in this repo' >&2\nexit 2\n",
    );
    let mut hooks = one("PreToolUse", "Bash", "./guard.sh");
    hooks["SessionStart"] =
        one("SessionStart", "startup", "echo 'Team rule: small commits'")["SessionStart"].clone();
    let w = user_hooks(w, hooks);
    let recv = acp_client(&w, "go|hi|/hooks");
    assert!(w.path("keep.txt").exists());
    let chunks: Vec<String> = recv
        .iter()
        .filter(|m| m["method"] == "session/update")
        .filter(|m| m["params"]["update"]["sessionUpdate"] == "agent_message_chunk")
        .map(|m| {
            m["params"]["update"]["content"]["text"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert!(
        chunks.iter().any(|c| c.contains("hook PreToolUse: blocked by ./guard.sh: no deleting in this repo")),
        "{chunks:?}"
    );
    assert!(chunks.iter().any(|c| c.contains("hook SessionStart: echo 'Team rule: small commits' added context")), "{chunks:?}");
    assert!(
        chunks
            .iter()
            .any(|c| c.contains("PreToolUse [Bash] ./guard.sh  (") && c.contains("approved")),
        "{chunks:?}"
    );
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(bodies.len(), 3, "/hooks is answered by wisp, not the model");
    assert!(bodies[0].to_string().contains("Team rule: small commits"));
    assert_eq!(
        bodies[2].to_string().matches("Team rule").count(),
        1,
        "context is sent once"
    );
    assert!(last_tool_result_of(&bodies[1]).contains("no deleting in this repo"));
}

fn last_tool_result_of(body: &Value) -> String {
    messages(body)
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string()
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
