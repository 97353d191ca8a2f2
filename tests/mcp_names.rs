//! MCP server names (issue 15, class 10): a name with `_` could own tools
//! that look like another server's (`git__evil` → `mcp__git__evil__x`), so
//! such names are refused, and an allow rule names exactly one server.

mod support;
use serde_json::json;
use support::{wisp, Aimock};

#[test]
fn a_server_name_with_underscores_is_refused_in_one_line() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "hi"}, "response": {"content": "hello"}}
    ]));
    let dir = tempfile::tempdir().expect("tempdir");
    let mark = dir.path().join("started");
    // Would leave a mark if it were ever started.
    let cmd = format!("touch {}", mark.display());
    let run = wisp()
        .openai(&mock)
        .mcp_json(
            &json!({"mcpServers": {"git__evil": {"command": "sh", "args": ["-c", cmd]}}})
                .to_string(),
        )
        .args(&["-p", "--allow", "mcp__git__*", "hi"])
        .run();
    run.success();
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("git__evil"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].contains("a name is 1 to 40 letters, digits or `-`"),
        "{}",
        lines[0]
    );
    assert!(!mark.exists(), "the refused server never started");
}

#[test]
fn an_allow_rule_must_name_one_server() {
    let mock = Aimock::start(json!([]));
    for rule in ["mcp__*", "mcp__git*"] {
        let run = wisp()
            .openai(&mock)
            .args(&["-p", "--allow", rule, "hi"])
            .run();
        assert_ne!(run.code, Some(0), "{rule} accepted");
        assert!(
            run.stderr.contains("name one MCP server"),
            "{rule}: {}",
            run.stderr
        );
        assert!(mock.bodies("/v1/chat/completions").is_empty());
    }
}
