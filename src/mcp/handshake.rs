//! Talking to a freshly connected server: finding which revision it speaks
//! (the `initialize` handshake of 2025-11-25 and before, or the stateless
//! 2026-07-28 revision's `server/discover`), and the paged `tools/list`.

use super::jsonrpc::{Peer, RpcError};
use super::ToolInfo;
use serde_json::{json, Value};
use std::time::Duration;

/// The revision wisp offers, and the older ones it accepts in answer.
pub const PROTOCOL_VERSION: &str = "2025-11-25";
const ACCEPTED: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];
/// The stateless revision: no handshake, `_meta` on every request.
pub const STATELESS: &str = "2026-07-28";
/// The error a stateless server answers a request of a revision it does not speak with.
const UNSUPPORTED_VERSION: i64 = -32022;

/// How the transport carries messages, which decides what is asked first.
#[derive(Clone, Copy, PartialEq)]
pub enum Wire {
    /// Most stdio servers speak `initialize`, and an unknown first request
    /// may confuse them: `initialize` first, `server/discover` if refused.
    Stdio,
    /// Streamable HTTP: `server/discover` first, as the 2026-07-28 revision
    /// asks; a server that does not know it is asked `initialize`.
    Http,
    /// The old HTTP+SSE transport predates the stateless revision.
    Sse,
}

/// What every request of the stateless revision carries in `_meta`.
pub fn envelope() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": STATELESS,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "wisp", "version": env!("CARGO_PKG_VERSION")},
    })
}

/// Finds the revision the server speaks; returns it and whether the server
/// offers prompts. On the stateless revision the peer then stamps `_meta`
/// on every request.
pub async fn open(peer: &Peer, wire: Wire, limit: Duration) -> Result<(String, bool), String> {
    if wire == Wire::Http {
        if let Some(found) = discover(peer, limit).await? {
            return Ok(found);
        }
        return initialize(peer, limit).await;
    }
    match initialize(peer, limit).await {
        Err(e) if wire == Wire::Stdio && e.starts_with("initialize failed") => {
            // Refused: maybe a server of the stateless revision.
            match discover(peer, limit.min(Duration::from_secs(5))).await {
                Ok(Some(found)) => Ok(found),
                _ => Err(e),
            }
        }
        r => r,
    }
}

/// `server/discover`: Some when the server speaks the stateless revision,
/// None when it does not seem to know it (a legacy server).
async fn discover(peer: &Peer, limit: Duration) -> Result<Option<(String, bool)>, String> {
    // A server may refuse the first request to ask for a version it lists:
    // asking once more is what the revision expects.
    for _ in 0..2 {
        let params = json!({"_meta": envelope()});
        match peer.request("server/discover", params, limit).await {
            Ok(r) => {
                let speaks = r
                    .get("supportedVersions")
                    .and_then(Value::as_array)
                    .is_some_and(|v| v.iter().any(|v| v == STATELESS));
                if !speaks {
                    return Ok(None);
                }
                peer.set_envelope(envelope());
                let prompts = r.pointer("/capabilities/prompts").is_some();
                return Ok(Some((STATELESS.to_string(), prompts)));
            }
            Err(RpcError::Server { code, .. }) if code == UNSUPPORTED_VERSION => continue,
            Err(RpcError::Server { code, message }) if code == super::http::NEEDS_LOGIN => {
                return Err(message)
            }
            Err(RpcError::Timeout(d)) => {
                return Err(format!(
                    "no answer to server/discover within {:.1}s",
                    d.as_secs_f64()
                ))
            }
            Err(RpcError::Closed(why)) => return Err(why),
            Err(_) => return Ok(None),
        }
    }
    Ok(None)
}

/// The `initialize` handshake; returns the protocol revision agreed on and
/// whether the server offers prompts.
async fn initialize(peer: &Peer, limit: Duration) -> Result<(String, bool), String> {
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
                    "the server answered with MCP revision `{}`, which wisp does not speak",
                    v.escape_default()
                ));
            }
            peer.notify("notifications/initialized", Value::Null);
            let prompts = r.pointer("/capabilities/prompts").is_some();
            Ok((v.to_string(), prompts))
        }
        Err(RpcError::Server { code, message }) if code == super::http::NEEDS_LOGIN => Err(message),
        Err(RpcError::Server { code, message }) => {
            Err(format!("initialize failed: {message} (error {code})"))
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
            let schema = t.get("inputSchema").cloned().unwrap_or(json!({}));
            // A tool whose header declarations are malformed is left out.
            let param_headers = super::param_headers::declared(&schema).ok()?;
            Some(ToolInfo {
                name: name.to_string(),
                description: t
                    .get("description")
                    .or_else(|| t.get("title"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                schema,
                read_only: t.pointer("/annotations/readOnlyHint") == Some(&Value::Bool(true)),
                param_headers,
            })
        })
        .collect())
}
