//! The older HTTP+SSE transport (`"type": "sse"`), which many servers still
//! run: a GET opens an event stream whose first `endpoint` event names the
//! URL to POST messages to; every answer comes back on the stream.

use super::jsonrpc;
use super::Conn;
use crate::provider::sse;
use futures_util::StreamExt;
use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub async fn connect(url: &str, headers: &[(String, String)]) -> Result<Conn, String> {
    let base = reqwest::Url::parse(url).map_err(|e| format!("bad url `{url}`: {e}"))?;
    let client = reqwest::Client::builder()
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let mut get = client
        .get(base.clone())
        .header("Accept", "text/event-stream");
    for (k, v) in headers {
        get = get.header(k, v);
    }
    let resp = get
        .send()
        .await
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("{url}: HTTP {}", resp.status().as_u16()));
    }
    let (peer, mut out, notices) = jsonrpc::pair();
    let (endpoint_tx, endpoint_rx) = oneshot::channel::<String>();
    let reader_peer = peer.clone();
    let reader = tokio::spawn(async move {
        let mut endpoint_tx = Some(endpoint_tx);
        let mut parser = sse::Parser::new();
        let mut stream = resp.bytes_stream();
        let mut events = Vec::new();
        while let Some(chunk) = stream.next().await {
            let Ok(bytes) = chunk else { break };
            parser.feed(&bytes, &mut |e| events.push(e));
            for e in events.drain(..) {
                if e.event == "endpoint" {
                    if let Some(tx) = endpoint_tx.take() {
                        let _ = tx.send(e.data);
                    }
                } else if let Ok(v) = serde_json::from_str::<Value>(&e.data) {
                    reader_peer.incoming(v);
                }
            }
        }
        reader_peer.close("the server closed its event stream");
    });
    let Ok(endpoint) = endpoint_rx.await else {
        return Err("the event stream ended before naming its endpoint".into());
    };
    let post_url = base
        .join(&endpoint)
        .map_err(|e| format!("bad endpoint `{endpoint}`: {e}"))?;
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let writer_peer = peer.clone();
    let headers = headers.to_vec();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stop_rx => break,
                msg = out.recv() => {
                    let Some(msg) = msg else { break };
                    let mut post = client
                        .post(post_url.clone())
                        .header(CONTENT_TYPE, "application/json")
                        .body(msg.to_string());
                    for (k, v) in &headers {
                        post = post.header(k, v);
                    }
                    let failed = match post.send().await {
                        Ok(r) if r.status().is_success() => None,
                        Ok(r) => Some(format!("HTTP {}", r.status().as_u16())),
                        Err(e) => Some(format!("cannot reach the server: {e}")),
                    };
                    let is_request = msg.get("method").is_some();
                    if let (Some(why), Some(id), true) = (failed, msg.get("id"), is_request) {
                        writer_peer.incoming(json!({"jsonrpc": "2.0", "id": id,
                            "error": {"code": -32000, "message": why}}));
                    }
                }
            }
        }
        reader.abort();
        writer_peer.close("stopped");
    });
    Ok(Conn {
        peer,
        notices,
        _stop: stop_tx,
    })
}
