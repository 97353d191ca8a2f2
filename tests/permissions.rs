//! Permission modes end to end: what runs, what is refused, and that a refused
//! call leaves no trace on disk.

mod support;
use serde_json::{json, Value};
use support::{messages, wisp, Aimock};

/// A model that calls one tool, then answers "done".
fn one_call(tool: &str, args: Value) -> Aimock {
    Aimock::start(json!([
        {"match": {"userMessage": "go", "hasToolResult": false},
         "response": {"toolCalls": [{"name": tool, "arguments": args}]}},
        {"match": {"userMessage": "go", "hasToolResult": true}, "response": {"content": "done"}}
    ]))
}

fn tool_result(mock: &Aimock) -> String {
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(bodies.last().expect("request"));
    let r = msgs
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .expect("tool result");
    r["content"].as_str().unwrap_or("").to_string()
}

#[test]
fn commands_that_would_write_are_refused_in_standard_mode() {
    for cmd in [
        "echo pwned > made.txt",
        "echo pwned | tee made.txt",
        "find . -maxdepth 1 -name seed.txt -exec cp {} made.txt ;",
        "sed -n 'w made.txt' seed.txt",
        "git log --output=made.txt",
        "touch made.txt",
    ] {
        let mock = one_call("bash", json!({"command": cmd}));
        let w = wisp().openai(&mock).file("seed.txt", "seed\n");
        let w = w.args(&["-p", "go"]);
        let run = w.run();
        run.success();
        assert!(!w.path("made.txt").exists(), "{cmd} must not run");
        let result = tool_result(&mock);
        assert!(
            result.starts_with("denied:") && result.contains("--allow"),
            "{cmd}: {result}"
        );
    }
}

#[test]
fn safe_commands_run_without_asking() {
    let mock = one_call("bash", json!({"command": "ls | sort && echo listed"}));
    let w = wisp().openai(&mock).file("seed.txt", "x\n");
    let w = w.args(&["-p", "go"]);
    w.run().success();
    let result = tool_result(&mock);
    assert!(
        result.contains("seed.txt") && result.contains("listed"),
        "{result}"
    );
}

#[test]
fn allow_admits_exactly_what_it_names() {
    let mock = one_call("bash", json!({"command": "touch allowed.txt"}));
    let w = wisp().openai(&mock);
    let w = w.args(&["-p", "--allow", "bash(touch allowed*)", "go"]);
    w.run().success();
    assert!(w.path("allowed.txt").exists(), "the allowed command ran");

    let mock = one_call("bash", json!({"command": "touch other.txt"}));
    let w = wisp().openai(&mock);
    let w = w.args(&["-p", "--allow", "bash(touch allowed*)", "go"]);
    w.run().success();
    assert!(
        !w.path("other.txt").exists(),
        "a command the rule does not name is refused"
    );
    assert!(tool_result(&mock).starts_with("denied:"));
}

#[test]
fn edits_leaving_the_workspace_are_refused_in_accept_edits() {
    let outside = tempfile::tempdir().expect("tempdir");
    let target = outside.path().join("escaped.txt");
    let target_s = target.to_string_lossy().to_string();
    // An absolute path outside, a `..` path, a symlink out, and .git/hooks.
    let cases: Vec<(&str, Value)> = vec![
        ("write", json!({"path": target_s, "content": "x"})),
        ("write", json!({"path": "../escaped.txt", "content": "x"})),
        ("write", json!({"path": "link/escaped.txt", "content": "x"})),
        (
            "write",
            json!({"path": ".git/hooks/pre-commit", "content": "#!/bin/sh\necho pwned\n"}),
        ),
    ];
    for (tool, args) in cases {
        let mock = one_call(tool, args.clone());
        let w = wisp()
            .openai(&mock)
            .file(".git/HEAD", "ref: refs/heads/main\n");
        std::os::unix::fs::symlink(outside.path(), w.path("link")).expect("symlink");
        let w = w.args(&["-p", "--mode", "accept-edits", "go"]);
        w.run().success();
        assert!(!target.exists(), "{args}: wrote outside the workspace");
        assert!(
            !w.home.path().join("escaped.txt").exists(),
            "{args}: wrote to the parent"
        );
        assert!(
            !w.path(".git/hooks/pre-commit").exists(),
            "{args}: wrote a git hook"
        );
        let result = tool_result(&mock);
        assert!(result.starts_with("denied:"), "{args}: {result}");
    }
}

