//! The `bash` tool: runs a shell command in its own process group, with a
//! timeout, cancellation, and one capped buffer for stdout and stderr.

use super::spill::Spill;
use super::util::{first_line, opt_u64, req_str};
use super::{Tool, ToolCtx, ToolKind, ToolOutput};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::time::Instant;

pub struct Bash;

const DEFAULT_TIMEOUT_MS: u64 = 120_000;
const MAX_TIMEOUT_MS: u64 = 600_000;
/// How long output pipes may stay open after the shell itself has exited
/// (held by background processes) before the rest of the group is killed.
const PIPE_GRACE: Duration = Duration::from_millis(500);
/// How long to keep reading after killing the group.
const DRAIN: Duration = Duration::from_millis(500);
/// Room kept in the output budget for the trailing status lines, including
/// the saved file's path: without it the agent's own cap cut the result a
/// second time (a second saved file, and a byte count of the cut text).
const STATUS_ROOM: usize = 1024;

impl Tool for Bash {
    fn name(&self) -> &str {
        "bash"
    }
    fn description(&self) -> &str {
        "Run a shell command in the working directory; returns combined output and exit code."
    }
    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "command": {"type": "string"},
                "timeout_ms": {"type": "integer", "description": "default 120000, max 600000"},
                "run_in_background": {"type": "boolean", "description": "for servers, watchers: returns an id at once"}
            },
            "required": ["command"]
        })
    }
    fn kind(&self) -> ToolKind {
        ToolKind::Execute
    }
    fn summary(&self, args: &Value) -> String {
        first_line(
            args.get("command").and_then(Value::as_str).unwrap_or(""),
            80,
        )
    }
    fn run<'a>(&'a self, args: &'a Value, ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match run(args, ctx).await {
                Ok(out) | Err(out) => out,
            }
        })
    }
}

/// The shell to use: bash if it is on PATH, else sh.
pub fn shell() -> &'static PathBuf {
    static SHELL: OnceLock<PathBuf> = OnceLock::new();
    SHELL.get_or_init(|| {
        which::which("bash")
            .or_else(|_| which::which("sh"))
            .unwrap_or_else(|_| PathBuf::from("/bin/sh"))
    })
}

/// Kills a process group when dropped, unless disarmed: the command's whole
/// tree goes away even if the future running it is dropped.
struct GroupGuard {
    pgid: Option<libc::pid_t>,
}

impl GroupGuard {
    fn kill(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            // SAFETY: killpg has no memory-safety preconditions; pgid > 0 was
            // checked when the guard was made, so this never signals "all".
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
    }

    fn disarm(&mut self) {
        self.pgid = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Output kept as a head and a rolling tail, so memory stays bounded however
/// much a command prints.
struct Capture {
    head_max: usize,
    tail_max: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: usize,
}

impl Capture {
    fn new(max: usize) -> Self {
        let head_max = max / 2;
        Capture {
            head_max,
            tail_max: max - head_max,
            head: Vec::new(),
            tail: VecDeque::new(),
            total: 0,
        }
    }

    fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len();
        if self.head.len() < self.head_max {
            let n = bytes.len().min(self.head_max - self.head.len());
            self.head.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
        }
        if bytes.len() >= self.tail_max {
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - self.tail_max..]);
        } else {
            let overflow = (self.tail.len() + bytes.len()).saturating_sub(self.tail_max);
            self.tail.drain(..overflow);
            self.tail.extend(bytes);
        }
    }

    /// Whether `more` bytes would push the output past what is kept whole.
    fn would_overflow(&self, more: usize) -> bool {
        self.total + more > self.head_max + self.tail_max
    }

    /// Everything so far; whole only while nothing has been dropped.
    fn so_far(&self) -> Vec<u8> {
        let mut all = self.head.clone();
        all.extend(self.tail.iter());
        all
    }

    fn finish(self) -> String {
        let kept = self.head.len() + self.tail.len();
        let tail: Vec<u8> = self.tail.into_iter().collect();
        if kept == self.total {
            let mut all = self.head;
            all.extend_from_slice(&tail);
            return String::from_utf8_lossy(&all).into_owned();
        }
        // Do not show half a character at either side of the cut.
        let mut head = &self.head[..];
        if let Err(e) = std::str::from_utf8(head) {
            if e.error_len().is_none() {
                head = &head[..e.valid_up_to()];
            }
        }
        let skip = tail
            .iter()
            .take(3)
            .take_while(|&&b| b & 0xC0 == 0x80)
            .count();
        let tail = &tail[skip..];
        let omitted = self.total - head.len() - tail.len();
        format!(
            "{}\n[... {omitted} bytes omitted ...]\n{}",
            String::from_utf8_lossy(head),
            String::from_utf8_lossy(tail)
        )
    }
}

