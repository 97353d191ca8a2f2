//! What a new user trips over in the first hour, driven through the binary
//! with a scripted model: session names, `@path` with spaces, a missing key,
//! undo state, and the small ones.

mod support;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use support::{messages, wisp, Aimock, Run, Wisp};

/// Runs wisp in `dir` with extra arguments and stdin.
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

/// The user's typed texts in a Chat Completions request.
fn user_texts(body: &Value) -> Vec<String> {
    messages(body)
        .iter()
        .filter(|m| m["role"] == "user")
        .filter_map(|m| m["content"].as_str().map(String::from))
        .collect()
}

#[test]
fn sessions_resume_by_name_and_p_never_shows_a_picker() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "first topic"}, "response": {"content": "One."}},
        {"match": {"userMessage": "second topic"}, "response": {"content": "Two."}},
        {"match": {"userMessage": "back to it"}, "response": {"content": "Back."}},
        {"match": {"userMessage": "again"}, "response": {"content": "Again."}}
    ]));
    let w = wisp().openai(&mock);
    run_in(&w, &w.project, &[], "first topic\n/rename auth work\n").success();
    std::thread::sleep(Duration::from_millis(1100));
    run_in(&w, &w.project, &["-p", "second topic"], "").success();

    let run = run_in(&w, &w.project, &["-r", "auth work", "-p", "back to it"], "");
    run.success();
    assert_eq!(run.stdout.trim(), "Back.", "nothing but the answer");
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(
        user_texts(bodies.last().unwrap()),
        ["first topic", "back to it"]
    );

    let run = run_in(&w, &w.project, &[], "/resume auth work\nagain\n");
    run.success();
    assert!(run.stdout.contains("resumed"), "{}", run.stdout);
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(user_texts(bodies.last().unwrap())[0], "first topic");

    let run = run_in(&w, &w.project, &["-r", "nosuch", "-p", "x"], "");
    assert_ne!(run.code, Some(0));
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("`nosuch`"), "{}", run.stderr);
    assert!(run.stdout.is_empty());

    let run = run_in(&w, &w.project, &["-r", "-p", "x"], "2\n");
    assert_ne!(run.code, Some(0));
    assert!(
        run.stderr.contains("-r needs a session id or name with -p"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(" 1. "), "no picker: {}", run.stderr);
}

#[test]
fn at_paths_with_spaces_attach_and_a_missing_file_is_named() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "summarise"}, "response": {"content": "Summed."}}
    ]));
    let w = wisp()
        .openai(&mock)
        .file("my dir/x.txt", "alpha inside\n")
        .file("other dir/y z.md", "beta inside\n");
    let run = run_in(
        &w,
        &w.project,
        &[],
        "summarise @my\\ dir/x.txt and @\"other dir/y z.md\" and @gone.txt\n",
    );
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    let sent = user_texts(&bodies[0]).join("\n");
    assert!(sent.contains("alpha inside"), "{sent}");
    assert!(sent.contains("beta inside"), "{sent}");
    let notes: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("gone.txt"))
        .collect();
    assert_eq!(
        notes,
        ["cannot attach gone.txt: no such file"],
        "{}",
        run.stdout
    );
}

#[test]
fn a_missing_key_is_named_at_start_and_on_the_first_call_without_retrying() {
    let w = wisp().env("WISP_PROVIDER", "anthropic");
    let started = std::time::Instant::now();
    let run = run_in(&w, &w.project, &[], "hello\n");
    assert_ne!(run.code, Some(0), "a failed turn fails the script");
    let named: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("ANTHROPIC_API_KEY is not set"))
        .collect();
    assert_eq!(named.len(), 2, "at start and on the call: {}", run.stderr);
    assert!(named[0].starts_with("wisp: "), "{}", run.stderr);
    assert!(!run.stderr.contains("cannot reach"), "{}", run.stderr);
    assert!(!run.stderr.contains("retry"), "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(5), "no retries");

    let run = run_in(&w, &w.project, &["-p", "hello"], "");
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr.trim(),
        "wisp: anthropic: ANTHROPIC_API_KEY is not set: export it, or choose another provider (--provider, /provider)"
    );
}

fn edit_fixtures() -> Aimock {
    Aimock::start(json!([
        {"match": {"userMessage": "make it", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "write", "arguments": {"path": "a.txt", "content": "v2\n"}}]}},
        {"match": {"userMessage": "make it", "hasToolResult": true}, "response": {"content": "Written."}},
        {"match": {"userMessage": "next question"}, "response": {"content": "Next."}}
    ]))
}

