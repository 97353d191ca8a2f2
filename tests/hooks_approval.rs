//! Project hooks wait for approval at the interactive prompt (a real
//! pseudo-terminal) and then run unchanged, Claude Code's documented
//! settings included; `/hooks`; hooks in ACP mode, driven by the official SDK.

#[path = "support/hooks.rs"]
mod common;
mod support;
use common::{calls, last_tool_result, one, script, user_hooks};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{messages, root, wisp, Aimock, Wisp};

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
