//! Background commands: the registry behind `bash {run_in_background}`,
//! `bash_output`, `kill_shell`, `/jobs` and `/kill`.
//!
//! A job is a shell in its own process group whose output a small task reads
//! into a capped "unread" buffer (and, whole, into a file in the session's
//! folder). Jobs belong to the wisp process, not to one conversation: the
//! registry is process-wide so every exit path can stop them all. It holds
//! nothing until the first background command starts.

use super::ToolOutput;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Most unread bytes kept per job; older unread output is dropped (it stays
/// in the saved file).
const UNREAD_MAX: usize = 24_000;
/// How long `kill` waits after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_millis(1500);

/// What the reader task shares with the registry.
#[derive(Default)]
struct Out {
    unread: VecDeque<u8>,
    /// Unread bytes dropped since the last read because the buffer was full.
    dropped: usize,
    total: usize,
    /// Set when the shell has exited.
    exit: Option<ExitStatus>,
    killed: bool,
}

struct Job {
    id: String,
    command: String,
    pgid: libc::pid_t,
    started: Instant,
    /// The whole output, when the session has a folder.
    file: Option<PathBuf>,
    out: Arc<Mutex<Out>>,
}

struct Registry {
    jobs: Vec<Job>,
    next: u32,
    max: usize,
}

static JOBS: Mutex<Registry> = Mutex::new(Registry {
    jobs: Vec::new(),
    next: 1,
    max: 8,
});

fn jobs() -> MutexGuard<'static, Registry> {
    // A panic while holding the lock cannot leave it half-updated in a way
    // that matters here; keep going with what is there.
    JOBS.lock().unwrap_or_else(|e| e.into_inner())
}

fn lock(out: &Mutex<Out>) -> MutexGuard<'_, Out> {
    out.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sets how many background commands may run at once (config `max_background`).
pub fn set_max(max: usize) {
    jobs().max = max.max(1);
}

impl Out {
    fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len();
        self.unread.extend(bytes);
        let over = self.unread.len().saturating_sub(UNREAD_MAX);
        if over > 0 {
            self.unread.drain(..over);
            self.dropped += over;
        }
    }

    fn running(&self) -> bool {
        self.exit.is_none()
    }
}

/// Starts `cmd` (already spawned by the bash tool's spawn path, in its own
/// process group) as background job and returns what the model reads.
pub fn start(
    command: &str,
    mut child: tokio::process::Child,
    spill_dir: Option<PathBuf>,
) -> ToolOutput {
    let Some(pgid) = child
        .id()
        .and_then(|id| libc::pid_t::try_from(id).ok())
        .filter(|&id| id > 0)
    else {
        return ToolOutput::err("the background command exited before it could be tracked");
    };
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        kill_group(pgid, libc::SIGKILL);
        return ToolOutput::err("failed to capture the command's output");
    };
    let mut reg = jobs();
    let running = reg.jobs.iter().filter(|j| lock(&j.out).running()).count();
    if running >= reg.max {
        kill_group(pgid, libc::SIGKILL);
        return ToolOutput::err(format!(
            "{running} background commands are already running (max_background); stop one with kill_shell first"
        ));
    }
    let id = format!("bg{}", reg.next);
    reg.next += 1;
    let file = spill_dir.map(|d| d.join(format!("{id}-{}.log", std::process::id())));
    let out = Arc::new(Mutex::new(Out::default()));
    tokio::spawn(read_job(child, stdout, stderr, file.clone(), out.clone()));
    reg.jobs.push(Job {
        id: id.clone(),
        command: command.to_string(),
        pgid,
        started: Instant::now(),
        file: file.clone(),
        out,
    });
    let saved = match &file {
        Some(f) => format!("; its whole output is saved in {}", f.display()),
        None => String::new(),
    };
    ToolOutput::ok(format!(
        "started in the background with id {id}{saved}. Read its output with bash_output {{\"id\": \"{id}\"}}; stop it with kill_shell."
    ))
}