#[test]
fn a_refused_undo_keeps_its_checkpoint_and_force_restores_and_the_model_is_told() {
    let mock = edit_fixtures();
    let w = wisp().openai(&mock).file("a.txt", "v1\n");
    let run = run_in(
        &w,
        &w.project,
        &["--mode", "accept-edits"],
        "make it\n!echo mine > a.txt\n/undo\n/diff\n/undo\n/undo --force\nnext question\n",
    );
    run.success();
    let refused = run
        .stderr
        .matches("not restored: a.txt was changed since wisp edited it")
        .count();
    assert_eq!(
        refused, 2,
        "both refusals keep the checkpoint: {}",
        run.stderr
    );
    assert!(!run.stdout.contains("nothing to undo"), "{}", run.stdout);
    assert!(run.stdout.contains("restored a.txt"), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(w.path("a.txt")).unwrap(), "v1\n");
    // /diff still knew the edit after the refusal.
    assert!(
        run.stdout.contains("+v2") || run.stdout.contains("+mine"),
        "{}",
        run.stdout
    );
    let bodies = mock.bodies("/v1/chat/completions");
    let sent = user_texts(bodies.last().unwrap()).join("\n");
    assert!(
        sent.contains("I ran /undo") && sent.contains("restored a.txt"),
        "the model is told: {sent}"
    );
}

#[test]
fn checkpoints_survive_continue() {
    let mock = edit_fixtures();
    let w = wisp().openai(&mock).file("a.txt", "v1\n");
    run_in(&w, &w.project, &["--mode", "accept-edits"], "make it\n").success();
    assert_eq!(std::fs::read_to_string(w.path("a.txt")).unwrap(), "v2\n");
    let run = run_in(&w, &w.project, &["-c"], "/undo\n");
    run.success();
    assert!(run.stdout.contains("restored a.txt"), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(w.path("a.txt")).unwrap(), "v1\n");
    // Used up: a second resume has nothing left to undo.
    let run = run_in(&w, &w.project, &["-c"], "/undo\n");
    assert!(run.stdout.contains("nothing to undo"), "{}", run.stdout);
}

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}");
}

#[test]
fn resume_goes_back_into_the_worktree_the_session_moved_to() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "hello"}, "response": {"content": "Hi."}}
    ]));
    let w = wisp().openai(&mock).file("a.txt", "one\n");
    let p = w.project.clone();
    git(&p, &["init", "-q", "-b", "main"]);
    git(
        &p,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@e",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "first",
        ],
    );
    run_in(&w, &p, &[], "/worktree new feat\nhello\n").success();
    let tree = p.parent().unwrap().join("project-worktrees/feat");
    assert!(tree.is_dir());

    let run = run_in(&w, &p, &["-c"], "!pwd\n");
    run.success();
    assert!(
        run.stdout.contains(&format!("{}\n", tree.display())),
        "commands run in the worktree again: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("resumed ") && run.stdout.contains("in "),
        "a resumed line says where: {}",
        run.stdout
    );
}

#[test]
fn help_wraps_at_word_boundaries() {
    let run = wisp().stdin("/help\n").run();
    run.success();
    let words: Vec<&str> = run.stdout.split_whitespace().collect();
    for line in run.stdout.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line:?}");
    }
    // Wrapping only moved words: each help text is still there, word for word.
    assert!(words
        .windows(3)
        .any(|w| w == ["restore", "files", "changed"]));
}

