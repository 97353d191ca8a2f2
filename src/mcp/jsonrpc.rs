//! JSON-RPC 2.0 as an MCP client speaks it, over any transport: request ids,
//! the requests awaiting answers, notifications both ways, and the few
//! requests a server may send us (`ping`).
//!
//! A transport feeds every message it receives to [`Peer::incoming`] and
//! sends whatever arrives on the outgoing channel; it calls [`Peer::close`]
//! when the connection ends, which fails every request still waiting.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Why a request got no result.
#[derive(Clone, Debug, PartialEq)]
pub enum RpcError {
    /// The server answered with a JSON-RPC error.
    Server {
        code: i64,
        message: String,
    },
    /// The connection ended (the text says how).
    Closed(String),
    Timeout(Duration),
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RpcError::Server { code, message } => write!(f, "{message} (error {code})"),
            RpcError::Closed(why) => f.write_str(why),
            RpcError::Timeout(d) => write!(f, "no answer within {:.1}s", d.as_secs_f64()),
        }
    }
}

pub type Reply = Result<Value, RpcError>;

/// What the server said that the manager acts on.
#[derive(Debug, PartialEq)]
pub enum Notice {
    ToolsChanged,
    PromptsChanged,
    /// The connection ended; the text says how.
    Closed(String),
}

/// One connection to a server, seen from the client side.
pub struct Peer {
    out: mpsc::UnboundedSender<Value>,
    pending: Mutex<HashMap<u64, oneshot::Sender<Reply>>>,
    next_id: AtomicU64,
    notices: mpsc::UnboundedSender<Notice>,
    closed: Mutex<Option<String>>,
    /// The last line that was not JSON-RPC, to explain a failure.
    garbage: Mutex<Option<String>>,
    /// Set when the server says its tools changed, until they are re-listed,
    /// so the agent can wait for the new list before its next model call.
    tools_stale: AtomicBool,
    /// Where `notifications/progress` go, by the progress token of the
    /// request that asked for them.
    progress: Mutex<HashMap<String, mpsc::UnboundedSender<Value>>>,
    /// The `_meta` every request carries once the server is known to speak
    /// the stateless revision (2026-07-28); None for the `initialize` era.
    envelope: Mutex<Option<Value>>,
    /// HTTP headers a request of ours carries beside its body (`Mcp-Param-*`),
    /// by id, while it runs; transports without headers ignore them.
    headers: Mutex<HashMap<u64, Vec<(String, String)>>>,
}

/// Removes a request from the pending map when its caller stops waiting
/// (Ctrl-C drops the future, or the timeout fires) and tells the server.
struct Outstanding<'a> {
    peer: &'a Peer,
    id: u64,
    done: bool,
    cancellable: bool,
    reason: &'static str,
}