/// Saves a chunk: the file starts when the output first overflows
/// (everything before is still held whole), then takes each chunk.
impl Spill {
    async fn take(&mut self, cap: &mut Capture, chunk: &[u8]) {
        if !self.started() && cap.would_overflow(chunk.len()) {
            self.start(&cap.so_far()).await;
        }
        cap.push(chunk);
        self.write(chunk).await;
    }
}

/// Starts `command` the one way every command run for the model starts
/// (foreground or background): its own process group, no stdin, output
/// piped, or into `file` (a background command's log).
async fn spawn(
    command: &str,
    ctx: &ToolCtx,
    file: Option<std::fs::File>,
) -> Result<(tokio::process::Child, crate::sandbox::Applied), ToolOutput> {
    let (out, err) = match file {
        Some(f) => {
            let dup = f
                .try_clone()
                .map_err(|e| ToolOutput::err(format!("cannot open the output file: {e}")))?;
            (Stdio::from(f), Stdio::from(dup))
        }
        None => (Stdio::piped(), Stdio::piped()),
    };
    let mut cmd = tokio::process::Command::new(shell());
    cmd.arg("-c")
        .arg(command)
        .current_dir(&ctx.cwd)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .env("PAGER", "cat")
        .env("GIT_PAGER", "cat")
        .env("GIT_TERMINAL_PROMPT", "0")
        .process_group(0)
        .kill_on_drop(true);
    // Every command run for the model starts here: secrets out, sandbox on.
    crate::sandbox::spawn(cmd, &ctx.sandbox, &ctx.cwd)
        .await
        .map_err(|e| ToolOutput::err(format!("failed to start {}: {e}", shell().display())))
}

enum End {
    Exited(ExitStatus),
    TimedOut,
    Cancelled,
}

async fn run(args: &Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolOutput> {
    let command = req_str(args, "command")?;
    let timeout_ms = opt_u64(args, "timeout_ms")?
        .unwrap_or(DEFAULT_TIMEOUT_MS)
        .clamp(1, MAX_TIMEOUT_MS);
    if command.trim().is_empty() {
        return Err(ToolOutput::err("argument `command` is empty"));
    }
    if super::util::opt_bool(args, "run_in_background")? == Some(true) {
        let (id, file, path) = super::jobs::prepare(ctx.spill_dir.as_deref())?;
        let (child, sandbox) = spawn(command, ctx, Some(file)).await?;
        return Ok(super::jobs::start(id, command, child, path, sandbox));
    }
    if let Some(run) = ctx
        .client
        .as_ref()
        .and_then(|c| c.run_command(command, timeout_ms, ctx))
    {
        return Ok(run.await);
    }

    let (mut child, sandbox) = spawn(command, ctx, None).await?;
    let mut guard = GroupGuard {
        pgid: child
            .id()
            .and_then(|id| libc::pid_t::try_from(id).ok())
            .filter(|&id| id > 0),
    };
    let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(ToolOutput::err("failed to capture the command's output"));
    };

    let room = STATUS_ROOM.min(ctx.max_output / 4);
    let mut cap = Capture::new(ctx.max_output.saturating_sub(room).max(200));
    let mut spill = Spill::new(ctx.spill_dir.clone());
    let (mut out_open, mut err_open) = (true, true);
    let (mut b1, mut b2) = ([0u8; 8192], [0u8; 8192]);
    let deadline = Instant::now() + Duration::from_millis(timeout_ms);
    let mut status: Option<ExitStatus> = None;
    let mut grace: Option<Instant> = None;
    let mut grace_expired = false;
    let mut background_killed = false;

    let end = loop {
        if let Some(s) = status {
            if grace_expired {
                // The shell is gone but something it started still holds the
                // output pipes open: stop it rather than wait for the timeout.
                guard.kill();
                background_killed = true;
                drain(
                    &mut stdout,
                    &mut stderr,
                    &mut cap,
                    &mut spill,
                    out_open,
                    err_open,
                )
                .await;
                break End::Exited(s);
            }
            if !out_open && !err_open {
                break End::Exited(s);
            }
        }
        tokio::select! {
            r = stdout.read(&mut b1), if out_open => match r {
                Ok(n) if n > 0 => spill.take(&mut cap, &b1[..n]).await,
                _ => out_open = false,
            },
            r = stderr.read(&mut b2), if err_open => match r {
                Ok(n) if n > 0 => spill.take(&mut cap, &b2[..n]).await,
                _ => err_open = false,
            },
            s = child.wait(), if status.is_none() => match s {
                Ok(s) => {
                    status = Some(s);
                    grace = Some(Instant::now() + PIPE_GRACE);
                }
                Err(e) => {
                    guard.kill();
                    return Err(ToolOutput::err(format!("failed to wait for the command: {e}")));
                }
            },
            _ = tokio::time::sleep_until(grace.unwrap_or(deadline)), if grace.is_some() => grace_expired = true,
            _ = tokio::time::sleep_until(deadline) => break End::TimedOut,
            _ = ctx.cancel.cancelled() => break End::Cancelled,
        }
    };

    let mut tail = String::new();
    let mut is_error = false;
    let status = match end {
        End::Exited(s) => {
            // Processes left in the background with their own output stay.
            guard.disarm();
            Some(s)
        }
        End::TimedOut | End::Cancelled => {
            guard.kill();
            drain(
                &mut stdout,
                &mut stderr,
                &mut cap,
                &mut spill,
                out_open,
                err_open,
            )
            .await;
            let s = tokio::time::timeout(DRAIN, child.wait())
                .await
                .ok()
                .and_then(Result::ok);
            is_error = true;
            if matches!(end, End::TimedOut) {
                tail.push_str(&format!(
                    "[timed out after {}s; process group killed]\n",
                    timeout_ms as f64 / 1000.0
                ));
            } else {
                tail.push_str("[cancelled by user; process group killed]\n");
            }
            s.or(status)
        }
    };
    if background_killed {
        tail.push_str("[background processes still holding the output were killed]\n");
    }
    let mut content = cap.finish();
    let failed = is_error || !status.is_some_and(|s| s.success());
    tail.push_str(&sandbox.finish(&content, failed).await);
    tail.push_str(&exit_line(status));
    if let Some(note) = spill.finish().await {
        tail.insert_str(0, &format!("{note}\n"));
    }
    if content.is_empty() {
        content.push_str("(no output)");
    }
    if !content.ends_with('\n') {
        content.push('\n');
    }
    content.push_str(&tail);
    Ok(ToolOutput {
        content,
        is_error,
        diff: None,
        images: Vec::new(),
    })
}