#[test]
fn edits_inside_the_workspace_run_in_accept_edits_but_ask_in_guarded() {
    let mock = one_call(
        "write",
        json!({"path": "src/new.rs", "content": "fn x() {}\n"}),
    );
    let w = wisp().openai(&mock);
    let w = w.args(&["-p", "--mode", "accept-edits", "go"]);
    w.run().success();
    assert_eq!(
        std::fs::read_to_string(w.path("src/new.rs"))
            .ok()
            .as_deref(),
        Some("fn x() {}\n")
    );

    let mock = one_call(
        "write",
        json!({"path": "src/new.rs", "content": "fn x() {}\n"}),
    );
    let w = wisp().openai(&mock);
    let w = w.args(&["-p", "--mode", "guarded", "go"]);
    w.run().success();
    assert!(!w.path("src/new.rs").exists());
}

#[test]
fn restrictive_mode_asks_even_for_reads() {
    let mock = one_call("read", json!({"path": "seed.txt"}));
    let w = wisp().openai(&mock).file("seed.txt", "secret\n");
    let w = w.args(&["-p", "--mode", "restrictive", "go"]);
    w.run().success();
    let result = tool_result(&mock);
    assert!(
        result.starts_with("denied:") && !result.contains("secret"),
        "{result}"
    );
}

#[test]
fn yolo_still_refuses_catastrophic_commands() {
    let mock = one_call("bash", json!({"command": "rm -rf ~"}));
    let w = wisp().openai(&mock);
    let w = w.args(&["-p", "--yolo", "go"]);
    let run = w.run();
    run.success();
    assert!(
        run.stderr.contains("--yolo"),
        "warning printed: {}",
        run.stderr
    );
    assert!(tool_result(&mock).contains("refused even with --yolo"));
    assert!(w.home.path().join("project").exists());
}

#[test]
fn always_answer_is_not_asked_again() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "twice", "turnIndex": 0},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "touch one.txt"}}]}},
        {"match": {"userMessage": "twice", "turnIndex": 1},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "touch  'one.txt'"}}]}},
        {"match": {"userMessage": "twice", "turnIndex": 2}, "response": {"content": "both made"}}
    ]));
    let w = wisp().openai(&mock).stdin("twice\na\n");
    let run = w.run();
    run.success();
    assert_eq!(run.stdout.matches("ask: bash").count(), 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("[a]lways allows bash(touch one.txt)"),
        "{}",
        run.stdout
    );
    assert!(w.path("one.txt").exists());
}

#[test]
fn unconfirmed_project_config_cannot_raise_permissions() {
    let mock = one_call("bash", json!({"command": "touch raised.txt"}));
    let w = wisp().openai(&mock).file(
        ".wisp/config.toml",
        "allow = [\"bash(touch*)\"]\nprotected = [\"*.pem\"]\n",
    );
    let w = w.args(&["-p", "go"]);
    let run = w.run();
    run.success();
    assert!(
        run.stderr
            .contains("ignoring what .wisp/config.toml raises (allow bash(touch*))"),
        "{}",
        run.stderr
    );
    assert!(!w.path("raised.txt").exists());
}

#[test]
fn safe_commands_reading_outside_the_workspace_ask() {
    for cmd in [
        "cat /etc/hostname",
        "ls ..",
        "head ~/.bashrc",
        "cat .*/hostname",
    ] {
        let mock = one_call("bash", json!({"command": cmd}));
        let run = wisp().openai(&mock).args(&["-p", "go"]).run();
        run.success();
        let result = tool_result(&mock);
        assert!(
            result.starts_with("denied:") && result.contains("outside the workspace"),
            "{cmd}: {result}"
        );
    }
}

/// `sort *` looks read-only, but a file named `--output=...` in the folder
/// makes the shell hand sort an option that writes. Abbreviated long options
/// (`--outp`) are the same option to GNU tools.
#[test]
fn patterns_and_abbreviations_that_become_writing_options_ask() {
    for cmd in ["sort *", "sort --outp=pwned.txt a.txt"] {
        let mock = one_call("bash", json!({"command": cmd}));
        let w = wisp()
            .openai(&mock)
            .file("a.txt", "b\na\n")
            .file("--output=pwned.txt", "")
            .args(&["-p", "go"]);
        w.run().success();
        let result = tool_result(&mock);
        assert!(result.starts_with("denied:"), "{cmd}: {result}");
        assert!(!w.path("pwned.txt").exists(), "{cmd} wrote a file");
    }
}
