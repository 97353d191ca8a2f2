//! Helpers the hooks tests share: hooks files, scripts, fixtures.
#![allow(dead_code)]

use super::support::{messages, Aimock, Wisp};
use serde_json::{json, Value};

/// The user's own hooks (`$XDG_CONFIG_HOME/wisp/hooks.json`): trusted.
pub fn user_hooks(w: Wisp, hooks: Value) -> Wisp {
    let dir = w.home.path().join("config/wisp");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(
        dir.join("hooks.json"),
        json!({ "hooks": hooks }).to_string(),
    )
    .expect("write hooks.json");
    w
}

/// An executable script in the project.
pub fn script(w: Wisp, rel: &str, text: &str) -> Wisp {
    use std::os::unix::fs::PermissionsExt;
    let w = w.file(rel, text);
    let p = w.path(rel);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    w
}

pub fn one(event: &str, matcher: &str, command: &str) -> Value {
    json!({ event: [{"matcher": matcher, "hooks": [{"type": "command", "command": command}]}] })
}

/// A model that calls `tool` for prompt `p`, then answers `done <p>`.
pub fn calls(p: &str, tool: &str, args: Value) -> Vec<Value> {
    vec![
        json!({"match": {"userMessage": p, "hasToolResult": false},
               "response": {"toolCalls": [{"name": tool, "arguments": args}]}}),
        json!({"match": {"userMessage": p, "hasToolResult": true},
               "response": {"content": format!("done {p}")}}),
    ]
}

/// The content of the last tool result the model was sent.
pub fn last_tool_result(mock: &Aimock) -> String {
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(bodies.last().expect("a request"));
    let m = msgs
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .expect("a tool result");
    m["content"].as_str().unwrap_or("").to_string()
}
