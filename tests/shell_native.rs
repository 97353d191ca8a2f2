//! Shell-native use: `!command` output offered to the model, `@path`
//! attachments, and the screen-reader (plain, labelled) mode.

mod support;
use serde_json::json;
use support::{messages, wisp, Aimock};

fn last_user(mock: &Aimock) -> String {
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(bodies.last().expect("a request"));
    let user = msgs
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .expect("user message");
    user["content"].to_string()
}

#[test]
fn bang_command_runs_without_approval_and_reaches_the_next_prompt() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "why did it fail"}, "response": {"content": "Because."}}
    ]));
    let w = wisp()
        .openai(&mock)
        .file("a.txt", "x\n")
        .stdin("!ls; echo marker-$((6*7))\nwhy did it fail\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout.contains("a.txt") && run.stdout.contains("marker-42"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("ask:"),
        "the user's own command needs no approval"
    );
    let sent = last_user(&mock);
    assert!(
        sent.contains("I ran `ls; echo marker-$((6*7))` (exit code 0)"),
        "{sent}"
    );
    assert!(
        sent.contains("marker-42") && sent.contains("why did it fail"),
        "{sent}"
    );
}

#[test]
fn at_path_attaches_a_file() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "summarise"}, "response": {"content": "Summarised."}}
    ]));
    let w = wisp()
        .openai(&mock)
        .file("docs/notes.md", "the launch is on friday\n")
        .stdin("summarise @docs/notes.md please\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout.contains("attached docs/notes.md"),
        "{}",
        run.stdout
    );
    let sent = last_user(&mock);
    assert!(
        sent.contains("Contents of docs/notes.md") && sent.contains("the launch is on friday"),
        "{sent}"
    );
}

#[test]
fn screen_reader_session_is_labelled_line_by_line() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "tidy up", "turnIndex": 0},
         "response": {"toolCalls": [{"name": "edit", "arguments": {"path": "a.txt", "old_string": "old", "new_string": "new"}}]}},
        {"match": {"userMessage": "tidy up", "turnIndex": 1},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "touch made.txt"}}]}},
        {"match": {"userMessage": "tidy up", "turnIndex": 2},
         "response": {"content": "# Done\n\nI changed **one** word\nand made a file."}}
    ]));
    for how in [("--plain", ""), ("", "dumb")] {
        let mut w = wisp()
            .openai(&mock)
            .file("a.txt", "old text\n")
            .stdin("tidy up\ny\n");
        if !how.0.is_empty() {
            w = w.args(&[how.0, "--bell"]);
        }
        if !how.1.is_empty() {
            w = w.env("TERM", how.1);
        }
        let run = w.run();
        run.success();
        assert!(
            !run.stdout.contains('\x1b'),
            "no escape byte: {:?}",
            run.stdout
        );
        let labels = [
            "wisp: ", "tool: ", "result: ", "diff: ", "ask: ", "note: ", "end: ",
        ];
        for line in run.stdout.lines() {
            let line = line.trim_start_matches('\x07');
            if line.is_empty() {
                continue;
            }
            assert!(
                labels.iter().any(|l| line.starts_with(l)),
                "unlabelled line {line:?} in:\n{}",
                run.stdout
            );
        }
        assert!(run.stdout.contains("wisp: heading: Done"), "{}", run.stdout);
        assert!(
            run.stdout.contains("wisp: I changed one word"),
            "whole lines: {}",
            run.stdout
        );
        assert!(run.stdout.contains("tool: edit a.txt"), "{}", run.stdout);
        assert!(run.stdout.contains("diff: -old text"), "{}", run.stdout);
        assert!(run.stdout.contains("ask: allow?"), "{}", run.stdout);
        let last = run
            .stdout
            .trim_end_matches(['\n', '\x07'])
            .lines()
            .last()
            .unwrap_or("");
        assert_eq!(last, "end: turn complete", "{}", run.stdout);
        assert_eq!(
            run.stdout.contains('\x07'),
            how.0 == "--plain",
            "bell only with --bell"
        );
    }
}

/// The commands wisp runs see the environment exactly as the user set it
/// (wisp no longer re-executes itself with heap tunables).
#[test]
fn commands_see_the_users_environment_unchanged() {
    let mock = Aimock::start(json!([]));
    let probe = "!echo \"tunables=[${GLIBC_TUNABLES-unset}] mark=[${WISP_MALLOC_TUNED-unset}]\"\n";
    let run = wisp().openai(&mock).stdin(probe).run();
    run.success();
    assert!(
        run.stdout.contains("tunables=[unset] mark=[unset]"),
        "{}",
        run.stdout
    );
    let run = wisp()
        .openai(&mock)
        .env("GLIBC_TUNABLES", "glibc.malloc.arena_max=4")
        .stdin(probe)
        .run();
    run.success();
    assert!(
        run.stdout
            .contains("tunables=[glibc.malloc.arena_max=4] mark=[unset]"),
        "{}",
        run.stdout
    );
}
