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
