//! A recording HTTP proxy for tests: aimock's journal stores requests after
//! converting them to Chat Completions, so native wire formats (Anthropic,
//! Gemini, Ollama) are checked here, byte for byte as wisp sent them, on their
//! way to aimock.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// One request as it crossed the wire.
#[derive(Clone, Debug)]
pub struct Captured {
    pub method: String,
    /// Path and query, e.g. `/v1beta/models/m:streamGenerateContent?alt=sse`.
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Listens on 127.0.0.1, records each request, forwards it to `upstream`.
pub struct Wire {
    pub port: u16,
    log: Arc<Mutex<Vec<Captured>>>,
}

impl Wire {
    pub fn start(upstream: u16) -> Wire {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = log.clone();
        thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let log = shared.clone();
                thread::spawn(move || serve(conn, upstream, &log));
            }
        });
        Wire { port, log }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Requests whose path starts with `prefix`, oldest first.
    pub fn requests(&self, prefix: &str) -> Vec<Captured> {
        let log = self.log.lock().expect("log");
        log.iter()
            .filter(|c| c.path.starts_with(prefix))
            .cloned()
            .collect()
    }

    pub fn bodies(&self, prefix: &str) -> Vec<Value> {
        self.requests(prefix).into_iter().map(|c| c.body).collect()
    }
}

/// Records one request, forwards it, and streams the answer back; the
/// connection then closes (wisp's client simply reconnects).
fn serve(mut client: TcpStream, upstream: u16, log: &Mutex<Vec<Captured>>) {
    let mut reader = BufReader::new(client.try_clone().expect("clone"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    log.lock().expect("log").push(Captured {
        method: method.clone(),
        path: path.clone(),
        headers: headers.clone(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let Ok(mut up) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for (k, v) in headers.iter().filter(|(k, _)| k != "connection") {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("connection: close\r\n\r\n");
    if up.write_all(head.as_bytes()).is_err() || up.write_all(&body).is_err() {
        return;
    }
    // aimock answers `Connection: keep-alive` and holds the socket open for
    // seconds; tell the client to close instead, so it never waits on a pooled
    // connection this proxy no longer reads.
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        match up.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
    };
    let mut out: String = String::from_utf8_lossy(&head[..end])
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    out.push_str("connection: close\r\n\r\n");
    if client.write_all(out.as_bytes()).is_err() || client.write_all(&head[end + 4..]).is_err() {
        return;
    }
    while let Ok(n) = up.read(&mut buf) {
        if n == 0 || client.write_all(&buf[..n]).is_err() {
            return;
        }
    }
}
