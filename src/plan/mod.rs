//! The plan: a markdown checklist file (`PLAN.md` by default) that people and
//! the model both edit, the project's test command, and running it.
//!
//! `run.rs` works through the plan item by item; `command.rs` holds `/plan`
//! and the headless `wisp loop`.

pub mod command;
pub mod run;

use std::path::Path;

/// One checklist line: `- [ ] text` or `- [x] text — note`.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub text: String,
    pub done: bool,
    pub note: Option<String>,
}

const NOTE_SEP: &str = " — ";

/// Parses a checklist line; None for any other line.
fn parse_line(line: &str) -> Option<Item> {
    let t = line.trim_start();
    let rest = t.strip_prefix("- [").or_else(|| t.strip_prefix("* ["))?;
    let mut chars = rest.chars();
    let mark = chars.next()?;
    let body = chars.as_str().strip_prefix("] ")?;
    let done = match mark {
        ' ' => false,
        'x' | 'X' => true,
        _ => return None,
    };
    let (text, note) = match body.split_once(NOTE_SEP) {
        Some((t, n)) if done => (t, Some(n.trim().to_string())),
        _ => (body, None),
    };
    Some(Item {
        text: text.trim().to_string(),
        done,
        note,
    })
}

fn line_for(item: &Item) -> String {
    let mark = if item.done { 'x' } else { ' ' };
    match &item.note {
        Some(n) if item.done => format!("- [{mark}] {}{NOTE_SEP}{n}", item.text),
        _ => format!("- [{mark}] {}", item.text),
    }
}

/// The items of a plan file, in order.
pub fn items(text: &str) -> Vec<Item> {
    text.lines().filter_map(parse_line).collect()
}

/// The file's `# ` heading, if any, so rewrites keep it.
pub fn title(text: &str) -> Option<&str> {
    text.lines().find(|l| l.starts_with("# "))
}

/// A whole plan file from a heading and items.
pub fn render(title: Option<&str>, items: &[Item]) -> String {
    let mut s = format!("{}\n\n", title.unwrap_or("# Plan"));
    for i in items {
        s.push_str(&line_for(i));
        s.push('\n');
    }
    s
}

/// Marks the `index`-th item done with a note, keeping every other line as it is.
pub fn mark_done(text: &str, index: usize, note: &str) -> String {
    let mut n = 0;
    let mut out = String::with_capacity(text.len() + note.len() + 8);
    for line in text.lines() {
        match parse_line(line) {
            Some(mut item) => {
                if n == index {
                    item.done = true;
                    item.note = Some(note.to_string());
                    let indent = &line[..line.len() - line.trim_start().len()];
                    out.push_str(indent);
                    out.push_str(&line_for(&item));
                } else {
                    out.push_str(line);
                }
                n += 1;
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// The project's test command, guessed from the files in `dir`.
pub async fn detect_test_command(dir: &Path) -> Option<String> {
    let has = |f: &str| dir.join(f).exists();
    if has("Cargo.toml") {
        return Some("cargo test".into());
    }
    if has("package.json") {
        return Some("npm test".into());
    }
    if has("pyproject.toml") || has("pytest.ini") {
        return Some("pytest".into());
    }
    if has("go.mod") {
        return Some("go test ./...".into());
    }
    let makefile = tokio::fs::read_to_string(dir.join("Makefile"))
        .await
        .unwrap_or_default();
    if makefile.lines().any(|l| l.starts_with("test:")) {
        return Some("make test".into());
    }
    None
}

/// What a test run found.
pub struct TestRun {
    pub passed: bool,
    /// The output as the bash tool reports it (capped, with the exit line).
    pub output: String,
}

/// Runs `command` through the bash tool, so output caps, the process-group
/// kill on Ctrl-C and the timeout are the same as for the model's commands.
/// Err when cancelled or when there is no bash tool.
pub async fn run_tests(command: &str, agent: &crate::agent::Agent) -> Result<TestRun, String> {
    let bash = agent
        .tools
        .get("bash")
        .ok_or("no bash tool to run the tests")?;
    let args = serde_json::json!({"command": command, "timeout_ms": 600_000});
    let out = bash.run(&args, &agent.ctx).await;
    if agent.ctx.cancel.is_cancelled() {
        return Err("cancelled".into());
    }
    Ok(TestRun {
        // bash reports a failing exit as a normal result ending in its exit line.
        passed: !out.is_error && out.content.trim_end().ends_with("exit code: 0"),
        output: out.content,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checklist_round_trips_and_marks_in_place() {
        let text = "# Plan: x\n\nSome words.\n- [ ] first\n- [x] second — ok\n  - [ ] third\n";
        let v = items(text);
        assert_eq!(v.len(), 3);
        assert!(!v[0].done && v[1].done);
        assert_eq!(v[1].note.as_deref(), Some("ok"));
        let marked = mark_done(text, 2, "tests pass");
        assert!(marked.contains("Some words.\n"));
        assert!(marked.contains("  - [x] third — tests pass\n"), "{marked}");
        assert_eq!(title(text), Some("# Plan: x"));
        let r = render(None, &v);
        assert!(r.starts_with("# Plan\n\n- [ ] first\n- [x] second — ok\n"));
    }
}