/// Reads the job's output until both pipes close and the shell has exited.
async fn read_job(
    mut child: tokio::process::Child,
    mut stdout: tokio::process::ChildStdout,
    mut stderr: tokio::process::ChildStderr,
    path: Option<PathBuf>,
    out: Arc<Mutex<Out>>,
) {
    let mut file = match path {
        Some(p) => {
            let made = async {
                if let Some(dir) = p.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                tokio::fs::File::create(&p).await
            };
            made.await.ok()
        }
        None => None,
    };
    let (mut b1, mut b2) = ([0u8; 4096], [0u8; 4096]);
    let (mut out_open, mut err_open, mut exited) = (true, true, false);
    while out_open || err_open || !exited {
        let chunk: Option<&[u8]> = tokio::select! {
            r = stdout.read(&mut b1), if out_open => match r {
                Ok(n) if n > 0 => Some(&b1[..n]),
                _ => { out_open = false; None }
            },
            r = stderr.read(&mut b2), if err_open => match r {
                Ok(n) if n > 0 => Some(&b2[..n]),
                _ => { err_open = false; None }
            },
            s = child.wait(), if !exited => {
                exited = true;
                if let Ok(s) = s {
                    lock(&out).exit = Some(s);
                }
                None
            }
        };
        if let Some(bytes) = chunk {
            lock(&out).push(bytes);
            if let Some(f) = &mut file {
                if f.write_all(bytes).await.is_err() {
                    file = None;
                }
            }
        }
    }
    if let Some(f) = &mut file {
        let _ = f.flush().await;
    }
}

fn kill_group(pgid: libc::pid_t, sig: libc::c_int) {
    // SAFETY: killpg has no memory-safety preconditions; pgid > 0 was checked
    // when the job was made, so this never signals every process.
    unsafe {
        libc::killpg(pgid, sig);
    }
}

/// Whether any process of the group is still alive.
fn group_alive(pgid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::killpg(pgid, 0) == 0 }
}

fn status_line(o: &Out, started: Instant) -> String {
    match o.exit {
        None => format!("status: running ({})", elapsed(started)),
        Some(s) => {
            use std::os::unix::process::ExitStatusExt;
            let how = match (s.code(), s.signal()) {
                (Some(c), _) => format!("exit code: {c}"),
                (None, Some(sig)) => format!("killed by signal {sig}"),
                _ => "exit code: unknown".to_string(),
            };
            let by = if o.killed {
                " (stopped by kill_shell)"
            } else {
                ""
            };
            format!("status: exited, {how}{by}")
        }
    }
}

fn elapsed(since: Instant) -> String {
    let s = since.elapsed().as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, s / 60 % 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

fn unknown(id: &str) -> String {
    let known: Vec<String> = jobs().jobs.iter().map(|j| j.id.clone()).collect();
    if known.is_empty() {
        format!("no background command `{id}` (none has been started)")
    } else {
        format!("no background command `{id}`; known: {}", known.join(", "))
    }
}

/// Accepts `bg3` and `3`.
fn find<'a>(reg: &'a Registry, id: &str) -> Option<&'a Job> {
    let id = id.trim();
    reg.jobs
        .iter()
        .find(|j| j.id == id || j.id.strip_prefix("bg") == Some(id))
}

/// What the job printed since the last read (lines matching `filter` only,
/// when given), then its status. Reading consumes the output.
pub fn read(id: &str, filter: Option<&regex::Regex>) -> Result<String, String> {
    let reg = jobs();
    let Some(job) = find(&reg, id) else {
        drop(reg);
        return Err(unknown(id));
    };
    let mut o = lock(&job.out);
    let bytes: Vec<u8> = o.unread.drain(..).collect();
    let dropped = std::mem::take(&mut o.dropped);
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if let Some(re) = filter {
        let kept: Vec<&str> = text.lines().filter(|l| re.is_match(l)).collect();
        text = kept.join("\n");
    }
    let mut s = String::new();
    if dropped > 0 {
        s.push_str(&format!("[{dropped} earlier bytes not shown"));
        match &job.file {
            Some(f) => s.push_str(&format!("; the whole output is in {}]\n", f.display())),
            None => s.push_str("]\n"),
        }
    }
    if text.is_empty() {
        s.push_str("(no new output)\n");
    } else {
        s.push_str(&text);
        if !text.ends_with('\n') {
            s.push('\n');
        }
    }
    s.push_str(&status_line(&o, job.started));
    Ok(s)
}

