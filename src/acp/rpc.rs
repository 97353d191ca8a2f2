//! JSON-RPC 2.0 over newline-delimited stdio: parsing incoming lines, writing
//! responses and notifications, and requests wisp sends to the client with a
//! map of pending ids awaiting their responses.

use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;

/// One incoming line, classified.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    Notification {
        method: String,
        params: Value,
    },
    /// The client's answer to a request wisp sent.
    Response {
        id: Value,
        result: Result<Value, Value>,
    },
    /// Not JSON (-32700) or not a JSON-RPC message (-32600); the id when one was readable.
    Invalid {
        code: i64,
        id: Value,
        why: String,
    },
}

pub fn parse(line: &str) -> Incoming {
    let v: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            return Incoming::Invalid {
                code: PARSE_ERROR,
                id: Value::Null,
                why: format!("parse error: {e}"),
            }
        }
    };
    let id = v.get("id").cloned();
    let id_ok = matches!(id, None | Some(Value::Number(_) | Value::String(_)));
    let invalid = |why: &str| Incoming::Invalid {
        code: INVALID_REQUEST,
        id: v.get("id").cloned().unwrap_or(Value::Null),
        why: why.to_string(),
    };
    if !v.is_object() {
        return invalid("a message must be a JSON object");
    }
    if !id_ok {
        return invalid("id must be a number or a string");
    }
    let params = v.get("params").cloned().unwrap_or(Value::Null);
    match (v.get("method").and_then(Value::as_str), id) {
        (Some(m), Some(id)) => Incoming::Request {
            id,
            method: m.to_string(),
            params,
        },
        (Some(m), None) => Incoming::Notification {
            method: m.to_string(),
            params,
        },
        (None, Some(id)) => {
            let result = match (v.get("result"), v.get("error")) {
                (_, Some(e)) => Err(e.clone()),
                (Some(r), None) => Ok(r.clone()),
                (None, None) => return invalid("a response needs a result or an error"),
            };
            Incoming::Response { id, result }
        }
        (None, None) => invalid("a message needs a method or an id"),
    }
}

/// A message over the size limit, dropped unread. A request (its head names
/// a method) is refused with its id; a response fails the request of wisp's
/// it answers, so nothing waits for it forever.
pub fn too_long(o: &crate::limits::Overlong) -> Incoming {
    let why = crate::limits::too_long(&format!("a message of {} bytes", o.len));
    let id = o.id().unwrap_or(Value::Null);
    let is_request = String::from_utf8_lossy(&o.head).contains("\"method\"");
    if !is_request && id.is_i64() {
        return Incoming::Response {
            id,
            result: Err(json!({"code": INVALID_REQUEST, "message": why})),
        };
    }
    Incoming::Invalid {
        code: INVALID_REQUEST,
        id,
        why,
    }
}

/// An error to send back for a request.
#[derive(Debug)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

impl RpcError {
    pub fn params(message: impl Into<String>) -> Self {
        RpcError {
            code: INVALID_PARAMS,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        RpcError {
            code: INTERNAL_ERROR,
            message: message.into(),
        }
    }
}

/// The outgoing side of the connection: every line wisp writes goes through
/// here, to a single writer task, so messages never interleave.
pub struct Conn {
    out: mpsc::UnboundedSender<String>,
    next_id: Cell<i64>,
    pending: RefCell<HashMap<i64, oneshot::Sender<Result<Value, Value>>>>,
}

impl Conn {
    pub fn new(out: mpsc::UnboundedSender<String>) -> Self {
        Conn {
            out,
            next_id: Cell::new(0),
            pending: RefCell::new(HashMap::new()),
        }
    }

    fn send(&self, v: Value) {
        // A closed writer means stdout is gone; there is nobody left to tell.
        let _ = self.out.send(v.to_string());
    }

    pub fn respond(&self, id: &Value, result: Value) {
        self.send(json!({"jsonrpc": "2.0", "id": id, "result": result}));
    }

    pub fn error(&self, id: &Value, code: i64, message: &str) {
        self.send(json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}));
    }

    pub fn notify(&self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request to the client and waits for its response.
    /// Err carries the client's error object (or a note when the connection closed).
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let (tx, rx) = oneshot::channel();
        self.pending.borrow_mut().insert(id, tx);
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let r = rx.await;
        r.unwrap_or_else(|_| Err(json!({"code": INTERNAL_ERROR, "message": "connection closed"})))
    }

    /// Routes a client's response to the request waiting for it.
    pub fn resolve(&self, id: &Value, result: Result<Value, Value>) {
        let Some(n) = id.as_i64() else {
            eprintln!("wisp acp: response with an unknown id {id}");
            return;
        };
        match self.pending.borrow_mut().remove(&n) {
            Some(tx) => {
                let _ = tx.send(result);
            }
            None => eprintln!("wisp acp: response with an unknown id {id}"),
        }
    }

    /// Drops every pending request, so their waiters see the connection close.
    pub fn close_pending(&self) {
        self.pending.borrow_mut().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_lines() {
        assert!(matches!(
            parse("not json"),
            Incoming::Invalid {
                code: PARSE_ERROR,
                ..
            }
        ));
        assert!(matches!(
            parse("[1]"),
            Incoming::Invalid {
                code: INVALID_REQUEST,
                ..
            }
        ));
        match parse(r#"{"jsonrpc":"2.0","id":"a-1","method":"initialize","params":{}}"#) {
            Incoming::Request { id, method, .. } => {
                assert_eq!(id, json!("a-1"));
                assert_eq!(method, "initialize");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(r#"{"jsonrpc":"2.0","method":"session/cancel","params":{}}"#),
            Incoming::Notification { .. }
        ));
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}}"#),
            Incoming::Response {
                id: json!(3),
                result: Err(json!({"code":1,"message":"x"}))
            }
        );
    }
}
