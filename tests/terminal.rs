//! wisp on a real (pseudo-)terminal: the working status line, answers that
//! appear while they stream, Esc interrupting a turn, and the width read again
//! after the window is resized.

#[path = "support/pty.rs"]
mod pty;
mod support;

use pty::Pty;
use serde_json::json;
use std::time::Duration;
use support::{wisp, Aimock};

/// A paragraph of numbered words, one line, `n` words long.
fn paragraph(n: usize) -> String {
    let words: Vec<String> = (1..=n).map(|i| format!("word{i:02}")).collect();
    words.join(" ")
}

/// The text without escape sequences.
fn plain(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            } else {
                chars.next();
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn start(w: &support::Wisp, cols: u16) -> Pty {
    let p = Pty::spawn(w.command(), cols, 24);
    p.wait_for("> ", 20);
    p
}

#[test]
fn status_line_shows_work_and_long_paragraphs_stream_before_their_line_ends() {
    let text = paragraph(40); // 279 characters, no newline until the end
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "slow"}, "response": {"content": text},
         "chunkSize": 4, "latency": 60}
    ]));
    let w = wisp().openai(&mock);
    let mut p = start(&w, 80);
    p.send(b"slow\r");
    p.wait_for("word40", 30);
    let out = p.text();
    assert!(
        out.contains("working · "),
        "no status line on the terminal:\n{out:?}"
    );
    assert!(
        out.contains("\r\x1b[K"),
        "the status line is erased in place"
    );
    let first = p.seen_at("word01").expect("first word");
    let last = p.seen_at("word40").expect("last word");
    assert!(
        last.duration_since(first) > Duration::from_millis(1500),
        "the paragraph appeared all at once ({:?} between first and last word)",
        last.duration_since(first)
    );
    // Every word arrived exactly once, in order, and no cursor-up was used.
    let shown = plain(&out);
    let at: Vec<usize> = (1..=40)
        .map(|i| shown.find(&format!("word{i:02}")).expect("word shown"))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{shown}");
    let answer = &out[out.find("word01").unwrap()..];
    assert!(!answer.contains("\x1b[A") && !answer.contains("\x1b[1A"));
}

#[test]
fn esc_interrupts_the_turn_and_does_not_leak_into_the_next_line() {
    let long = paragraph(60);
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "talk"}, "response": {"content": long},
         "chunkSize": 3, "latency": 80},
        {"match": {"userMessage": "read notes"}, "response": {"content": "Notes read."}}
    ]));
    let w = wisp().openai(&mock);
    let mut p = start(&w, 80);
    p.send(b"talk\r");
    p.wait_for("working", 20);
    std::thread::sleep(Duration::from_millis(400));
    p.send(b"\x1b");
    let mark = p.mark();
    p.wait_for("cancelled", 10);
    assert!(
        !p.text().contains("word60"),
        "the answer was not interrupted"
    );
    assert!(!p.text().contains("^["), "Esc was echoed");
    p.wait_after(mark, "> ", 10);
    p.send(b"read notes\r");
    p.wait_for("Notes read.", 20);
    let bodies = mock.bodies("/v1/chat/completions");
    let last = bodies.last().expect("a request");
    let msgs = last["messages"].as_array().unwrap();
    let user = msgs.iter().rev().find(|m| m["role"] == "user").unwrap();
    assert_eq!(user["content"], "read notes", "the next line lost a letter");
}

#[test]
fn width_is_read_again_after_a_resize() {
    let text = paragraph(20); // 139 characters
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "one"}, "response": {"content": text}},
        {"match": {"userMessage": "two"}, "response": {"content": text}}
    ]));
    let w = wisp().openai(&mock);
    let mut p = start(&w, 40);
    p.send(b"one\r");
    p.wait_for("word20", 20);
    let widest = |s: &str| plain(s).lines().map(|l| l.chars().count()).max();
    let first = p.text();
    let from = first.find("word01").unwrap();
    let to = first.find("word20").unwrap();
    assert!(widest(&first[from..to]).unwrap() <= 40, "{first}");
    p.wait_for(" out · ", 10);
    std::thread::sleep(Duration::from_millis(300));
    p.resize(100, 24);
    std::thread::sleep(Duration::from_millis(100));
    let mark = p.mark();
    p.send(b"two\r");
    let second = p.wait_after(mark, "word20", 20);
    let from = second.find("word01").unwrap();
    let rows: Vec<String> = plain(&second[from..]).lines().map(str::to_string).collect();
    assert!(
        rows.iter().any(|r| r.chars().count() > 60),
        "still wrapped at the old width: {rows:?}"
    );
}

