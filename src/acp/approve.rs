//! Approval through the editor: `session/request_permission` with allow/reject,
//! once/always options. A cancelled turn resolves a pending request as Stop.

use super::rpc::Conn;
use super::updates::{diff_content, title};
use crate::agent::cancel::Cancel;
use crate::agent::{Approval, ApprovalRequest, Approver};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

pub struct AskClient {
    pub conn: Rc<Conn>,
    pub session: String,
    pub cancel: Cancel,
    pub current_call: Rc<RefCell<String>>,
    /// "Reject always" answers this session, by tool and what it acts on.
    pub rejected: Rc<RefCell<HashSet<String>>>,
}

fn options(always: &str) -> Value {
    json!([
        {"optionId": "allow_once", "name": "Allow once", "kind": "allow_once"},
        {"optionId": "allow_always", "name": format!("Always allow {always}"), "kind": "allow_always"},
        {"optionId": "reject_once", "name": "Reject", "kind": "reject_once"},
        {"optionId": "reject_always", "name": "Always reject", "kind": "reject_always"},
    ])
}

/// Maps the client's answer to an approval; the bool says "remember the rejection".
fn outcome(resp: &Result<Value, Value>) -> (Approval, bool) {
    let Ok(r) = resp else {
        return (Approval::Stop, false);
    };
    let o = &r["outcome"];
    if o["outcome"] == "selected" {
        match o["optionId"].as_str().unwrap_or("") {
            "allow_once" => return (Approval::Yes, false),
            "allow_always" => return (Approval::Always, false),
            "reject_once" => return (Approval::No(None), false),
            "reject_always" => return (Approval::No(None), true),
            _ => {}
        }
    }
    (Approval::Stop, false)
}

impl Approver for AskClient {
    fn ask<'a>(&'a mut self, req: &'a ApprovalRequest<'a>) -> LocalBoxFuture<'a, Approval> {
        Box::pin(async move {
            let key = format!("{}\u{0}{}", req.tool, req.summary);
            if self.rejected.borrow().contains(&key) {
                return Approval::No(Some("the user rejected this earlier".into()));
            }
            let id = self.current_call.borrow().clone();
            let mut call = json!({
                "toolCallId": id,
                "title": format!("{} ({})", title(req.tool, req.summary), req.reason),
                "kind": req.kind.as_str(),
                "status": "pending",
                "rawInput": req.input,
            });
            if let Some(d) = req.diff {
                call["content"] = json!([diff_content(d)]);
            }
            let params = json!({"sessionId": self.session, "toolCall": call, "options": options(req.always)});
            let ask = self.conn.request("session/request_permission", params);
            let resp = tokio::select! {
                r = ask => r,
                _ = self.cancel.cancelled() => return Approval::Stop,
            };
            let (approval, remember) = outcome(&resp);
            if remember {
                self.rejected.borrow_mut().insert(key);
            }
            if matches!(approval, Approval::Yes | Approval::Always) {
                self.conn.notify(
                    "session/update",
                    json!({"sessionId": self.session, "update": {
                        "sessionUpdate": "tool_call_update", "toolCallId": id, "status": "in_progress"}}),
                );
            }
            approval
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_outcomes() {
        let sel = |id: &str| Ok(json!({"outcome": {"outcome": "selected", "optionId": id}}));
        assert_eq!(outcome(&sel("allow_once")), (Approval::Yes, false));
        assert_eq!(outcome(&sel("allow_always")), (Approval::Always, false));
        assert_eq!(outcome(&sel("reject_once")), (Approval::No(None), false));
        assert_eq!(outcome(&sel("reject_always")), (Approval::No(None), true));
        let cancelled = Ok(json!({"outcome": {"outcome": "cancelled"}}));
        assert_eq!(outcome(&cancelled), (Approval::Stop, false));
        assert_eq!(outcome(&Err(json!({}))), (Approval::Stop, false));
    }
}
