//! The plan loop end to end: `/plan GOAL` drafts read-only, `wisp loop` and
//! `/plan run` work through PLAN.md with a real test command after each item.

mod support;
use serde_json::{json, Value};
use support::{wisp, Aimock, Wisp};

const PLAN: &str = "# Plan\n\n- [ ] create a.txt\n- [ ] create b.txt\n- [ ] create c.txt\n";

/// Passes unless b.txt exists with the wrong content; logs every run.
const TEST_SH: &str = "#!/bin/sh\necho run >> test.log\nif [ -f b.txt ] && [ \"$(cat b.txt)\" != good ]; then echo 'b.txt is wrong'; exit 1; fi\nexit 0\n";

fn write_call(path: &str, content: &str) -> Value {
    json!({"toolCalls": [{"name": "write", "arguments": {"path": path, "content": content}}]})
}

/// A model that does each item with one write; its first try at b.txt is wrong.
fn three_items() -> Aimock {
    let mut f = Vec::new();
    for (key, path, content) in [
        ("Plan item 1 of 3", "a.txt", "a"),
        ("Plan item 2 of 3", "b.txt", "bad"),
        (
            "failed after your work on plan item: create b.txt",
            "b.txt",
            "good",
        ),
        ("Plan item 3 of 3", "c.txt", "c"),
    ] {
        f.push(json!({"match": {"userMessage": key, "hasToolResult": false}, "response": write_call(path, content)}));
        f.push(json!({"match": {"userMessage": key, "hasToolResult": true}, "response": {"content": format!("wrote {path}")}}));
    }
    Aimock::start(Value::Array(f))
}

fn project(mock: &Aimock) -> Wisp {
    let w = wisp()
        .openai(mock)
        .file("PLAN.md", PLAN)
        .file("test.sh", TEST_SH);
    make_executable(&w.path("test.sh"));
    w
}

fn make_executable(p: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn read(w: &Wisp, rel: &str) -> String {
    std::fs::read_to_string(w.path(rel)).unwrap_or_default()
}

#[test]
fn loop_checks_off_every_item_and_runs_the_tests_after_each() {
    let mock = three_items();
    let w = project(&mock).args(&["loop", "--test", "./test.sh"]);
    let run = w.run();
    run.success();
    let plan = read(&w, "PLAN.md");
    assert!(plan.contains("- [x] create a.txt — tests pass\n"), "{plan}");
    assert!(
        plan.contains("- [x] create b.txt — tests pass after 2 attempts\n"),
        "{plan}"
    );
    assert!(plan.contains("- [x] create c.txt — tests pass\n"), "{plan}");
    assert_eq!(read(&w, "b.txt"), "good");
    assert_eq!(
        read(&w, "test.log").lines().count(),
        4,
        "a, b (fails), b, c"
    );
    for line in [
        "item 2/3: create b.txt",
        "tool: write b.txt",
        "tests failed (attempt 1 of 3): b.txt is wrong",
        "plan complete",
    ] {
        assert!(run.stdout.contains(line), "{line} missing:\n{}", run.stdout);
    }
    // The failure output went back to the model.
    let bodies = mock.bodies("/v1/chat/completions");
    assert!(bodies
        .iter()
        .any(|b| b.to_string().contains("b.txt is wrong")));
}

#[test]
fn loop_stops_after_k_attempts_with_a_nonzero_exit() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "create a.txt"}, "response": {"content": "I did nothing useful."}}
    ]));
    let w = wisp()
        .openai(&mock)
        .config("plan_attempts = 2\n")
        .file("PLAN.md", "- [ ] create a.txt\n- [ ] create b.txt\n")
        .file(
            "test.sh",
            "#!/bin/sh\necho run >> test.log\necho 'a.txt missing'\nexit 1\n",
        );
    make_executable(&w.path("test.sh"));
    let w = w.args(&["loop", "--test", "./test.sh"]);
    let run = w.run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("plan stopped at `create a.txt`: tests still fail after 2 attempts"),
        "{}",
        run.stderr
    );
    assert_eq!(read(&w, "test.log").lines().count(), 2);
    assert!(!read(&w, "PLAN.md").contains("[x]"));
}

#[test]
fn plan_run_pauses_between_items_and_q_stops_then_it_resumes() {
    let mock = three_items();
    let w = project(&mock)
        .config("test_command = \"./test.sh\"\n")
        .stdin("/plan run\n\nq\n");
    let run = w.run();
    assert!(
        run.stdout.contains("next item: Enter continues"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("plan paused: stopped by the user"),
        "{}",
        run.stderr
    );
    let plan = read(&w, "PLAN.md");
    assert!(
        plan.contains("[x] create b.txt") && plan.contains("- [ ] create c.txt"),
        "{plan}"
    );

    let w = w.stdin("/plan run 1\n/plan show\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout.contains("- [x] create c.txt — tests pass"),
        "{}",
        run.stdout
    );
    assert!(w.path("c.txt").exists());
}

#[test]
fn drafting_a_plan_is_read_only_and_writes_the_checklist() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "Goal: add greetings", "hasToolResult": false},
         "response": {"toolCalls": [
            {"name": "write", "arguments": {"path": "x.txt", "content": "no"}},
            {"name": "update_plan", "arguments": {"items": [
                {"text": "add hello.txt"}, {"text": "add bye.txt", "done": false}]}}
         ]}},
        {"match": {"userMessage": "Goal: add greetings", "hasToolResult": true},
         "response": {"content": "Two items."}}
    ]));
    let w = wisp().openai(&mock).stdin("/plan add greetings\n/mode\n");
    let run = w.run();
    run.success();
    assert!(!w.path("x.txt").exists(), "no edits while planning");
    assert_eq!(
        read(&w, "PLAN.md"),
        "# Plan\n\n- [ ] add hello.txt\n- [ ] add bye.txt\n"
    );
    assert!(
        run.stdout.contains("- [ ] add bye.txt"),
        "shown: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("mode: standard"),
        "mode restored: {}",
        run.stdout
    );
    let bodies = mock.bodies("/v1/chat/completions");
    assert!(bodies[1].to_string().contains("planning is read-only"));
}

#[test]
fn plan_run_auto_commit_makes_one_commit_per_item() {
    let mock = three_items();
    let w = project(&mock);
    let dir = w.project.clone();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(&dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["config", "user.name", "Test"]);
    git(&["config", "user.email", "test@example.com"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "start"]);
    let w = w.stdin("/plan run --auto --commit --test ./test.sh\n");
    let run = w.run();
    run.success();
    assert!(!run.stdout.contains("next item:"), "--auto never pauses");
    let log = git(&["log", "--format=%s"]);
    assert_eq!(
        log, "create c.txt\ncreate b.txt\ncreate a.txt\nstart\n",
        "{}",
        run.stdout
    );
    assert_eq!(
        git(&["show", "--format=", "--name-only", "HEAD~1"]).trim(),
        "PLAN.md\nb.txt\ntest.log"
    );
}

#[test]
fn plan_edit_opens_the_editor_on_the_plan_file_then_shows_it() {
    let w = wisp()
        .file("PLAN.md", "# Plan\n\n- [ ] first\n")
        .env("VISUAL", "sh -c 'echo \"- [ ] added by hand\" >> \"$0\"'")
        .stdin("/plan edit\n");
    let run = w.run();
    run.success();
    assert_eq!(
        read(&w, "PLAN.md"),
        "# Plan\n\n- [ ] first\n- [ ] added by hand\n"
    );
    assert!(run.stdout.contains("- [ ] added by hand"), "{}", run.stdout);
}
