//! The streamable HTTP transport: every message is a POST to the server's
//! URL, answered with JSON, with an SSE stream of messages, or with 202 for
//! notifications. The session id the server gives in answer to `initialize`
//! (`Mcp-Session-Id`) and the agreed revision (`MCP-Protocol-Version`) go
//! with every later request. A GET stream, when the server offers one,
//! carries what the server sends on its own (`list_changed`).
//!
//! Every POST names its method (`Mcp-Method`) and, for a tool, prompt or
//! resource, its target (`Mcp-Name`). On the stateless revision (2026-07-28)
//! there is no session and no GET stream; the version comes from each
//! request's `_meta`, and a request is cancelled by dropping its POST.
//!
//! A server may close a request's SSE stream before the answer (SEP-1699);
//! if the stream had event ids, the answer is asked for again with a GET
//! carrying `Last-Event-ID`, after the delay the stream's `retry:` gave.

use super::jsonrpc::{self, Peer};
use super::Conn;
use crate::provider::http::read_capped;
use crate::provider::sse;

/// How long a response body may send nothing before it counts as broken.
const BODY_IDLE: Duration = Duration::from_secs(120);
use futures_util::StreamExt;
use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// How an SSE stream ended: whether it carried the answer waited for, and
/// where to resume it.
struct StreamEnd {
    answered: bool,
    last_id: Option<String>,
    retry: Option<u64>,
}

/// The error code a request fails with when the server wants a sign-in (401).
pub const NEEDS_LOGIN: i64 = -31_401;

/// Reconnections tried for one request before giving up.
const RESUMES: usize = 5;

fn answers(v: &Value, id: &Value) -> bool {
    v.get("id") == Some(id) && v.get("method").is_none()
}

#[derive(Default)]
struct Session {
    id: Option<String>,
    version: Option<String>,
}

struct Http {
    client: reqwest::Client,
    url: String,
    headers: Vec<(String, String)>,
    session: Mutex<Session>,
    peer: Arc<Peer>,
    /// POSTs still running, by request id: a stateless request is cancelled
    /// by ending its POST.
    inflight: Mutex<std::collections::HashMap<String, tokio::task::AbortHandle>>,
    /// The OAuth tokens, for a server that wants them.
    auth: Arc<super::oauth::Auth>,
    /// How to sign in again mid-session, where that may happen by itself.
    signin: Option<super::oauth_login::Signin>,
}

/// Why the server turned a request away: 401 (the token sent, possibly
/// none) or 403 asking for more scope.
struct Refusal {
    sent: String,
    more_scope: Option<String>,
}

/// `Mcp-Name` and the like: printable ASCII as is, anything else as
/// `=?base64?...?=` (the revision's encoding for header values).
pub fn header_value(v: &str) -> String {
    let plain = v.bytes().all(|b| (0x20..0x7f).contains(&b)) && v.trim() == v;
    if plain {
        v.to_string()
    } else {
        format!("=?base64?{}?=", super::base64(v.as_bytes(), false))
    }
}

fn id_key(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

pub async fn connect(
    name: &str,
    url: &str,
    headers: &[(String, String)],
    signin: Option<super::oauth_login::Signin>,
) -> Result<Conn, String> {
    let client = reqwest::Client::builder()
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let auth = Arc::new(super::oauth::Auth::load(name, url, client.clone()).await);
    let (peer, mut out, notices) = jsonrpc::pair();
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let http = Arc::new(Http {
        client,
        url: url.to_string(),
        headers: headers.to_vec(),
        session: Mutex::new(Session::default()),
        peer: peer.clone(),
        inflight: Mutex::new(Default::default()),
        auth,
        signin,
    });
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stop_rx => {
                    http.end_session().await;
                    http.peer.close("stopped");
                    return;
                }
                msg = out.recv() => match msg {
                    Some(m) => {
                        let method = m.get("method").and_then(Value::as_str);
                        if method == Some("notifications/cancelled") && http.peer.is_stateless() {
                            let id = m.pointer("/params/requestId").map(id_key);
                            if let Some(task) = id.and_then(|id| http.inflight().remove(&id)) {
                                task.abort();
                            }
                            continue;
                        }
                        let key = m.get("id").filter(|_| method.is_some()).map(id_key);
                        let h = http.clone();
                        let task = tokio::spawn(async move {
                            let key = h.post(m).await;
                            if let Some(k) = key {
                                h.inflight().remove(&k);
                            }
                        });
                        if let Some(k) = key {
                            http.inflight().insert(k, task.abort_handle());
                        }
                    }
                    None => return,
                }
            }
        }
    });
    Ok(Conn {
        peer,
        notices,
        _stop: stop_tx,
    })
}

