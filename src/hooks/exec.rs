//! Runs one hook command: JSON on stdin, in the session's directory, in its
//! own process group, killed (the whole group) at its timeout or on Ctrl-C.

use crate::agent::cancel::Cancel;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The most of a hook's stdout or stderr that is read; a hook that writes
/// more blocks until its timeout kills it.
const CAP: u64 = 1 << 20;

/// How a hook run ended.
pub enum Ended {
    Exited {
        code: Option<i32>,
        stdout: String,
        stderr: String,
    },
    /// It did not run to the end: why (`timed out after 60s`, `cancelled`).
    Failed(String),
}

pub async fn run(
    command: &str,
    input: &[u8],
    cwd: &Path,
    timeout: Duration,
    cancel: &Cancel,
) -> Ended {
    let mut cmd = tokio::process::Command::new(crate::tools::shell());
    cmd.arg("-c")
        .arg(command)
        .current_dir(cwd)
        .env("WISP_PROJECT_DIR", cwd)
        .env("CLAUDE_PROJECT_DIR", cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Ended::Failed(format!("could not start: {e}")),
    };
    let pgid = child.id().and_then(|p| libc::pid_t::try_from(p).ok());
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let write = async move {
        if let Some(mut s) = stdin {
            // A hook that does not read its input closes the pipe: fine.
            let _ = s.write_all(input).await;
        }
    };
    let all = async {
        let (_, out, err, status) = tokio::join!(write, read(stdout), read(stderr), child.wait());
        (out, err, status)
    };
    let ended = tokio::select! {
        r = tokio::time::timeout(timeout, all) => match r {
            Ok((out, err, Ok(status))) => Some(Ended::Exited {
                code: status.code(),
                stdout: out,
                stderr: err,
            }),
            Ok((_, _, Err(e))) => Some(Ended::Failed(format!("could not be waited for: {e}"))),
            Err(_) => None,
        },
        _ = cancel.cancelled() => Some(Ended::Failed("cancelled".into())),
    };
    let ended = ended.unwrap_or_else(|| {
        // Whole seconds as configured; no float formatting linked for it.
        let ms = timeout.as_millis();
        Ended::Failed(match ms % 1000 {
            0 => format!("timed out after {}s", ms / 1000),
            _ => format!("timed out after {ms}ms"),
        })
    });
    if let (Ended::Failed(_), Some(pgid)) = (&ended, pgid.filter(|p| *p > 0)) {
        // SAFETY: killpg has no memory-safety preconditions; pgid > 0, so
        // this never signals every process.
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
        }
        let _ = child.wait().await;
    }
    ended
}

async fn read(r: Option<impl tokio::io::AsyncRead + Unpin>) -> String {
    let mut buf = Vec::new();
    if let Some(r) = r {
        let _ = r.take(CAP).read_to_end(&mut buf).await;
    }
    String::from_utf8_lossy(&buf).into_owned()
}
