//! Screen-reader speech: in `--plain` the model's markdown is said as content
//! (structure in words, no markup), in whole labelled lines; `--raw-markdown`
//! or `raw_markdown = true` keeps the markdown as written.

mod support;
use serde_json::json;
use support::{wisp, Aimock};

const ANSWER: &str = r#"# Entry point
The **main** function lives in `src/main.rs`, see [the docs](https://example.com/docs).

1. Parse *arguments*
   - flags
   - the `--plain` switch
2. Run

| file | lines |
|------|------:|
| `main.rs` | 3 |
| **cli.rs** | 40 |

```rust
fn main() {
    run();
}
```
Done."#;

/// The answer's lines: labelled `wisp: `, with the blank lines between them.
fn answer(stdout: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("wisp: "))
        .take_while(|l| l.starts_with("wisp: ") || l.is_empty())
        .collect();
    while lines.last() == Some(&"") {
        lines.pop();
    }
    lines
}

fn mock() -> Aimock {
    Aimock::start(json!([
        {"match": {"userMessage": "explain"},
         "response": {"content": ANSWER}, "chunkSize": 3}
    ]))
}

#[test]
fn plain_mode_speaks_content_instead_of_markup() {
    let mock = mock();
    let run = wisp()
        .openai(&mock)
        .args(&["--plain"])
        .stdin("explain\n")
        .run();
    run.success();
    let expected = [
        "wisp: heading: Entry point",
        "wisp: The main function lives in src/main.rs, see the docs (https://example.com/docs).",
        "",
        "wisp: 1. Parse arguments",
        "wisp: nested item: flags",
        "wisp: nested item: the --plain switch",
        "wisp: 2. Run",
        "",
        "wisp: table, 2 rows, columns: file, lines",
        "wisp: file: main.rs, lines: 3",
        "wisp: file: cli.rs, lines: 40",
        "",
        "wisp: code, rust, 3 lines:",
        "wisp: fn main() {",
        "wisp:     run();",
        "wisp: }",
        "wisp: end of code",
        "wisp: Done.",
    ];
    assert_eq!(answer(&run.stdout), expected, "{}", run.stdout);
    for line in run.stdout.lines() {
        for markup in ["**", "|---", "```", "](", "# "] {
            assert!(!line.contains(markup), "{markup:?} in {line:?}");
        }
    }
}

#[test]
fn raw_markdown_keeps_the_answer_as_written() {
    let mock = mock();
    let by_flag = wisp()
        .openai(&mock)
        .args(&["--plain", "--raw-markdown"])
        .stdin("explain\n")
        .run();
    let by_config = wisp()
        .openai(&mock)
        .args(&["--plain"])
        .config("raw_markdown = true\n")
        .stdin("explain\n")
        .run();
    for run in [by_flag, by_config] {
        run.success();
        let expected: Vec<String> = ANSWER
            .lines()
            .map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("wisp: {l}")
                }
            })
            .collect();
        assert_eq!(answer(&run.stdout), expected, "{}", run.stdout);
    }
}

#[test]
fn styled_and_piped_output_do_not_speak() {
    let mock = mock();
    let run = wisp().openai(&mock).stdin("explain\n").run();
    run.success();
    assert!(run.stdout.contains("# Entry point"), "{}", run.stdout);
    assert!(run.stdout.contains("| `main.rs` | 3 |"), "{}", run.stdout);
    assert!(!run.stdout.contains("heading:"), "{}", run.stdout);
}