impl Http {
    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn inflight(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, tokio::task::AbortHandle>>
    {
        self.inflight.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn request(&self, method: reqwest::Method) -> reqwest::RequestBuilder {
        let mut req = self.client.request(method, &self.url);
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        let s = self.session();
        if let Some(id) = &s.id {
            req = req.header("Mcp-Session-Id", id);
        }
        if let Some(v) = &s.version {
            req = req.header("MCP-Protocol-Version", v);
        }
        req
    }

    /// A request carrying the access token, if there is one.
    async fn authed(&self, method: reqwest::Method) -> reqwest::RequestBuilder {
        let req = self.request(method);
        match self.auth.bearer().await {
            Some(b) => req.bearer_auth(b),
            None => req,
        }
    }

    /// Answers a request of ours that HTTP itself failed, so its caller
    /// hears about it at once instead of waiting for a timeout.
    fn fail(&self, msg: &Value, why: String) {
        if let (Some(id), Some(_)) = (msg.get("id"), msg.get("method")) {
            self.peer.incoming(
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32000, "message": why}}),
            );
        }
    }

    /// Sends one message and delivers what comes back; returns the id of
    /// the request it carried, if any.
    async fn post(self: &Arc<Self>, msg: Value) -> Option<String> {
        let key = msg
            .get("id")
            .filter(|_| msg.get("method").is_some())
            .map(id_key);
        self.post_one(msg).await;
        key
    }

    async fn post_one(self: &Arc<Self>, msg: Value) {
        // A refused token is refreshed, or (once the connection had one) a
        // new sign-in made where allowed, and the message sent once more.
        let (mut refreshed, mut signed_in) = (false, false);
        loop {
            let bearer = self.auth.bearer().await;
            let Some(r) = self.post_with(&msg, bearer.as_deref()).await else {
                return;
            };
            if r.more_scope.is_none() && !refreshed {
                refreshed = true;
                if self.auth.refused(&r.sent).await {
                    continue;
                }
            }
            let Some(s) = self
                .signin
                .as_ref()
                .filter(|_| !signed_in && !r.sent.is_empty())
            else {
                break;
            };
            signed_in = true;
            let _one = s.once.lock().await;
            self.auth.reload(&self.url).await;
            // Another request may have signed in meanwhile.
            let fresh = self.auth.current().await.is_some_and(|t| t != r.sent);
            if fresh || s.run(r.more_scope.as_deref()).await.is_ok() {
                self.auth.reload(&self.url).await;
                continue;
            }
            break;
        }
        if let (Some(id), Some(_)) = (msg.get("id"), msg.get("method")) {
            let e = json!({"code": NEEDS_LOGIN, "message": "needs login"});
            self.peer
                .incoming(json!({"jsonrpc": "2.0", "id": id, "error": e}));
        }
    }

    /// Sends `msg` once; Some when the server wants another token.
    async fn post_with(self: &Arc<Self>, msg: &Value, bearer: Option<&str>) -> Option<Refusal> {
        let msg = msg.clone();
        let method = msg.get("method").and_then(Value::as_str).unwrap_or("");
        let initializing = method == "initialize";
        let initialized = method == "notifications/initialized";
        let mut req = self
            .request(reqwest::Method::POST)
            .header(CONTENT_TYPE, "application/json")
            .header("Accept", "application/json, text/event-stream");
        if !method.is_empty() {
            req = req.header("Mcp-Method", header_value(method));
        }
        let target = match method {
            "tools/call" | "prompts/get" => msg.pointer("/params/name"),
            "resources/read" => msg.pointer("/params/uri"),
            _ => None,
        };
        if let Some(name) = target.and_then(Value::as_str) {
            req = req.header("Mcp-Name", header_value(name));
        }
        if let Some(id) = msg.get("id") {
            for (k, v) in self.peer.headers_of(id) {
                req = req.header(k, v);
            }
        }
        // The stateless revision: the version each request names in `_meta`.
        let version = msg
            .pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion")
            .and_then(Value::as_str);
        if let Some(v) = version {
            req = req.header("MCP-Protocol-Version", header_value(v));
        }
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        let sent = req.body(msg.to_string()).send().await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                self.fail(&msg, format!("cannot reach {}: {e}", self.url));
                return None;
            }
        };
        let status = resp.status();
        let challenge = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let param = |k| super::oauth::challenge_param(challenge, k);
        let sent = bearer.unwrap_or("").to_string();
        if status.as_u16() == 401 {
            return Some(Refusal {
                sent,
                more_scope: None,
            });
        }
        if status.as_u16() == 403 && param("error").as_deref() == Some("insufficient_scope") {
            return Some(Refusal {
                sent,
                more_scope: Some(param("scope").unwrap_or_default()),
            });
        }
        if !status.is_success() {
            let body = read_capped(resp, crate::limits::message(), BODY_IDLE)
                .await
                .map(|(b, _)| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            // A JSON-RPC error answering this very request says more than the status.
            if let Ok(v) = serde_json::from_str::<Value>(&body) {
                if v.get("error").is_some() && msg.get("id").is_some_and(|id| answers(&v, id)) {
                    self.peer.incoming(v);
                    return None;
                }
            }
            let why = crate::provider::one_line(&body);
            self.fail(&msg, format!("HTTP {}: {why}", status.as_u16()));
            return None;
        }
        if initializing {
            if let Some(id) = resp
                .headers()
                .get("mcp-session-id")
                .and_then(|v| v.to_str().ok())
            {
                self.session().id = Some(id.to_string());
            }
        }
        if initialized {
            // Messages the server sends on its own arrive on a GET stream.
            tokio::spawn(self.clone().listen());
        }
        let is_sse = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("text/event-stream"));
        if is_sse {
            let want = msg.get("method").and(msg.get("id"));
            let end = self.read_events(resp, initializing, want).await;
            if let Some(id) = want.filter(|_| !end.answered) {
                self.resume(&msg, id, end).await;
            }
        } else if let Ok((bytes, whole)) =
            read_capped(resp, crate::limits::message(), BODY_IDLE).await
        {
            if !whole {
                let why = format!(
                    "the answer ({} read)",
                    crate::limits::human(bytes.len() as u64)
                );
                self.fail(&msg, crate::limits::too_long(&why));
            } else if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                self.deliver(v, initializing);
            } else if msg.get("id").is_some() && !bytes.is_empty() {
                self.fail(&msg, "the server answered with something not JSON".into());
            }
        }
        None
    }

    fn deliver(&self, v: Value, initializing: bool) {
        if initializing {
            if let Some(ver) = v.pointer("/result/protocolVersion").and_then(Value::as_str) {
                self.session().version = Some(ver.to_string());
            }
        }
        self.peer.incoming(v);
    }

    /// Delivers the stream's messages; stops early once the answer to
    /// `want` came (or nobody waits for it any more).
    async fn read_events(
        &self,
        resp: reqwest::Response,
        initializing: bool,
        want: Option<&Value>,
    ) -> StreamEnd {
        let mut parser = sse::Parser::new();
        let mut stream = resp.bytes_stream();
        let mut found = Vec::new();
        let mut answered = false;
        loop {
            let chunk = if want.is_some() {
                // A resumed stream may stay open after the answer came elsewhere.
                match tokio::time::timeout(Duration::from_secs(1), stream.next()).await {
                    Ok(c) => c,
                    Err(_) if want.is_some_and(|id| !self.peer.is_pending(id)) => break,
                    Err(_) => continue,
                }
            } else {
                stream.next().await
            };
            let done = match chunk {
                Some(Ok(bytes)) => {
                    parser.feed(&bytes, &mut |e| found.push(e.data));
                    if std::mem::take(&mut parser.too_long) {
                        // The event over the limit was dropped: fail the request it answered.
                        if let Some(id) = want {
                            let why = crate::limits::too_long("an event of the answer");
                            self.peer.incoming(serde_json::json!({
                                "jsonrpc": "2.0", "id": id,
                                "error": {"code": -32603, "message": why},
                            }));
                            answered = true;
                        }
                    }
                    false
                }
                _ => {
                    parser.finish(&mut |e| found.push(e.data));
                    true
                }
            };
            for data in found.drain(..) {
                if let Ok(v) = serde_json::from_str::<Value>(&data) {
                    answered |= want.is_some_and(|id| answers(&v, id));
                    self.deliver(v, initializing);
                }
            }
            if done || answered {
                break;
            }
        }
        StreamEnd {
            answered,
            last_id: parser.last_id.take(),
            retry: parser.retry,
        }
    }

    /// The stream of request `msg` ended without its answer: resume it with
    /// GET and `Last-Event-ID`, waiting what `retry:` said first.
    async fn resume(&self, msg: &Value, id: &Value, mut end: StreamEnd) {
        let mut retry = 1000;
        for _ in 0..RESUMES {
            if !self.peer.is_pending(id) {
                return;
            }
            let Some(last) = end.last_id.clone() else {
                break;
            };
            retry = end.retry.unwrap_or(retry);
            tokio::time::sleep(Duration::from_millis(retry)).await;
            let sent = self
                .authed(reqwest::Method::GET)
                .await
                .header("Accept", "text/event-stream")
                .header("Last-Event-ID", &last)
                .send()
                .await;
            let resp = match sent {
                Ok(r) if r.status().is_success() => r,
                Ok(r) => {
                    let why = format!("resuming its stream: HTTP {}", r.status().as_u16());
                    return self.fail(msg, why);
                }
                Err(e) => return self.fail(msg, format!("resuming its stream: {e}")),
            };
            let next = self.read_events(resp, false, Some(id)).await;
            if next.answered {
                return;
            }
            end = StreamEnd {
                answered: false,
                last_id: next.last_id.or(end.last_id),
                retry: next.retry.or(end.retry),
            };
        }
        self.fail(msg, "the server closed the stream without an answer".into());
    }

    /// The optional GET stream; a server without one answers 405.
    async fn listen(self: Arc<Self>) {
        let sent = self
            .authed(reqwest::Method::GET)
            .await
            .header("Accept", "text/event-stream")
            .send()
            .await;
        if let Ok(resp) = sent {
            if resp.status().is_success() {
                self.read_events(resp, false, None).await;
            }
        }
    }

    /// Tells the server the session is over (best effort).
    async fn end_session(&self) {
        if self.session().id.is_some() {
            let _ = self.authed(reqwest::Method::DELETE).await.send().await;
        }
    }
}
