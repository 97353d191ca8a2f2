//! The prompt library end to end: listing, precedence, arguments, modes,
//! Agent Skills, `.claude/commands`, malformed files and `-p --prompt`.

mod support;
use serde_json::{json, Value};
use support::{messages, wisp, Aimock};

const SUITE: [&str; 15] = [
    "brainstorm",
    "plan",
    "tdd",
    "debug",
    "review",
    "review-security",
    "refactor",
    "simplify",
    "verify",
    "commit",
    "explain",
    "init",
    "finish",
    "worktree",
    "ask",
];

/// The text of every user message in a request, in order.
fn user_texts(body: &Value) -> Vec<String> {
    messages(body)
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| m["content"].as_str().unwrap_or("").to_string())
        .collect()
}

fn system_text(body: &Value) -> String {
    messages(body)
        .iter()
        .find(|m| m["role"] == "system")
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string()
}

/// The `/prompts` line for `name`.
fn listed<'a>(stdout: &'a str, name: &str) -> Option<&'a str> {
    stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
}

fn answer_anything() -> Aimock {
    Aimock::start(json!([{"match": {}, "response": {"content": "Answered."}}]))
}

#[test]
fn prompts_lists_the_builtin_suite_and_help_includes_it() {
    let run = wisp().stdin("/prompts\n/help\n").run();
    run.success();
    for name in SUITE {
        let line = listed(&run.stdout, name).unwrap_or_else(|| panic!("{name}: {}", run.stdout));
        assert!(line.contains("built-in"), "{line}");
    }
    for cmd in ["/review [FOCUS]", "/tdd", "/prompts", "/prompt NAME"] {
        assert!(run.stdout.contains(cmd), "{cmd} in /help:\n{}", run.stdout);
    }
}

#[test]
fn a_project_prompt_overrides_the_builtin() {
    let mock = answer_anything();
    let w = wisp().openai(&mock).file(
        ".wisp/prompts/review.md",
        "---\nname: review\ndescription: Our house review\n---\nReview by the house rules.\n",
    );
    let run = w.stdin("/prompts\n/review\n").run();
    run.success();
    let line = listed(&run.stdout, "review").expect("review listed");
    assert!(
        line.contains("project") && line.contains("Our house review"),
        "{line}"
    );
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(
        user_texts(&bodies[0]),
        vec!["Review by the house rules.".to_string()]
    );
}

#[test]
fn arguments_are_substituted_with_quotes() {
    let mock = answer_anything();
    let w = wisp().openai(&mock).file(
        ".wisp/prompts/greet.md",
        "---\ndescription: Greets\narguments: NAME...\n---\nALL=[$ARGUMENTS] ONE=[$1] TWO=[$2] THREE=[$3]\n",
    );
    let run = w
        .stdin("/greet alpha \"beta gamma\"\n/prompt greet 'x y' z\n")
        .run();
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(bodies.len(), 2);
    let texts = user_texts(&bodies[1]);
    assert_eq!(
        texts,
        vec![
            "ALL=[alpha \"beta gamma\"] ONE=[alpha] TWO=[beta gamma] THREE=[]".to_string(),
            "ALL=['x y' z] ONE=[x y] TWO=[z] THREE=[]".to_string(),
        ]
    );
}

#[test]
fn a_prompt_mode_applies_during_its_run_and_is_restored() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "careful write", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "write", "arguments": {"path": "guarded.txt", "content": "x"}}]}},
        {"match": {"userMessage": "careful write", "hasToolResult": true}, "response": {"content": "ok"}},
        {"match": {"userMessage": "plain write", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "write", "arguments": {"path": "plain.txt", "content": "y"}}]}},
        {"match": {"userMessage": "plain write", "hasToolResult": true}, "response": {"content": "ok"}}
    ]));
    let w = wisp().openai(&mock).file(
        ".wisp/prompts/careful.md",
        "---\ndescription: Careful\nmode: guarded\n---\ncareful write\n",
    );
    // `n` answers the approval the guarded write asks for.
    let w = w.stdin("/careful\nn\n/mode\nplain write\n");
    let run = w.run();
    run.success();
    assert!(run.stdout.contains("ask: write"), "{}", run.stdout);
    assert!(
        !w.path("guarded.txt").exists(),
        "the refused write left nothing"
    );
    assert!(
        run.stdout.contains("mode: standard"),
        "the previous mode is back: {}",
        run.stdout
    );
    assert!(
        w.path("plain.txt").exists(),
        "standard mode writes without asking again"
    );
    assert_eq!(run.stdout.matches("ask: write").count(), 1);
}

