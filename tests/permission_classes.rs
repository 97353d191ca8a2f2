//! Each class of permission hole, end to end: `-p --mode standard` in a
//! temporary project, a model that calls one tool, and the file system
//! showing the call took no effect (or the secret never reached the model).

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

/// Runs one bash call in a project prepared by `setup`; returns the tool
/// result, the project and the folder beside it ("outside").
fn bash_in(
    cmd: &str,
    extra: &[&str],
    setup: impl Fn(&std::path::Path, &std::path::Path),
) -> String {
    let mock = one_call("bash", json!({"command": cmd}));
    let w = wisp().openai(&mock).file("seed.txt", "seed\n");
    let outside = w.home.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret"), "TOPSECRET\n").unwrap();
    setup(&w.project, &outside);
    let mut args = vec!["-p", "--mode", "standard"];
    args.extend(extra);
    args.push("go");
    let w = w.args(&args);
    w.run().success();
    let result = tool_result(&mock);
    for body in mock.bodies("/v1/chat/completions") {
        assert!(
            !body.to_string().contains("TOPSECRET"),
            "{cmd}: the secret reached the model"
        );
    }
    assert!(
        !w.path("made.txt").exists() && !outside.join("made.txt").exists(),
        "{cmd} took effect"
    );
    result
}

#[test]
fn each_class_of_command_is_refused_without_effect() {
    let none = |_: &std::path::Path, _: &std::path::Path| {};
    for (cmd, why) in [
        // 1: words bash reads differently from a naive split.
        ("sort $'--output=made.txt' seed.txt", "sort -o"),
        ("sort $'\\055\\055output=made.txt' seed.txt", "sort -o"),
        ("sort -{o,u} made.txt seed.txt", "brace expansion"),
        // 2: grouped, attached and abbreviated options; sed scripts anywhere.
        ("sort -uo made.txt seed.txt", "sort -o"),
        ("sort -uomade.txt seed.txt", "sort -o"),
        ("sort --outp=made.txt seed.txt", "sort -o"),
        ("sed -n -e 1p -e 'w made.txt' seed.txt", "sed script"),
        ("sed -n --expression='w made.txt' seed.txt", "sed script"),
    ] {
        let result = bash_in(cmd, &[], none);
        assert!(
            result.starts_with("denied:") && result.contains(why),
            "{cmd}: {result}"
        );
    }
}

#[test]
fn reads_outside_through_paths_redirections_and_symlinks_are_refused() {
    let link = |p: &std::path::Path, out: &std::path::Path| {
        std::os::unix::fs::symlink(out, p.join("link")).unwrap();
        std::os::unix::fs::symlink(out.join("secret"), p.join("s")).unwrap();
    };
    for cmd in [
        "cat link/secret",
        "wc -c < link/secret && cat < link/secret",
        "cat<s",
        "head -n1 s",
        "cat ../outside/secret",
        "cat ~/outside/secret",
        "grep -r TOP *",
        "cd link && cat secret",
    ] {
        let result = bash_in(cmd, &[], link);
        assert!(
            result.starts_with("denied:") && result.contains("outside the workspace"),
            "{cmd}: {result}"
        );
    }
}

#[test]
fn git_against_a_nested_repository_is_refused() {
    // A folder with its own repository whose config runs a program on
    // `git status`: a download or the model can create one.
    let nested = |p: &std::path::Path, out: &std::path::Path| {
        let sub = p.join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .args(args)
                .current_dir(&sub)
                .output()
                .expect("git is installed")
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q", "."]);
        let hook = format!("touch {}", out.join("made.txt").display());
        git(&["config", "core.fsmonitor", &hook]);
    };
    for (cmd, why) in [
        ("cd sub && git status", "git would use the repository"),
        ("git -C sub status", "git -C"),
        (
            "git --git-dir=sub/.git --work-tree=sub status",
            "picks another repository",
        ),
        ("GIT_DIR=sub/.git git status", "sets a variable"),
    ] {
        let result = bash_in(cmd, &[], nested);
        assert!(
            result.starts_with("denied:") && result.contains(why),
            "{cmd}: {result}"
        );
    }
    // The payload is real: run directly, the same git status takes effect.
    let dir = tempfile::tempdir().unwrap();
    let (p, out) = (dir.path().join("p"), dir.path().join("o"));
    std::fs::create_dir_all(&p).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    nested(&p, &out);
    let _ = std::process::Command::new("git")
        .arg("status")
        .current_dir(p.join("sub"))
        .output();
    assert!(out.join("made.txt").exists(), "the fsmonitor payload works");
}

