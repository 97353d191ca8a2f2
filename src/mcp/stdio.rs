//! The stdio transport: the server is a child process speaking
//! newline-delimited JSON-RPC on its stdin and stdout. Its stderr goes to a
//! log file under `mcp-logs/`, never to the user's screen.

use super::jsonrpc::{self, Peer};
use super::Conn;
use crate::limits::{next_line, Lines, Overlong, Owned};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::sync::oneshot;

pub fn log_path(name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    crate::paths::data_dir()
        .join("mcp-logs")
        .join(format!("{safe}.log"))
}

async fn open_log(path: &Path) -> Result<std::fs::File, String> {
    if let Some(d) = path.parent() {
        crate::private::dir_async(d)
            .await
            .map_err(|e| format!("{}: {e}", d.display()))?;
    }
    // Servers' stderr can hold tokens and paths: private like transcripts.
    let f = crate::private::options_async()
        .create(true)
        .append(true)
        .open(path)
        .await
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(f.into_std().await)
}

/// Starts the process and the tasks that carry its messages.
pub async fn connect(
    name: &str,
    command: &str,
    args: &[String],
    env: &[(String, String)],
    cwd: Option<&str>,
    base: &Path,
) -> Result<Conn, String> {
    let log = open_log(&log_path(name)).await?;
    let mut cmd = tokio::process::Command::new(command);
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(match cwd {
            Some(c) => base.join(c),
            None => base.to_path_buf(),
        })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start `{command}`: {e}"))?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("no pipes to the server".into());
    };
    let (peer, mut out, notices) = jsonrpc::pair();
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();

    tokio::spawn(async move {
        while let Some(msg) = out.recv().await {
            let mut line = msg.to_string();
            line.push('\n');
            if stdin.write_all(line.as_bytes()).await.is_err() || stdin.flush().await.is_err() {
                break;
            }
        }
    });

    let reader_peer: Arc<Peer> = peer.clone();
    tokio::spawn(async move {
        let peer = reader_peer;
        let mut reader = BufReader::new(stdout);
        let mut lines = Lines::new(crate::limits::message());
        loop {
            tokio::select! {
                _ = &mut stop_rx => {
                    let _ = child.kill().await;
                    peer.close("stopped");
                    return;
                }
                line = next_line(&mut reader, &mut lines) => match line {
                    Ok(Some(Owned::Line(l))) => {
                        let l = String::from_utf8_lossy(&l);
                        let l = l.trim();
                        if l.is_empty() {
                            continue;
                        }
                        match serde_json::from_str(l) {
                            Ok(v) => peer.incoming(v),
                            // Servers must print only JSON-RPC on stdout; remember the
                            // noise so a failure can say what the server printed.
                            Err(_) => peer.garbage(l),
                        }
                    }
                    Ok(Some(Owned::TooLong(o))) => too_long(&peer, &o),
                    Ok(None) | Err(_) => break,
                }
            }
        }
        let why = match tokio::time::timeout(Duration::from_secs(2), child.wait()).await {
            Ok(Ok(status)) => match status.code() {
                Some(c) => format!("exited with status {c}"),
                None => "was killed by a signal".to_string(),
            },
            _ => {
                let _ = child.kill().await;
                "closed its stdout".to_string()
            }
        };
        peer.close(&why);
    });

    Ok(Conn {
        peer,
        notices,
        _stop: stop_tx,
    })
}

/// A message over the size limit was dropped unread: the request it answers
/// (when its id can be seen at either end) fails with an error naming the
/// limit, instead of waiting for its timeout; the server stays connected.
fn too_long(peer: &Peer, o: &Overlong) {
    let why = crate::limits::too_long(&format!("a message of {} bytes", o.len));
    match o.id() {
        Some(id) => peer.incoming(serde_json::json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": -32603, "message": why},
        })),
        None => peer.garbage(&why),
    }
}
