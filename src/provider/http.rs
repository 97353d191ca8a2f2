//! The HTTP side shared by every provider: send with retries, read a body
//! chunk by chunk with an idle timeout, and turn failures into one-line errors.

use super::retry::{parse_retry_after, retryable_status, Policy};
use super::{Delta, DeltaSink, ProviderError};
use futures_util::StreamExt;
use serde_json::Value;
use std::time::Duration;

/// Settings every provider's HTTP calls share.
#[derive(Clone)]
pub struct Http {
    /// Built on the first request: a TLS client configuration touches much
    /// code and memory, and a session may never call the model.
    client: std::cell::OnceCell<reqwest::Client>,
    pub retry: Policy,
    /// A stream that sends nothing for this long is treated as broken.
    pub idle_timeout: Duration,
}

impl Http {
    pub fn new(retry: Policy, idle_timeout: Duration) -> Self {
        Http {
            client: std::cell::OnceCell::new(),
            retry,
            idle_timeout,
        }
    }

    fn client(&self) -> &reqwest::Client {
        self.client.get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(15))
                .user_agent(concat!("wisp/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default()
        })
    }

    /// POSTs `body` and returns the response once its status is a success,
    /// retrying connection errors, 429 and 5xx before any byte is used.
    pub async fn post(
        &self,
        provider: &'static str,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
        sink: &mut DeltaSink<'_>,
    ) -> Result<reqwest::Response, ProviderError> {
        // Shared, not copied, between attempts: the body holds the whole history.
        let payload = bytes::Bytes::from(body);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self
                .client()
                .post(url)
                .header("content-type", "application/json")
                .body(payload.clone());
            for (k, v) in headers {
                req = req.header(*k, v);
            }
            let err = match req.send().await {
                Ok(resp) if resp.status().is_success() => return Ok(resp),
                Ok(resp) => status_error(provider, resp, self.idle_timeout).await,
                Err(e) => connect_error(provider, url, &e),
            };
            match self.retry.delay(attempt, &err) {
                Some(wait) => {
                    let why = match err.status {
                        Some(s) => format!("HTTP {s}"),
                        None => err.message.clone(),
                    };
                    let note = format!(
                        "{provider}: {why}; retrying in {:.1}s (attempt {} of {})",
                        wait.as_secs_f64(),
                        attempt + 1,
                        self.retry.retries + 1
                    );
                    sink(Delta::Status(&note));
                    tokio::time::sleep(wait).await;
                }
                None => return Err(err),
            }
        }
    }

    /// GETs a JSON document (model lists).
    pub async fn get_json(
        &self,
        provider: &'static str,
        url: &str,
        headers: &[(&str, String)],
    ) -> Result<Value, ProviderError> {
        let mut req = self.client().get(url);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| connect_error(provider, url, &e))?;
        if !resp.status().is_success() {
            return Err(status_error(provider, resp, self.idle_timeout).await);
        }
        let max = crate::limits::message();
        let (bytes, whole) = read_capped(resp, max, self.idle_timeout)
            .await
            .map_err(|e| ProviderError::new(provider, e))?;
        if !whole {
            let what = format!("the answer from {url}");
            return Err(ProviderError::new(provider, crate::limits::too_long(&what)));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| ProviderError::new(provider, format!("bad JSON from {url}: {e}")))
    }

    /// Reads a streaming body, calling `on_chunk` for each piece of bytes.
    /// Fails when the connection breaks or stays silent past the idle timeout.
    pub async fn read_stream(
        &self,
        provider: &'static str,
        resp: reqwest::Response,
        on_chunk: &mut dyn FnMut(&[u8]) -> Result<(), ProviderError>,
    ) -> Result<(), ProviderError> {
        let mut stream = resp.bytes_stream();
        loop {
            let next = tokio::time::timeout(self.idle_timeout, stream.next()).await;
            match next {
                Err(_) => {
                    return Err(ProviderError::new(
                        provider,
                        format!(
                            "stream stalled: nothing received for {}s",
                            self.idle_timeout.as_secs()
                        ),
                    ))
                }
                Ok(None) => return Ok(()),
                Ok(Some(Err(e))) => {
                    return Err(ProviderError::new(
                        provider,
                        format!("stream broke: {}", error_chain(&e)),
                    ))
                }
                Ok(Some(Ok(bytes))) => on_chunk(&bytes)?,
            }
        }
    }
}