impl Drop for Outstanding<'_> {
    fn drop(&mut self) {
        lock(&self.peer.headers).remove(&self.id);
        if self.done {
            return;
        }
        let was_pending = lock(&self.peer.pending).remove(&self.id).is_some();
        // The spec forbids cancelling `initialize`.
        if was_pending && self.cancellable {
            self.peer.notify(
                "notifications/cancelled",
                json!({"requestId": self.id, "reason": self.reason}),
            );
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Peer {
    /// A peer whose outgoing messages go to `out`; what the manager must act
    /// on goes to `notices`.
    pub fn new(out: mpsc::UnboundedSender<Value>, notices: mpsc::UnboundedSender<Notice>) -> Peer {
        Peer {
            out,
            pending: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            notices,
            closed: Mutex::new(None),
            garbage: Mutex::new(None),
            tools_stale: AtomicBool::new(false),
            progress: Mutex::new(HashMap::new()),
            envelope: Mutex::new(None),
            headers: Mutex::new(HashMap::new()),
        }
    }

    /// The HTTP headers request `id` carries beside its body.
    pub fn headers_of(&self, id: &Value) -> Vec<(String, String)> {
        id.as_u64()
            .and_then(|k| lock(&self.headers).get(&k).cloned())
            .unwrap_or_default()
    }

    /// From now on every request carries `envelope` in its `_meta`.
    pub fn set_envelope(&self, envelope: Value) {
        *lock(&self.envelope) = Some(envelope);
    }

    pub fn is_stateless(&self) -> bool {
        lock(&self.envelope).is_some()
    }

    /// Routes progress notifications carrying `token` to `to` (until
    /// [`Peer::unwatch_progress`]).
    pub fn watch_progress(&self, token: &str, to: mpsc::UnboundedSender<Value>) {
        lock(&self.progress).insert(token.to_string(), to);
    }

    pub fn unwatch_progress(&self, token: &str) {
        lock(&self.progress).remove(token);
    }

    /// A fresh token, unique on this connection.
    pub fn progress_token(&self) -> String {
        format!("wisp-{}", self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// Sends a request and waits for its answer, at most `timeout`.
    pub async fn request(&self, method: &str, params: Value, timeout: Duration) -> Reply {
        self.request_with(method, params, timeout, Vec::new()).await
    }

    /// [`Peer::request`] with HTTP headers beside the body.
    pub async fn request_with(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
        headers: Vec<(String, String)>,
    ) -> Reply {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        if !headers.is_empty() {
            lock(&self.headers).insert(id, headers);
        }
        let (tx, rx) = oneshot::channel();
        {
            if let Some(why) = lock(&self.closed).clone() {
                return Err(RpcError::Closed(why));
            }
            lock(&self.pending).insert(id, tx);
        }
        let mut guard = Outstanding {
            peer: self,
            id,
            done: false,
            cancellable: method != "initialize",
            reason: "cancelled by the user",
        };
        let mut params = params;
        if let Some(Value::Object(env)) = lock(&self.envelope).as_ref() {
            if !params.is_object() {
                params = json!({});
            }
            if let Some(p) = params.as_object_mut() {
                let meta = p.entry("_meta").or_insert_with(|| json!({}));
                if let Some(m) = meta.as_object_mut() {
                    m.extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        if self.out.send(msg).is_err() {
            return Err(RpcError::Closed(self.closed_reason()));
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(reply)) => {
                guard.done = true;
                incomplete(reply)
            }
            Ok(Err(_)) => {
                guard.done = true;
                Err(RpcError::Closed(self.closed_reason()))
            }
            Err(_) => {
                guard.reason = "timed out";
                Err(RpcError::Timeout(timeout))
            }
        }
    }

    /// Sends a notification (no answer expected).
    pub fn notify(&self, method: &str, params: Value) {
        let msg = if params.is_null() {
            json!({"jsonrpc": "2.0", "method": method})
        } else {
            json!({"jsonrpc": "2.0", "method": method, "params": params})
        };
        let _ = self.out.send(msg);
    }

    fn respond(&self, id: &Value, result: Result<Value, (i64, &str)>) {
        let msg = match result {
            Ok(r) => json!({"jsonrpc": "2.0", "id": id, "result": r}),
            Err((code, message)) => {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
            }
        };
        let _ = self.out.send(msg);
    }

    /// Handles one message (or batch) received from the server.
    pub fn incoming(&self, msg: Value) {
        if let Value::Array(batch) = msg {
            for m in batch {
                self.incoming(m);
            }
            return;
        }
        let method = msg.get("method").and_then(Value::as_str);
        let id = msg.get("id").filter(|v| !v.is_null());
        match (method, id) {
            (Some("ping"), Some(id)) => self.respond(id, Ok(json!({}))),
            (Some(_), Some(id)) => self.respond(id, Err((-32601, "method not supported by wisp"))),
            (Some(m), None) => {
                let notice = match m {
                    "notifications/tools/list_changed" => {
                        self.tools_stale.store(true, Ordering::SeqCst);
                        Some(Notice::ToolsChanged)
                    }
                    "notifications/prompts/list_changed" => Some(Notice::PromptsChanged),
                    "notifications/progress" => {
                        let params = msg.get("params").cloned().unwrap_or(Value::Null);
                        let token = match params.get("progressToken") {
                            Some(Value::String(s)) => s.clone(),
                            Some(v) => v.to_string(),
                            None => String::new(),
                        };
                        if let Some(to) = lock(&self.progress).get(&token) {
                            let _ = to.send(params);
                        }
                        None
                    }
                    _ => None,
                };
                if let Some(n) = notice {
                    let _ = self.notices.send(n);
                }
            }
            (None, Some(id)) => {
                let Some(key) = id
                    .as_u64()
                    .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
                else {
                    return;
                };
                let Some(tx) = lock(&self.pending).remove(&key) else {
                    return;
                };
                let reply = match msg.get("error") {
                    Some(e) => Err(RpcError::Server {
                        code: e.get("code").and_then(Value::as_i64).unwrap_or(0),
                        message: e
                            .get("message")
                            .and_then(Value::as_str)
                            .unwrap_or("error")
                            .to_string(),
                    }),
                    None => Ok(msg.get("result").cloned().unwrap_or(Value::Null)),
                };
                let _ = tx.send(reply);
            }
            (None, None) => {}
        }
    }

    /// Whether a request of ours with this id still waits for its answer.
    pub fn is_pending(&self, id: &Value) -> bool {
        id.as_u64()
            .is_some_and(|k| lock(&self.pending).contains_key(&k))
    }

    pub fn tools_stale(&self) -> bool {
        self.tools_stale.load(Ordering::SeqCst)
    }

    pub fn clear_tools_stale(&self) {
        self.tools_stale.store(false, Ordering::SeqCst);
    }

    /// Remembers a line that was not JSON-RPC (shown if the server then fails).
    pub fn garbage(&self, line: &str) {
        let shown: String = line.chars().take(80).collect();
        *lock(&self.garbage) = Some(shown);
    }

    pub fn last_garbage(&self) -> Option<String> {
        lock(&self.garbage).clone()
    }

    /// The connection ended: every waiting request fails with `why`.
    pub fn close(&self, why: &str) {
        {
            let mut closed = lock(&self.closed);
            if closed.is_some() {
                return;
            }
            *closed = Some(why.to_string());
        }
        let waiting: Vec<_> = lock(&self.pending).drain().collect();
        for (_, tx) in waiting {
            let _ = tx.send(Err(RpcError::Closed(why.to_string())));
        }
        let _ = self.notices.send(Notice::Closed(why.to_string()));
    }

    fn closed_reason(&self) -> String {
        lock(&self.closed)
            .clone()
            .unwrap_or_else(|| "the connection closed".into())
    }
}

/// A result of the stateless revision whose `resultType` is not `complete`
/// asks for input (sampling, elicitation) wisp does not give: an error.
fn incomplete(reply: Reply) -> Reply {
    match reply {
        Ok(r) => match r.get("resultType").and_then(Value::as_str) {
            None | Some("complete") => Ok(r),
            Some(kind) => Err(RpcError::Server {
                code: 0,
                message: format!(
                    "the server answered `{}`, asking for input wisp does not provide",
                    kind.escape_default()
                ),
            }),
        },
        e => e,
    }
}

/// A peer and its channels, wired for tests and transports.
pub fn pair() -> (
    Arc<Peer>,
    mpsc::UnboundedReceiver<Value>,
    mpsc::UnboundedReceiver<Notice>,
) {
    let (out_tx, out_rx) = mpsc::unbounded_channel();
    let (n_tx, n_rx) = mpsc::unbounded_channel();
    (Arc::new(Peer::new(out_tx, n_tx)), out_rx, n_rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    #[test]
    fn answers_match_requests_by_id_and_pings_are_answered() {
        rt().block_on(async {
            let (peer, mut out, _n) = pair();
            let p = peer.clone();
            let call = tokio::spawn(async move {
                p.request("tools/list", json!({}), Duration::from_secs(5))
                    .await
            });
            let sent = out.recv().await.expect("request sent");
            assert_eq!(sent["method"], "tools/list");
            peer.incoming(json!({"jsonrpc": "2.0", "id": 99, "method": "ping"}));
            let pong = out.recv().await.expect("pong");
            assert_eq!(pong["id"], 99);
            assert_eq!(pong["result"], json!({}));
            peer.incoming(json!({"jsonrpc": "2.0", "id": sent["id"], "result": {"tools": []}}));
            let r = call.await.expect("join").expect("result");
            assert_eq!(r, json!({"tools": []}));
        });
    }

    #[test]
    fn dropping_a_request_sends_cancelled_but_never_for_initialize() {
        rt().block_on(async {
            let (peer, mut out, _n) = pair();
            let long = Duration::from_secs(60);
            // Ctrl-C makes the agent drop the tool's future mid-call.
            let dropped = tokio::time::timeout(
                Duration::from_millis(20),
                peer.request("tools/call", json!({}), long),
            )
            .await;
            assert!(dropped.is_err());
            assert_eq!(out.recv().await.expect("request")["method"], "tools/call");
            let cancel = out.recv().await.expect("cancel");
            assert_eq!(cancel["method"], "notifications/cancelled");
            assert_eq!(cancel["params"]["requestId"], 1);
            assert_eq!(cancel["params"]["reason"], "cancelled by the user");

            let _ = tokio::time::timeout(
                Duration::from_millis(20),
                peer.request("initialize", json!({}), long),
            )
            .await;
            assert_eq!(out.recv().await.expect("request")["method"], "initialize");
            assert!(out.try_recv().is_err(), "initialize is never cancelled");
        });
    }

    #[test]
    fn a_stateless_peer_puts_its_envelope_in_every_request() {
        rt().block_on(async {
            let (peer, mut out, _n) = pair();
            let env = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28"});
            peer.set_envelope(env);
            let p = peer.clone();
            let call = tokio::spawn(async move {
                let params = json!({"name": "t", "_meta": {"progressToken": "x"}});
                p.request("tools/call", params, Duration::from_secs(5))
                    .await
            });
            let sent = out.recv().await.expect("request");
            let meta = &sent["params"]["_meta"];
            assert_eq!(meta["progressToken"], "x");
            assert_eq!(meta["io.modelcontextprotocol/protocolVersion"], "2026-07-28");
            peer.incoming(json!({"jsonrpc": "2.0", "id": sent["id"],
                "result": {"resultType": "input_required", "inputRequests": {}}}));
            let r = call.await.expect("join");
            assert!(matches!(r, Err(RpcError::Server { message, .. }) if message.contains("input_required")));
        });
    }

    #[test]
    fn a_timed_out_request_is_cancelled_and_close_fails_the_rest() {
        rt().block_on(async {
            let (peer, mut out, mut notices) = pair();
            let r = peer
                .request("tools/call", json!({}), Duration::from_millis(20))
                .await;
            assert!(matches!(r, Err(RpcError::Timeout(_))));
            let _req = out.recv().await.expect("request");
            let cancel = out.recv().await.expect("cancel");
            assert_eq!(cancel["method"], "notifications/cancelled");
            assert_eq!(cancel["params"]["requestId"], 1);

            let p = peer.clone();
            let call = tokio::spawn(async move {
                p.request("tools/call", json!({}), Duration::from_secs(5))
                    .await
            });
            let _ = out.recv().await;
            peer.close("exited (status 1)");
            let r = call.await.expect("join");
            assert_eq!(r, Err(RpcError::Closed("exited (status 1)".into())));
            assert_eq!(
                notices.recv().await,
                Some(Notice::Closed("exited (status 1)".into()))
            );
        });
    }
}
