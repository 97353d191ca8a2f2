//! The editor as the tools' file system and terminal: when the client
//! advertises `fs.readTextFile`, `fs.writeTextFile` or `terminal`, tool work
//! becomes requests to it (`fs/*`, `terminal/*`), and a command's terminal is
//! embedded in its tool call so the editor shows it live.

use super::rpc::Conn;
use crate::tools::client::ClientTools;
use crate::tools::{ToolCtx, ToolOutput};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

pub struct Editor {
    pub conn: Rc<Conn>,
    pub session: String,
    pub read: bool,
    pub write: bool,
    pub terminal: bool,
    /// The tool call being run (set by the update sink).
    pub current_call: Rc<RefCell<String>>,
    /// The terminal of the call being run, so its final update embeds it too.
    pub call_terminal: Rc<RefCell<Option<(String, String)>>>,
}

impl Editor {
    /// One from the client's `clientCapabilities`; None when it offers nothing.
    pub fn from_caps(
        caps: &Value,
        conn: Rc<Conn>,
        session: String,
        current_call: Rc<RefCell<String>>,
        call_terminal: Rc<RefCell<Option<(String, String)>>>,
    ) -> Option<Editor> {
        let on = |v: &Value| v.as_bool().unwrap_or(false);
        let e = Editor {
            conn,
            session,
            read: on(&caps["fs"]["readTextFile"]),
            write: on(&caps["fs"]["writeTextFile"]),
            terminal: on(&caps["terminal"]),
            current_call,
            call_terminal,
        };
        (e.read || e.write || e.terminal).then_some(e)
    }

    async fn call(&self, method: &str, mut params: Value) -> Result<Value, String> {
        params["sessionId"] = json!(self.session);
        self.conn.request(method, params).await.map_err(|e| {
            e["message"]
                .as_str()
                .map_or_else(|| e.to_string(), str::to_string)
        })
    }

    async fn run(&self, command: &str, timeout_ms: u64, ctx: &ToolCtx) -> ToolOutput {
        let created = self
            .call(
                "terminal/create",
                json!({
                    "command": "sh",
                    "args": ["-c", command],
                    "cwd": ctx.cwd.display().to_string(),
                    "outputByteLimit": ctx.max_output,
                }),
            )
            .await;
        let id = match created {
            Ok(v) => match v["terminalId"].as_str() {
                Some(id) => id.to_string(),
                None => return ToolOutput::err("the editor created no terminal"),
            },
            Err(e) => return ToolOutput::err(format!("the editor could not run it: {e}")),
        };
        let call = self.current_call.borrow().clone();
        *self.call_terminal.borrow_mut() = Some((call.clone(), id.clone()));
        self.conn.notify(
            "session/update",
            json!({"sessionId": self.session, "update": {
                "sessionUpdate": "tool_call_update", "toolCallId": call, "status": "in_progress",
                "content": [{"type": "terminal", "terminalId": id}],
            }}),
        );
        let tid = json!({"terminalId": id});
        let wait = self.call("terminal/wait_for_exit", tid.clone());
        let mut stopped = None;
        let exit = tokio::select! {
            r = wait => r.ok(),
            _ = tokio::time::sleep(Duration::from_millis(timeout_ms)) => {
                stopped = Some(format!("[timed out after {}s; killed]", timeout_ms as f64 / 1000.0));
                None
            }
            _ = ctx.cancel.cancelled() => {
                stopped = Some("[cancelled by user; killed]".to_string());
                None
            }
        };
        if stopped.is_some() {
            let _ = self.call("terminal/kill", tid.clone()).await;
        }
        let out = self.call("terminal/output", tid.clone()).await;
        let _ = self.call("terminal/release", tid).await;
        let out = out.unwrap_or_default();
        let mut content = out["output"].as_str().unwrap_or("").to_string();
        if content.is_empty() {
            content.push_str("(no output)");
        }
        if !content.ends_with('\n') {
            content.push('\n');
        }
        if out["truncated"].as_bool() == Some(true) {
            content.insert_str(0, "[earlier output truncated]\n");
        }
        let status = exit.as_ref().unwrap_or(&out["exitStatus"]);
        if let Some(s) = &stopped {
            content.push_str(s);
            content.push('\n');
        }
        content.push_str(
            &match (status["exitCode"].as_u64(), status["signal"].as_str()) {
                (Some(c), _) => format!("exit code: {c}"),
                (None, Some(sig)) => format!("exit code: unknown (killed by signal {sig})"),
                (None, None) => "exit code: 137 (killed)".to_string(),
            },
        );
        ToolOutput {
            content,
            is_error: stopped.is_some(),
            diff: None,
            images: Vec::new(),
        }
    }
}

impl ClientTools for Editor {
    fn read_text(&self, path: PathBuf) -> Option<LocalBoxFuture<'_, Result<String, String>>> {
        if !self.read {
            return None;
        }
        Some(Box::pin(async move {
            let v = self
                .call(
                    "fs/read_text_file",
                    json!({"path": path.display().to_string()}),
                )
                .await?;
            v["content"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| "the editor sent no content".to_string())
        }))
    }

    fn write_text(
        &self,
        path: PathBuf,
        text: String,
    ) -> Option<LocalBoxFuture<'_, Result<(), String>>> {
        if !self.write {
            return None;
        }
        Some(Box::pin(async move {
            self.call(
                "fs/write_text_file",
                json!({"path": path.display().to_string(), "content": text}),
            )
            .await
            .map(|_| ())
        }))
    }

    fn run_command<'a>(
        &'a self,
        command: &'a str,
        timeout_ms: u64,
        ctx: &'a ToolCtx,
    ) -> Option<LocalBoxFuture<'a, ToolOutput>> {
        if !self.terminal {
            return None;
        }
        Some(Box::pin(self.run(command, timeout_ms, ctx)))
    }
}