#[test]
fn an_allow_rule_never_admits_a_chained_command() {
    for cmd in [
        "cargo test; touch made.txt",
        "cargo test && touch made.txt",
        "cargo test --help | tee made.txt",
        "cargo test > made.txt",
    ] {
        let result = bash_in(
            cmd,
            &["--allow", "bash(cargo test*)"],
            |_: &std::path::Path, _: &std::path::Path| {},
        );
        let why = ["touch", "tee writes files", "output redirection"];
        assert!(
            result.starts_with("denied:") && why.iter().any(|w| result.contains(w)),
            "{cmd}: {result}"
        );
    }
}

#[test]
fn denials_suggest_a_rule_no_wider_than_the_command() {
    let result = bash_in(
        "touch made.txt",
        &[],
        |_: &std::path::Path, _: &std::path::Path| {},
    );
    assert!(
        result.contains("--allow 'bash(touch made.txt)'"),
        "{result}"
    );
    let result = bash_in(
        "cargo test; touch made.txt",
        &[],
        |_: &std::path::Path, _: &std::path::Path| {},
    );
    assert!(
        result.contains("--allow 'bash(cargo test; touch made.txt)'"),
        "{result}"
    );
}

#[test]
fn writes_through_symlinks_never_reach_outside() {
    let mock = one_call("write", json!({"path": "dangling", "content": "pwned"}));
    let w = wisp().openai(&mock);
    let outside = w.home.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(outside.join("new"), w.path("dangling")).unwrap();
    let w = w.args(&["-p", "--mode", "standard", "go"]);
    w.run().success();
    assert!(
        !outside.join("new").exists(),
        "the dangling link was followed"
    );
    let result = tool_result(&mock);
    assert!(result.starts_with("denied:"), "{result}");

    // A symlinked plan file: update_plan is not exempt from the boundary.
    let mock = one_call("update_plan", json!({"items": [{"text": "pwned"}]}));
    let w = wisp().openai(&mock);
    let outside = w.home.path().join("outside.md");
    std::fs::write(&outside, "keep\n").unwrap();
    std::os::unix::fs::symlink(&outside, w.path("PLAN.md")).unwrap();
    let w = w.args(&["-p", "--mode", "standard", "go"]);
    w.run().success();
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep\n");
    let result = tool_result(&mock);
    assert!(result.contains("outside the workspace"), "{result}");
}

#[test]
fn common_read_only_commands_still_run() {
    let mock = one_call(
        "bash",
        json!({"command": "git log --oneline -5 | head -3; grep -rn seed . | wc -l; sed -n 1,20p seed.txt; wc -l < seed.txt; ls -la; find . -name '*.txt'"}),
    );
    let w = wisp().openai(&mock).file("seed.txt", "seed\n");
    let w = w.args(&["-p", "--mode", "standard", "go"]);
    w.run().success();
    let result = tool_result(&mock);
    assert!(!result.starts_with("denied:"), "{result}");
    assert!(result.contains("./seed.txt"), "{result}");
}

#[test]
fn always_remembers_only_what_the_prompt_showed() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "twice", "turnIndex": 0},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "touch one.txt"}}]}},
        {"match": {"userMessage": "twice", "turnIndex": 1},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "touch one.txt made.txt"}}]}},
        {"match": {"userMessage": "twice", "turnIndex": 2}, "response": {"content": "done"}}
    ]));
    let w = wisp().openai(&mock).stdin("twice\na\nn\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout
            .contains("[a]lways allows bash(touch one.txt) for this session"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("ask: bash").count(), 2, "{}", run.stdout);
    assert!(w.path("one.txt").exists());
    assert!(!w.path("made.txt").exists(), "a wider command was admitted");
}

#[test]
fn cd_with_cdpath_set_asks() {
    let mock = one_call("bash", json!({"command": "cd sub && cat secret"}));
    let w = wisp().openai(&mock).file("seed.txt", "x\n");
    // With CDPATH, `cd sub` goes to the outside folder's `sub`, not ours.
    let outside = w.home.path().join("elsewhere");
    std::fs::create_dir_all(outside.join("sub")).unwrap();
    std::fs::create_dir_all(w.path("sub")).unwrap();
    std::fs::write(outside.join("sub/secret"), "TOPSECRET\n").unwrap();
    let cdpath = outside.display().to_string();
    let w = w
        .env("CDPATH", &cdpath)
        .args(&["-p", "--mode", "standard", "go"]);
    w.run().success();
    let result = tool_result(&mock);
    assert!(
        result.starts_with("denied:") && result.contains("CDPATH"),
        "{result}"
    );
}
