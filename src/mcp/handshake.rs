//! Talking to a freshly connected server: the `initialize` handshake (and
//! telling a server of the 2026-07-28 revision, which has none, apart) and
//! the paged `tools/list`.

use super::jsonrpc::{Peer, RpcError};
use super::ToolInfo;
use serde_json::{json, Value};
use std::time::Duration;

/// The revision wisp offers, and the older ones it accepts in answer.
pub const PROTOCOL_VERSION: &str = "2025-11-25";
const ACCEPTED: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// The `initialize` handshake; returns the protocol revision agreed on and
/// whether the server offers prompts.
pub async fn initialize(peer: &Peer, limit: Duration) -> Result<(String, bool), String> {
    let params = json!({
        "protocolVersion": PROTOCOL_VERSION,
        "capabilities": {},
        "clientInfo": {"name": "wisp", "version": env!("CARGO_PKG_VERSION")},
    });
    match peer.request("initialize", params, limit).await {
        Ok(r) => {
            let v = r
                .get("protocolVersion")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !ACCEPTED.contains(&v) {
                return Err(format!(
                    "the server answered with MCP revision `{v}`, which wisp does not speak"
                ));
            }
            peer.notify("notifications/initialized", Value::Null);
            let prompts = r.pointer("/capabilities/prompts").is_some();
            Ok((v.to_string(), prompts))
        }
        Err(RpcError::Server { code, message }) => {
            // Servers of the 2026-07-28 revision have no `initialize`.
            let probe = peer
                .request("server/discover", json!({}), Duration::from_secs(3))
                .await;
            if probe.is_ok() {
                Err("the server speaks MCP 2026-07-28 (server/discover, no initialize), which wisp does not support yet".into())
            } else {
                Err(format!("initialize failed: {message} (error {code})"))
            }
        }
        Err(RpcError::Timeout(d)) => Err(format!(
            "no answer to initialize within {:.1}s",
            d.as_secs_f64()
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// A paged listing (`tools/list`, `prompts/list`): the `key` items of
/// every page, following `nextCursor` (at most 100 pages).
pub async fn list_paged(
    peer: &Peer,
    method: &str,
    key: &str,
    limit: Duration,
) -> Result<Vec<Value>, RpcError> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let mut r = peer.request(method, params, limit).await?;
        if let Some(Value::Array(page)) = r.get_mut(key).map(Value::take) {
            items.extend(page);
        }
        cursor = r
            .get("nextCursor")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    Ok(items)
}

/// `tools/list`, following `nextCursor` through every page.
pub async fn list_tools(peer: &Peer, limit: Duration) -> Result<Vec<ToolInfo>, RpcError> {
    let items = list_paged(peer, "tools/list", "tools", limit).await?;
    Ok(items
        .iter()
        .filter_map(|t| {
            let name = t.get("name").and_then(Value::as_str)?;
            Some(ToolInfo {
                name: name.to_string(),
                description: t
                    .get("description")
                    .or_else(|| t.get("title"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                schema: t.get("inputSchema").cloned().unwrap_or(json!({})),
                read_only: t.pointer("/annotations/readOnlyHint") == Some(&Value::Bool(true)),
            })
        })
        .collect())
}