#[test]
fn pipes_get_one_working_line_and_no_status_line() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "wait", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": "sleep 4"}}]}},
        {"match": {"userMessage": "wait", "hasToolResult": true}, "response": {"content": "Waited."}}
    ]));
    let run = wisp().openai(&mock).args(&["--yolo"]).stdin("wait\n").run();
    run.success();
    assert!(run.stdout.contains("Waited."), "{}", run.stdout);
    assert_eq!(
        run.stderr.matches("working").count(),
        1,
        "one working line in a pipe: {}",
        run.stderr
    );
    assert!(!run.stdout.contains('\r') && !run.stderr.contains('\r'));
}

const DOC: &str = "# Title\n\n- item **bold**\n\nSee [the docs](https://example.com/docs).\n";

/// The answer's part of the output: from its heading to the link.
fn answer_of(out: &str) -> &str {
    let from = out.find("Title").expect("heading shown");
    let to = out[from..].find("docs)").expect("link shown") + from;
    &out[from..to + 5]
}

#[test]
fn no_color_keeps_the_structure_and_links_show_their_address() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "doc"}, "response": {"content": DOC}}
    ]));
    let w = wisp().openai(&mock).env("NO_COLOR", "1");
    let mut p = start(&w, 80);
    p.send(b"doc\r");
    p.wait_for("docs)", 20);
    let out = p.text();
    let answer = answer_of(&out);
    assert!(!answer.contains('\x1b'), "no escape codes: {answer:?}");
    assert!(
        !answer.contains("# Title") && !answer.contains("**"),
        "{answer:?}"
    );
    assert!(answer.contains("• item bold"), "{answer:?}");
    assert!(
        answer.contains("See the docs (https://example.com/docs)"),
        "{answer:?}"
    );

    // In colour the link also reads as text plus address.
    let w = wisp().openai(&mock);
    let mut p = start(&w, 80);
    p.send(b"doc\r");
    p.wait_for("docs)", 20);
    let out = p.text();
    let answer = plain(answer_of(&out));
    assert!(
        answer.contains("See the docs (https://example.com/docs)"),
        "{answer:?}"
    );
    assert!(answer_of(&out).contains("\x1b["), "styled in colour mode");
}

#[test]
fn tab_completes_command_arguments_and_the_prompt_names_the_mode() {
    let w = wisp();
    let mut p = start(&w, 80);
    p.send(b"/mode acc\t");
    p.wait_for("/mode accept-edits", 10);
    let mark = p.mark();
    p.send(b"\r");
    p.wait_after(mark, "mode: accept-edits", 10);
    p.wait_after(mark, "accept-edits> ", 10);
    let mark = p.mark();
    p.send(b"/provider anth\t");
    p.wait_after(mark, "anthropic", 10);
}

#[test]
fn ctrl_c_on_a_shell_command_reports_the_interrupt_on_its_own_line() {
    let w = wisp();
    let mut p = start(&w, 80);
    p.send(b"!sleep 20\r");
    std::thread::sleep(Duration::from_millis(800));
    let mark = p.mark();
    p.send(b"\x03");
    let after = p.wait_after(mark, "exit code", 10);
    assert!(after.contains("exit code 130 (interrupted)"), "{after:?}");
    assert!(!after.contains("none"), "{after:?}");
    assert!(
        !after.contains("^C"),
        "echoed ^C glued to the note: {after:?}"
    );
    p.wait_after(mark, "> ", 10);
}

#[test]
fn the_first_prompt_given_as_an_argument_is_shown() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "say hello"}, "response": {"content": "Hello there."}}
    ]));
    let w = wisp().openai(&mock).args(&["say hello"]);
    let p = Pty::spawn(w.command(), 80, 24);
    let out = p.wait_for("Hello there.", 20);
    let shown = plain(&out);
    let asked = shown.find("> say hello").expect("prompt echoed");
    assert!(asked < shown.find("Hello there.").unwrap(), "{shown}");
}