/// Stops the job's whole process group: SIGTERM, then SIGKILL for whatever
/// is still there after a grace period.
pub async fn kill(id: &str) -> Result<String, String> {
    let (pgid, out, jid) = {
        let reg = jobs();
        let Some(job) = find(&reg, id) else {
            drop(reg);
            return Err(unknown(id));
        };
        (job.pgid, job.out.clone(), job.id.clone())
    };
    if !lock(&out).running() && !group_alive(pgid) {
        return Ok(format!("{jid} had already exited"));
    }
    lock(&out).killed = true;
    kill_group(pgid, libc::SIGTERM);
    let until = Instant::now() + TERM_GRACE;
    while Instant::now() < until && group_alive(pgid) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if group_alive(pgid) {
        kill_group(pgid, libc::SIGKILL);
    }
    // Give the reader a moment to record the exit status.
    for _ in 0..20 {
        if !lock(&out).running() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Ok(format!("stopped {jid} (its process group)"))
}

/// Stops every job at once (wisp exiting, `/clear`); SIGKILL, no waiting.
pub fn stop_all() -> usize {
    let mut reg = jobs();
    let mut n = 0;
    for j in reg.jobs.drain(..) {
        let mut o = lock(&j.out);
        if o.running() || group_alive(j.pgid) {
            o.killed = true;
            kill_group(j.pgid, libc::SIGKILL);
            n += 1;
        }
    }
    n
}

/// One line per job for `/jobs`: id, status, running time, command.
pub fn list() -> Vec<String> {
    jobs()
        .jobs
        .iter()
        .map(|j| {
            let o = lock(&j.out);
            let status = match o.exit {
                None => format!("running {}", elapsed(j.started)),
                Some(_) => status_line(&o, j.started)
                    .trim_start_matches("status: ")
                    .to_string(),
            };
            let cmd = super::util::first_line(&j.command, 60);
            format!("{:5} {:28} {cmd}", j.id, status)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::ToolCtx;
    use serde_json::json;

    fn id_of(started: &str) -> String {
        started
            .split("with id ")
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_alphanumeric()).next())
            .expect("an id")
            .to_string()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn unread_output_is_capped_and_saved_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ctx = ToolCtx::new(dir.path().to_path_buf());
        ctx.spill_dir = Some(dir.path().join("session"));
        let bash = crate::tools::Registry::builtin().get("bash").expect("bash");
        let args = json!({"command": "seq 1 20000; echo END", "run_in_background": true});
        let started = bash.run(&args, &ctx).await;
        assert!(!started.is_error, "{}", started.content);
        let id = id_of(&started.content);
        let mut out = String::new();
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            out = read(&id, None).expect("known id");
            if out.contains("status: exited") {
                break;
            }
        }
        assert!(out.ends_with("status: exited, exit code: 0"), "{out}");
        assert!(
            out.contains("19999\n20000\nEND\n"),
            "the newest output is kept"
        );
        assert!(out.len() < UNREAD_MAX + 300, "{}", out.len());
        let note = out.lines().next().expect("a first line");
        assert!(note.contains("earlier bytes not shown"), "{note}");
        let path = note
            .split("is in ")
            .nth(1)
            .expect("file")
            .trim_end_matches(']');
        let whole = std::fs::read_to_string(path).expect("saved output");
        assert!(whole.starts_with("1\n2\n3\n") && whole.ends_with("20000\nEND\n"));
        // Read again: nothing new, still exited.
        let again = read(&id, None).expect("known id");
        assert!(again.starts_with("(no new output)"), "{again}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn filter_keeps_matching_lines_and_unknown_ids_say_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ctx = ToolCtx::new(dir.path().to_path_buf());
        let bash = crate::tools::Registry::builtin().get("bash").expect("bash");
        let args = json!({"command": "echo keep one; echo drop; echo keep two", "run_in_background": true});
        let id = id_of(&bash.run(&args, &ctx).await.content);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let re = regex::Regex::new("^keep").expect("regex");
        let out = read(&id, Some(&re)).expect("known id");
        assert!(out.starts_with("keep one\nkeep two\n"), "{out}");
        assert!(!out.contains("drop"), "{out}");
        assert!(read("bg99999", None)
            .unwrap_err()
            .contains("no background command"));
    }
}
