//! Server prompts as slash commands: `/mcp__<server>__<prompt> args` runs
//! `prompts/get` and sends the messages it returns as the user's request.

use super::jsonrpc::{Peer, RpcError};
use super::{tool_name, Manager};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// A prompt as the server declares it.
#[derive(Clone, Debug)]
pub struct PromptInfo {
    pub name: String,
    pub description: String,
    /// Argument names, and whether each is required, in the server's order.
    pub args: Vec<(String, bool)>,
}

impl PromptInfo {
    /// `CITY [STATE]`, for usage lines.
    pub fn usage(&self) -> String {
        self.args
            .iter()
            .map(|(n, req)| {
                let n = n.to_uppercase();
                if *req {
                    n
                } else {
                    format!("[{n}]")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// `prompts/list`, following `nextCursor`.
pub async fn list(peer: &Peer, limit: Duration) -> Result<Vec<PromptInfo>, RpcError> {
    let items = super::handshake::list_paged(peer, "prompts/list", "prompts", limit).await?;
    Ok(items
        .iter()
        .filter_map(|p| {
            let name = p.get("name").and_then(Value::as_str)?;
            let args = p
                .get("arguments")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|a| {
                    let n = a.get("name").and_then(Value::as_str)?;
                    let req = a.get("required").and_then(Value::as_bool).unwrap_or(false);
                    Some((n.to_string(), req))
                })
                .collect();
            Some(PromptInfo {
                name: name.to_string(),
                description: p
                    .get("description")
                    .or_else(|| p.get("title"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                args,
            })
        })
        .collect())
}

/// Maps typed words onto the prompt's arguments: `key=value` words by
/// name, the others in order.
pub fn bind(p: &PromptInfo, words: &[String]) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    let mut positional = p.args.iter().map(|(n, _)| n.as_str());
    for w in words {
        match w.split_once('=') {
            Some((k, v)) if p.args.iter().any(|(n, _)| n == k) => {
                out.insert(k.to_string(), json!(v));
            }
            _ => {
                let Some(name) = positional.find(|n| !out.contains_key(*n)) else {
                    return Err(format!("too many arguments; it takes {}", p.usage()));
                };
                out.insert(name.to_string(), json!(w));
            }
        }
    }
    if let Some((missing, _)) = p.args.iter().find(|(n, req)| *req && !out.contains_key(n)) {
        return Err(format!(
            "missing {}; it takes {}",
            missing.to_uppercase(),
            p.usage()
        ));
    }
    Ok(out)
}

/// The text of the messages `prompts/get` returned.
pub fn messages_text(result: &Value) -> String {
    let mut parts = Vec::new();
    for m in result
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let c = m.get("content").cloned().unwrap_or(Value::Null);
        match c.get("type").and_then(Value::as_str) {
            Some("text") => parts.push(
                c.get("text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            ),
            Some("resource") => {
                if let Some(t) = c.pointer("/resource/text").and_then(Value::as_str) {
                    parts.push(t.to_string());
                }
            }
            _ => {}
        }
    }
    parts.join("\n\n")
}

impl Manager {
    /// Every prompt as its slash-command name, with its usage and description.
    pub fn prompt_commands(&self) -> Vec<(String, String, String)> {
        self.lock()
            .servers
            .iter()
            .flat_map(|s| {
                s.prompts.iter().map(|p| {
                    (
                        tool_name(&s.cfg.name, &p.name),
                        p.usage(),
                        p.description.clone(),
                    )
                })
            })
            .collect()
    }

    /// Runs `/NAME ARGS` for a prompt command; the text to send to the model.
    pub async fn expand_prompt(&self, command: &str, args: &str) -> Result<String, String> {
        let found = self.lock().servers.iter().find_map(|s| {
            s.prompts
                .iter()
                .find(|p| tool_name(&s.cfg.name, &p.name) == command)
                .map(|p| (s.cfg.name.clone(), p.clone()))
        });
        let Some((server, prompt)) = found else {
            return Err(format!("unknown command /{command} (try /help or /mcp)"));
        };
        let words = shlex::split(args).ok_or("unbalanced quotes")?;
        let bound = bind(&prompt, &words).map_err(|e| format!("/{command}: {e}"))?;
        let peer = self.ready_peer(&server).await?;
        let r = peer
            .request(
                "prompts/get",
                json!({"name": prompt.name, "arguments": bound}),
                self.startup_timeout,
            )
            .await
            .map_err(|e| format!("/{command}: {e}"))?;
        let text = messages_text(&r);
        if text.trim().is_empty() {
            return Err(format!("/{command}: the prompt has no text"));
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt() -> PromptInfo {
        PromptInfo {
            name: "args-prompt".into(),
            description: String::new(),
            args: vec![("city".into(), true), ("state".into(), false)],
        }
    }

    fn words(s: &str) -> Vec<String> {
        shlex::split(s).unwrap_or_default()
    }

    #[test]
    fn arguments_bind_by_position_or_name() {
        let p = prompt();
        assert_eq!(p.usage(), "CITY [STATE]");
        let b = bind(&p, &words("Paris TX")).expect("binds");
        assert_eq!(Value::Object(b), json!({"city": "Paris", "state": "TX"}));
        let b = bind(&p, &words("state=TX 'San Antonio'")).expect("binds");
        assert_eq!(
            Value::Object(b),
            json!({"city": "San Antonio", "state": "TX"})
        );
        assert_eq!(
            bind(&p, &[]).expect_err("city is required"),
            "missing CITY; it takes CITY [STATE]"
        );
        assert!(bind(&p, &words("a b c")).is_err());
    }
}