/// Runs a command the user typed (`!cmd`) exactly as the tool runs one: its
/// own process group, the default timeout, Ctrl-C through `ctx.cancel`, the
/// output cap and the saved file. Returns the output and the exit code.
pub async fn run_user(command: &str, ctx: &ToolCtx) -> (String, Option<i32>) {
    // The user's own command is not sandboxed (their secrets still stay out:
    // its output goes to the model).
    let mut own = ctx.clone();
    own.sandbox.mode = crate::sandbox::Mode::Off;
    let out = match run(&json!({ "command": command }), &own).await {
        Ok(o) | Err(o) => o.content,
    };
    let (body, code) = match out.rsplit_once('\n') {
        Some((body, last)) if last.starts_with("exit code: ") => {
            let code: String = last["exit code: ".len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            (format!("{body}\n"), code.parse().ok())
        }
        _ => (out, None),
    };
    // Stopped by Ctrl-C: the code a shell reports for an interrupt, not the
    // SIGKILL that ended the group.
    let code = if ctx.cancel.is_cancelled() {
        Some(130)
    } else {
        code
    };
    (body, code)
}

/// Reads what is left in the pipes for a short while.
async fn drain(
    stdout: &mut tokio::process::ChildStdout,
    stderr: &mut tokio::process::ChildStderr,
    cap: &mut Capture,
    spill: &mut Spill,
    mut out_open: bool,
    mut err_open: bool,
) {
    let (mut b1, mut b2) = ([0u8; 8192], [0u8; 8192]);
    let until = Instant::now() + DRAIN;
    while out_open || err_open {
        tokio::select! {
            r = stdout.read(&mut b1), if out_open => match r {
                Ok(n) if n > 0 => spill.take(cap, &b1[..n]).await,
                _ => out_open = false,
            },
            r = stderr.read(&mut b2), if err_open => match r {
                Ok(n) if n > 0 => spill.take(cap, &b2[..n]).await,
                _ => err_open = false,
            },
            _ = tokio::time::sleep_until(until) => break,
        }
    }
}

fn exit_line(status: Option<ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(s) => match (s.code(), s.signal()) {
            (Some(code), _) => format!("exit code: {code}"),
            (None, Some(sig)) => format!("exit code: {} (killed by signal {sig})", 128 + sig),
            (None, None) => "exit code: unknown".to_string(),
        },
        None => "exit code: 137 (killed)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant as StdInstant;

    fn ctx(dir: &std::path::Path) -> ToolCtx {
        ToolCtx::new(dir.to_path_buf())
    }

    #[tokio::test(flavor = "current_thread")]
    async fn captures_stdout_stderr_and_exit_code() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path());
        let out = Bash
            .run(&json!({"command": "echo out; echo err >&2; exit 3"}), &c)
            .await;
        assert!(!out.is_error);
        assert!(out.content.contains("out\n"), "{}", out.content);
        assert!(out.content.contains("err\n"), "{}", out.content);
        assert!(out.content.ends_with("exit code: 3"), "{}", out.content);

        let out = Bash.run(&json!({"command": "true"}), &c).await;
        assert_eq!(out.content, "(no output)\nexit code: 0");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn runs_in_ctx_cwd_with_no_stdin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("here.txt"), "").unwrap();
        let c = ctx(dir.path());
        let out = Bash
            .run(&json!({"command": "ls; cat; echo done"}), &c)
            .await;
        assert!(out.content.contains("here.txt"), "{}", out.content);
        assert!(out.content.contains("done"));
        assert!(out.content.ends_with("exit code: 0"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn timeout_kills_the_process_tree() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path());
        let start = StdInstant::now();
        let out = Bash
            .run(
                &json!({"command": "(sleep 1; touch marker) & echo started; sleep 30", "timeout_ms": 500}),
                &c,
            )
            .await;
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(out.is_error);
        assert!(out.content.contains("started"), "{}", out.content);
        assert!(
            out.content.contains("timed out after 0.5s"),
            "{}",
            out.content
        );
        assert!(out.content.contains("exit code: "), "{}", out.content);
        // The background subshell would create the marker after 1s if it survived.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(
            !dir.path().join("marker").exists(),
            "background process survived"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn cancel_kills_the_process_tree() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path());
        let cancel = c.cancel.clone();
        let start = StdInstant::now();
        let args = json!({"command": "(sleep 1; touch marker) & sleep 30"});
        let (out, ()) = tokio::join!(Bash.run(&args, &c), async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            cancel.cancel();
        });
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(out.is_error);
        assert!(out.content.contains("cancelled by user"), "{}", out.content);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(
            !dir.path().join("marker").exists(),
            "background process survived"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn dropping_the_future_kills_the_group() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path());
        let args = json!({"command": "(sleep 1; touch marker) & sleep 30"});
        let r = tokio::time::timeout(Duration::from_millis(300), Bash.run(&args, &c)).await;
        assert!(r.is_err(), "the command should still have been running");
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(
            !dir.path().join("marker").exists(),
            "background process survived"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn background_holding_pipes_does_not_hang() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path());
        let start = StdInstant::now();
        let out = Bash
            .run(&json!({"command": "sleep 30 & echo hi"}), &c)
            .await;
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(out.content.starts_with("hi\n"), "{}", out.content);
        assert!(out.content.ends_with("exit code: 0"), "{}", out.content);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn output_cap_keeps_head_and_tail() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = ctx(dir.path());
        c.max_output = 1000;
        let out = Bash
            .run(
                &json!({"command": "echo FIRST; seq 1 100000; echo LAST"}),
                &c,
            )
            .await;
        assert!(out.content.starts_with("FIRST\n1\n2\n"), "{}", out.content);
        assert!(
            out.content.contains("bytes omitted ...]"),
            "{}",
            out.content
        );
        assert!(out.content.contains("100000\nLAST\n"), "{}", out.content);
        assert!(out.content.ends_with("exit code: 0"));
        assert!(out.content.len() <= 1000, "{}", out.content.len());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn long_output_is_saved_whole_in_the_spill_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut c = ctx(dir.path());
        c.max_output = 2_000;
        c.spill_dir = Some(dir.path().join("spill"));
        let out = Bash.run(&json!({"command": "seq 1 5000"}), &c).await;
        assert!(out.content.contains("bytes omitted"), "{}", out.content);
        let note = out
            .content
            .lines()
            .find(|l| l.starts_with("[the full output"))
            .expect("note names the file");
        let path = note
            .split(" is saved in ")
            .nth(1)
            .and_then(|r| r.split(';').next())
            .expect("path");
        let saved = std::fs::read_to_string(path).expect("saved file");
        let want: String = (1..=5000).map(|i| format!("{i}\n")).collect();
        assert_eq!(saved, want, "the whole output, in order");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn bad_args() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path());
        let out = Bash.run(&json!({}), &c).await;
        assert!(out.is_error);
        assert!(out.content.contains("`command`"));
        let out = Bash
            .run(&json!({"command": "true", "timeout_ms": -5}), &c)
            .await;
        assert!(out.is_error);
        assert!(out.content.contains("`timeout_ms`"));
    }

    #[test]
    fn capture_counts_omitted_bytes() {
        let mut cap = Capture::new(10);
        for _ in 0..10 {
            cap.push(b"0123456789");
        }
        let s = cap.finish();
        assert_eq!(s, "01234\n[... 90 bytes omitted ...]\n56789");
        let mut cap = Capture::new(10);
        cap.push(b"abc");
        cap.push(b"defgh");
        assert_eq!(cap.finish(), "abcdefgh");
    }

    #[test]
    fn summary_is_first_line() {
        assert_eq!(
            Bash.summary(&json!({"command": "cargo test"})),
            "cargo test"
        );
    }
}
