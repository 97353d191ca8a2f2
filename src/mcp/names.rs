//! The names MCP tools get (`mcp__<server>__<tool>`, as providers accept
//! them) and the clashes when two tools would get the same one.

use super::{Inner, Manager, Status};

/// A tool name providers accept: `[A-Za-z0-9_-]`, at most 64 characters.
pub fn tool_name(server: &str, tool: &str) -> String {
    let raw = format!("mcp__{server}__{tool}");
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect()
}

/// Tools whose `mcp__server__tool` names coincide (a name cut to 64
/// characters, or `a.b` beside `a_b`): one line per clash, and the names.
pub(super) fn clashes(inner: &Inner) -> (Vec<String>, std::collections::HashSet<String>) {
    let mut seen: std::collections::BTreeMap<String, Vec<(&str, &str)>> = Default::default();
    for s in inner
        .servers
        .iter()
        .filter(|s| s.status != Status::Disabled)
    {
        for t in &s.tools {
            seen.entry(tool_name(&s.cfg.name, &t.name))
                .or_default()
                .push((&s.cfg.name, &t.name));
        }
    }
    let mut lines = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (name, owners) in seen.into_iter().filter(|(_, o)| o.len() > 1) {
        let who: Vec<String> = owners
            .iter()
            .map(|(s, t)| format!("`{}` of `{s}`", t.escape_default()))
            .collect();
        lines.push(format!(
            "error: tools {} all map to `{name}`; none of them is offered",
            who.join(", ")
        ));
        names.insert(name);
    }
    (lines, names)
}

impl Manager {
    /// One line per pair of tools that would share a name (shown by `/mcp`).
    pub fn clash_report(&self) -> Vec<String> {
        clashes(&self.lock()).0
    }
}

#[cfg(test)]
mod tests {
    use super::super::{config, Server, ToolInfo};
    use super::*;
    use serde_json::json;

    #[test]
    fn tool_names_are_what_providers_accept() {
        assert_eq!(
            tool_name("everything", "get-sum"),
            "mcp__everything__get-sum"
        );
        assert_eq!(tool_name("my server", "a.b/c"), "mcp__my_server__a_b_c");
        assert_eq!(tool_name("s", &"x".repeat(100)).len(), 64);
    }

    fn server(name: &str, tools: &[&str]) -> Server {
        Server {
            cfg: config::parse_server(name, &json!({"command": "x"}), false).expect("config"),
            status: Status::Ready,
            peer: None,
            stop: None,
            tools: tools
                .iter()
                .map(|t| ToolInfo {
                    name: t.to_string(),
                    description: String::new(),
                    schema: json!({}),
                    read_only: false,
                    param_headers: Vec::new(),
                })
                .collect(),
            prompts: Vec::new(),
            epoch: 0,
            failures: 0,
            retry_at: None,
            version: String::new(),
        }
    }

    #[test]
    fn tools_sharing_a_name_are_an_error_not_a_replacement() {
        let long = "y".repeat(70);
        let long2 = format!("{long}z");
        let inner = Inner {
            servers: vec![
                server("a", &["get.sum", "get_sum", "echo", &long, &long2]),
                server("b", &["echo"]),
            ],
            notices: Vec::new(),
        };
        let (lines, names) = clashes(&inner);
        assert_eq!(names.len(), 2, "{lines:?}");
        assert!(names.contains("mcp__a__get_sum"));
        assert_eq!(
            lines[0],
            "error: tools `get.sum` of `a`, `get_sum` of `a` all map to `mcp__a__get_sum`; none of them is offered"
        );
        assert!(!names.contains("mcp__a__echo") && !names.contains("mcp__b__echo"));
    }
}