#[test]
fn skills_cost_only_a_line_until_invoked() {
    let mock = answer_anything();
    let w = wisp().openai(&mock).file(
        ".claude/skills/pdf-tools/SKILL.md",
        "---\nname: pdf-tools\ndescription: Work with PDF files\n---\nSKILL-BODY-MARKER: use pdftotext on $ARGUMENTS\n",
    );
    let user_skill = w.home.path().join("config/wisp/skills/notes/SKILL.md");
    std::fs::create_dir_all(user_skill.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &user_skill,
        "---\nname: notes\ndescription: Keep meeting notes\n---\nNOTES-BODY\n",
    )
    .expect("write skill");
    let run = w.stdin("hello\n/pdf-tools report.pdf\n/prompts\n").run();
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(bodies.len(), 2);
    let system = system_text(&bodies[0]);
    assert!(
        system.contains("pdf-tools — Work with PDF files")
            && system.contains("notes — Keep meeting notes"),
        "{system}"
    );
    assert!(!system.contains("SKILL-BODY-MARKER") && !system.contains("NOTES-BODY"));
    assert!(!user_texts(&bodies[0])
        .concat()
        .contains("SKILL-BODY-MARKER"));
    let last = user_texts(&bodies[1]).pop().expect("user message");
    assert!(
        last.contains("SKILL-BODY-MARKER: use pdftotext on report.pdf"),
        "{last}"
    );
    let line = listed(&run.stdout, "pdf-tools").expect("listed");
    assert!(line.contains("project skill"), "{line}");
}

#[test]
fn claude_commands_are_imported() {
    let mock = answer_anything();
    let w = wisp().openai(&mock).file(
        ".claude/commands/fix-issue.md",
        "Fix issue number $1 with care.\n",
    );
    let run = w.stdin("/prompts\n/fix-issue 42\n").run();
    run.success();
    let line = listed(&run.stdout, "fix-issue").expect("listed");
    assert!(line.contains("claude command"), "{line}");
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(
        user_texts(&bodies[0]),
        vec!["Fix issue number 42 with care.".to_string()]
    );
}

#[test]
fn a_malformed_file_is_reported_in_one_line_and_skipped() {
    let w = wisp()
        .file(
            ".wisp/prompts/broken.md",
            "---\nname: broken\ndescription: never closed\n",
        )
        .file(
            ".wisp/prompts/wild.md",
            "---\ndescription: x\nmode: reckless\n---\nbody\n",
        )
        .file(
            ".wisp/prompts/fine.md",
            "---\ndescription: Still loads\n---\nok\n",
        );
    let run = w.stdin("/prompts\n").run();
    run.success();
    let complaints: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(complaints.len(), 2, "{}", run.stderr);
    assert!(complaints
        .iter()
        .any(|l| l.contains("broken.md") && l.contains("closing")));
    assert!(complaints
        .iter()
        .any(|l| l.contains("wild.md") && l.contains("reckless")));
    assert!(listed(&run.stdout, "broken").is_none() && listed(&run.stdout, "wild").is_none());
    assert!(listed(&run.stdout, "fine").is_some(), "{}", run.stdout);
}

#[test]
fn print_mode_runs_a_prompt_by_name() {
    let mock = answer_anything();
    let run = wisp()
        .openai(&mock)
        .args(&["-p", "--prompt", "review", "focus on errors"])
        .run();
    run.success();
    assert!(run.stdout.contains("Answered."), "{}", run.stdout);
    let bodies = mock.bodies("/v1/chat/completions");
    let text = user_texts(&bodies[0]).concat();
    assert!(
        text.contains("Review the changes in this repository") && text.contains("focus on errors"),
        "{text}"
    );

    let run = wisp()
        .openai(&mock)
        .args(&["-p", "--prompt", "nonesuch"])
        .run();
    assert_eq!(run.code, Some(2));
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("unknown prompt `nonesuch`"));
}

#[test]
fn print_mode_prompt_runs_under_its_mode() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "Answer this question about the project", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "write", "arguments": {"path": "x.txt", "content": "x"}}]}},
        {"match": {"userMessage": "Answer this question about the project", "hasToolResult": true}, "response": {"content": "ok"}}
    ]));
    let w = wisp().openai(&mock);
    let w = w.args(&["-p", "--prompt", "ask", "why?"]);
    w.run().success();
    assert!(
        !w.path("x.txt").exists(),
        "ask runs guarded: the write is refused"
    );
}

#[test]
fn the_model_loads_a_skill_by_name_with_the_skill_tool() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "convert the report", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "skill", "arguments": {"name": "pdf-tools"}}]}},
        {"match": {"userMessage": "convert the report", "hasToolResult": true},
         "response": {"content": "Following the skill."}}
    ]));
    let w = wisp().openai(&mock).file(
        ".claude/skills/pdf-tools/SKILL.md",
        "---\nname: pdf-tools\ndescription: Work with PDF files\n---\nSKILL-BODY-MARKER: use pdftotext\n",
    );
    let run = w.args(&["-p", "convert the report"]).run();
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    let tools: Vec<String> = bodies[0]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["function"]["name"].as_str().map(str::to_string))
        .collect();
    assert!(tools.contains(&"skill".to_string()), "{tools:?}");
    assert!(!system_text(&bodies[0]).contains("SKILL-BODY-MARKER"));
    let msgs = bodies[1]["messages"].as_array().expect("messages");
    let result = msgs
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("tool result");
    assert!(
        result["content"]
            .as_str()
            .unwrap_or("")
            .contains("SKILL-BODY-MARKER: use pdftotext"),
        "{result}"
    );
}

#[test]
fn without_skills_there_is_no_skill_tool() {
    let mock = answer_anything();
    let run = wisp().openai(&mock).args(&["-p", "hello"]).run();
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    assert!(!bodies[0]["tools"].to_string().contains("\"skill\""));
}