fn connect_error(provider: &'static str, url: &str, e: &reqwest::Error) -> ProviderError {
    let why = error_chain(e);
    let mut err = ProviderError::new(provider, format!("cannot reach {url}: {why}"));
    // A name that does not resolve will not resolve a second later either.
    let dns = why.contains("lookup address") || why.contains("dns error");
    err.retryable = !dns;
    err
}

/// The innermost cause of an error: reqwest's outer layers repeat the URL
/// and say little ("error sending request"), the root says what happened.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut last = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        last = s.to_string();
        src = s.source();
    }
    last
}

/// Reads a body up to `max` bytes: the bytes and whether that was all of it.
/// Stops at the limit rather than holding whatever a server sends.
pub async fn read_capped(
    resp: reqwest::Response,
    max: usize,
    idle: Duration,
) -> Result<(Vec<u8>, bool), String> {
    let mut stream = resp.bytes_stream();
    let mut out = Vec::new();
    loop {
        match tokio::time::timeout(idle, stream.next()).await {
            Err(_) => return Err(format!("no data for {}s", idle.as_secs())),
            Ok(None) => return Ok((out, true)),
            Ok(Some(Err(e))) => return Err(error_chain(&e)),
            Ok(Some(Ok(b))) => {
                if out.len() + b.len() > max {
                    let room = max - out.len();
                    out.extend_from_slice(&b[..room]);
                    return Ok((out, false));
                }
                out.extend_from_slice(&b);
            }
        }
    }
}

async fn status_error(
    provider: &'static str,
    resp: reqwest::Response,
    idle: Duration,
) -> ProviderError {
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    // Only its message is wanted: a body over the limit is cut, not refused.
    let body = read_capped(resp, crate::limits::message(), idle)
        .await
        .map(|(b, _)| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let mut err = ProviderError::new(provider, error_message(&body, status));
    err.status = Some(status);
    err.retryable = retryable_status(status) || body.contains("overloaded_error");
    err.retry_after = retry_after;
    err
}

/// Extracts the provider's own message from an error body, whatever its shape.
pub fn error_message(body: &str, status: u16) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        if let Some(m) = json_error_message(&v) {
            return m;
        }
    }
    let t = body.trim();
    if t.is_empty() {
        reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error")
            .to_string()
    } else {
        t.to_string()
    }
}

/// `{"error":{"message":..}}`, `{"error":"..."}`, `{"message":..}`, or an array of those (Gemini).
pub fn json_error_message(v: &Value) -> Option<String> {
    if let Some(arr) = v.as_array() {
        return arr.first().and_then(json_error_message);
    }
    match v.get("error") {
        Some(Value::String(s)) => return Some(s.clone()),
        Some(e @ Value::Object(_)) => {
            if let Some(m) = e.get("message").and_then(Value::as_str) {
                return Some(m.to_string());
            }
        }
        _ => {}
    }
    v.get("message").and_then(Value::as_str).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_from_common_shapes() {
        assert_eq!(
            error_message(r#"{"error":{"message":"bad key","type":"x"}}"#, 401),
            "bad key"
        );
        assert_eq!(
            error_message(r#"{"error":"model not found"}"#, 404),
            "model not found"
        );
        assert_eq!(
            error_message(
                r#"[{"error":{"code":400,"message":"API key not valid"}}]"#,
                400
            ),
            "API key not valid"
        );
        assert_eq!(error_message("", 503), "Service Unavailable");
        assert_eq!(error_message("upstream down\n", 502), "upstream down");
    }
}