#[test]
fn long_bash_output_is_cut_once_and_an_empty_one_says_no_output() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "count", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "seq 1 200000"}}]}},
        {"match": {"userMessage": "count", "hasToolResult": true}, "response": {"content": "Counted."}},
        {"match": {"userMessage": "quiet", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "true"}}]}},
        {"match": {"userMessage": "quiet", "hasToolResult": true}, "response": {"content": "Done."}}
    ]));
    let w = wisp().openai(&mock);
    let run = run_in(&w, &w.project, &["--yolo"], "count\nquiet\n");
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    let tool = messages(&bodies[1])
        .into_iter()
        .find(|m| m["role"] == "tool")
        .expect("tool result");
    let content = tool["content"].as_str().unwrap();
    assert_eq!(content.matches("is saved in").count(), 1, "{content}");
    assert!(
        !content.contains("[output truncated"),
        "cut twice: {content}"
    );
    let total: usize = (1..=200000).map(|i: u32| i.to_string().len() + 1).sum();
    assert!(content.contains(&format!("({total} bytes)")), "{content}");
    let saved = std::fs::read_dir(w.home.path().join("data/wisp/sessions"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap())
        .count();
    assert_eq!(saved, 1, "one saved file");
    assert!(
        run.stdout.contains("exit code: 0 · no output"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("· 1 line"), "{}", run.stdout);
}

#[test]
fn prompt_arguments_from_the_command_line_keep_their_quoting() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "ONE="}, "response": {"content": "Ok."}}
    ]));
    let w = wisp().openai(&mock).file(
        ".wisp/prompts/x.md",
        "---\ndescription: X\n---\nONE=[$1] TWO=[$2]\n",
    );
    let run = run_in(&w, &w.project, &["-p", "--prompt", "x", "a.txt", "b c"], "");
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(user_texts(&bodies[0]), ["ONE=[a.txt] TWO=[b c]"]);
}

#[test]
fn an_edit_preview_names_the_file_without_a_doubled_slash() {
    let mock = edit_fixtures();
    let w = wisp().openai(&mock).file("a.txt", "v1\n");
    let run = run_in(&w, &w.project, &["--mode", "guarded"], "make it\ny\n");
    run.success();
    assert!(
        run.stdout.contains("-v1") && run.stdout.contains("+v2"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("a//") && !run.stdout.contains("b//"),
        "{}",
        run.stdout
    );
}

#[test]
fn loop_without_a_plan_says_the_file_is_missing() {
    let w = wisp();
    let run = run_in(&w, &w.project, &["loop", "--test", "true"], "");
    assert_ne!(run.code, Some(0));
    assert!(
        run.stderr.contains("PLAN.md does not exist"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("no checklist items"), "{}", run.stderr);
}

#[test]
fn a_script_with_an_unknown_command_or_a_stopped_turn_fails() {
    let run = wisp().stdin("/frobnicate\n").run();
    assert_eq!(run.code, Some(1), "{}", run.stderr);

    let mock = edit_fixtures();
    let w = wisp().openai(&mock).file("a.txt", "v1\n");
    let run = run_in(&w, &w.project, &["--mode", "guarded"], "make it\nq\n");
    assert!(run.stdout.contains("stopped"), "{}", run.stdout);
    assert_eq!(run.code, Some(1));
    assert_eq!(std::fs::read_to_string(w.path("a.txt")).unwrap(), "v1\n");
}

#[test]
fn the_usage_line_does_not_claim_an_unpriced_session_cost_nothing() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "hi"}, "response": {"content": "Hello."}}
    ]));
    let w = wisp().openai(&mock);
    let run = run_in(&w, &w.project, &[], "hi\n");
    run.success();
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains(" out"))
        .expect("usage line");
    assert!(line.contains("cost unknown"), "{line}");
    assert!(!line.contains("$0.0000"), "{line}");
}

#[test]
fn a_bad_value_in_config_names_the_file() {
    let w = wisp().config("mode = \"wild\"\n");
    let run = run_in(&w, &w.project, &["-p", "hi"], "");
    assert_eq!(run.code, Some(2));
    let file = w.home.path().join("config/wisp/config.toml");
    assert!(
        run.stderr
            .contains(&format!("{}: mode: unknown mode `wild`", file.display())),
        "{}",
        run.stderr
    );
    let w = wisp().config("provider = \"foo\"\n");
    let run = run_in(&w, &w.project, &["-p", "hi"], "");
    let file = w.home.path().join("config/wisp/config.toml");
    assert!(
        run.stderr.contains(&format!(
            "{}: provider: unknown provider `foo`",
            file.display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1);
}

#[test]
fn a_prompt_file_written_during_the_session_is_found() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "FRESH"}, "response": {"content": "Fresh ran."}}
    ]));
    let w = wisp().openai(&mock);
    let file = w.path(".wisp/prompts/fresh.md");
    let script = format!(
        "!mkdir -p .wisp/prompts && printf -- '---\\ndescription: F\\n---\\nFRESH $1\\n' > {}\n/fresh now\n",
        file.display()
    );
    let run = run_in(&w, &w.project, &[], &script);
    run.success();
    assert!(
        run.stdout.contains("Fresh ran."),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}
