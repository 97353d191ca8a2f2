//! A scripted HTTP server for faults aimock cannot produce faithfully: each
//! connection gets the next scripted response, streamed in chunks with
//! pauses, optionally cut off before the end.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub enum Part {
    Data(String),
    Sleep(u64),
    /// Drop the connection here, before the body is complete.
    Cut,
    /// Raw bytes (not necessarily UTF-8), sent `n` times: a huge body
    /// without holding it whole.
    Bytes(Vec<u8>, usize),
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub parts: Vec<Part>,
}

impl Reply {
    /// An OpenAI-style SSE answer made of text deltas, finished properly.
    pub fn sse_text(pieces: &[&str]) -> Reply {
        let mut parts: Vec<Part> = pieces
            .iter()
            .map(|p| {
                Part::Data(format!(
                    "data: {}\n\n",
                    serde_json::json!({"choices": [{"index": 0, "delta": {"content": p}}]})
                ))
            })
            .collect();
        parts.push(Part::Data(
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                .into(),
        ));
        parts.push(Part::Data("data: [DONE]\n\n".into()));
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "text/event-stream".into())],
            parts,
        }
    }

    pub fn error(status: u16, body: &str, headers: &[(&str, &str)]) -> Reply {
        let mut h: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        h.push(("content-type".into(), "application/json".into()));
        Reply {
            status,
            headers: h,
            parts: vec![Part::Data(body.into())],
        }
    }
}

pub struct Fake {
    pub port: u16,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    pub fn start(replies: Vec<Reply>) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        std::thread::spawn(move || {
            let mut replies = replies.into_iter();
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { return };
                let Some(reply) = replies.next() else { return };
                let mut reader = BufReader::new(conn.try_clone().expect("clone"));
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; len];
                let _ = reader.read_exact(&mut body);
                log.lock()
                    .expect("log")
                    .push(String::from_utf8_lossy(&body).into_owned());
                let mut head = format!(
                    "HTTP/1.1 {} X\r\ntransfer-encoding: chunked\r\nconnection: close\r\n",
                    reply.status
                );
                for (k, v) in &reply.headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = conn.write_all(head.as_bytes());
                let mut cut = false;
                for part in reply.parts {
                    match part {
                        Part::Data(d) => {
                            let _ = conn.write_all(format!("{:x}\r\n{d}\r\n", d.len()).as_bytes());
                            let _ = conn.flush();
                        }
                        Part::Bytes(b, n) => {
                            for _ in 0..n {
                                let _ = conn.write_all(format!("{:x}\r\n", b.len()).as_bytes());
                                let _ = conn.write_all(&b);
                                if conn.write_all(b"\r\n").is_err() {
                                    break;
                                }
                            }
                            let _ = conn.flush();
                        }
                        Part::Sleep(ms) => std::thread::sleep(Duration::from_millis(ms)),
                        Part::Cut => {
                            cut = true;
                            break;
                        }
                    }
                }
                if !cut {
                    let _ = conn.write_all(b"0\r\n\r\n");
                }
                let _ = conn.shutdown(std::net::Shutdown::Both);
            }
        });
        Fake { port, requests }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn count(&self) -> usize {
        self.requests.lock().map(|r| r.len()).unwrap_or(0)
    }
}
