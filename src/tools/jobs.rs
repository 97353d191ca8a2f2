//! Background commands: the registry behind `bash {run_in_background}`,
//! `bash_output`, `kill_shell`, `/jobs` and `/kill`.
//!
//! A job is a shell in its own process group whose stdout and stderr go
//! straight into a log file in the session's folder: the whole output is kept
//! with no reader task and no buffer in wisp, and `bash_output` reads the file
//! from where the last read stopped. Jobs belong to the wisp process, not to
//! one conversation: the registry is process-wide so every exit path can stop
//! them all. It holds nothing until the first background command starts.

use super::ToolOutput;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Most new bytes one read returns; older unread output is skipped (it stays
/// in the log file).
const UNREAD_MAX: u64 = 24_000;
/// How long `kill` waits after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_millis(1500);

struct Job {
    id: String,
    command: String,
    pgid: libc::pid_t,
    started: Instant,
    log: PathBuf,
    /// Where the next read starts.
    read_to: u64,
    child: tokio::process::Child,
    exit: Option<ExitStatus>,
    killed: bool,
    /// Protected files as they were when the job started: put back (on
    /// drop) once it has exited, or when wisp stops it.
    sandbox: Option<crate::sandbox::Applied>,
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

/// Sets how many background commands may run at once (config `max_background`).
pub fn set_max(max: usize) {
    jobs().max = max.max(1);
}

impl Job {
    /// Notes the exit status once the shell has exited.
    fn poll(&mut self) {
        if self.exit.is_none() {
            if let Ok(Some(s)) = self.child.try_wait() {
                self.exit = Some(s);
                self.sandbox = None;
            }
        }
    }

    fn running(&mut self) -> bool {
        self.poll();
        self.exit.is_none()
    }
}

/// Checks there is room for another job, reserves its id and creates its
/// log file (in the session's folder, else the temporary directory).
pub fn prepare(dir: Option<&Path>) -> Result<(String, std::fs::File, PathBuf), ToolOutput> {
    let mut reg = jobs();
    let running = reg
        .jobs
        .iter_mut()
        .filter_map(|j| j.running().then_some(()))
        .count();
    if running >= reg.max {
        return Err(ToolOutput::err(format!(
            "{running} background commands are already running (max_background); stop one with kill_shell first"
        )));
    }
    let id = format!("bg{}", reg.next);
    reg.next += 1;
    let dir = dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let path = dir.join(format!("{id}-{}.log", std::process::id()));
    let file = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::File::create(&path))
        .map_err(|e| ToolOutput::err(format!("cannot create {}: {e}", path.display())))?;
    Ok((id, file, path))
}

/// Registers a started job and returns what the model reads.
pub fn start(
    id: String,
    command: &str,
    child: tokio::process::Child,
    log: PathBuf,
    sandbox: crate::sandbox::Applied,
) -> ToolOutput {
    let Some(pgid) = child
        .id()
        .and_then(|id| libc::pid_t::try_from(id).ok())
        .filter(|&id| id > 0)
    else {
        return ToolOutput::err("the background command exited before it could be tracked");
    };
    let msg = format!(
        "started in the background with id {id}; its whole output goes to {}. Read new output with bash_output {{\"id\": \"{id}\"}}; stop it with kill_shell.",
        log.display()
    );
    jobs().jobs.push(Job {
        id,
        command: command.to_string(),
        pgid,
        started: Instant::now(),
        log,
        read_to: 0,
        child,
        exit: None,
        killed: false,
        sandbox: Some(sandbox),
    });
    ToolOutput::ok(msg)
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

fn status_line(j: &mut Job) -> String {
    j.poll();
    match j.exit {
        None => format!("status: running ({})", elapsed(j.started)),
        Some(s) => {
            use std::os::unix::process::ExitStatusExt;
            let how = match (s.code(), s.signal()) {
                (Some(c), _) => format!("exit code: {c}"),
                (None, Some(sig)) => format!("killed by signal {sig}"),
                _ => "exit code: unknown".to_string(),
            };
            let by = if j.killed {
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

/// Runs `f` on job `id` (`bg3` or `3`), or says which ids exist.
fn with_job<T>(id: &str, f: impl FnOnce(&mut Job) -> T) -> Result<T, String> {
    let mut reg = jobs();
    let id = id.trim();
    if let Some(j) = reg
        .jobs
        .iter_mut()
        .find(|j| j.id == id || j.id.strip_prefix("bg") == Some(id))
    {
        return Ok(f(j));
    }
    let known: Vec<&str> = reg.jobs.iter().map(|j| j.id.as_str()).collect();
    Err(if known.is_empty() {
        format!("no background command `{id}` (none has been started)")
    } else {
        format!("no background command `{id}`; known: {}", known.join(", "))
    })
}

/// What the job printed since the last read (lines matching `filter` only,
/// when given), then its status. Reading consumes the output.
pub fn read(id: &str, filter: Option<&regex::Regex>) -> Result<String, String> {
    with_job(id, |j| {
        // The status first: output written before the exit is then all in the file.
        let status = status_line(j);
        let mut s = String::new();
        let mut bytes = Vec::new();
        let read = std::fs::File::open(&j.log).and_then(|mut f| {
            let end = f.seek(SeekFrom::End(0))?;
            let from = j.read_to.max(end.saturating_sub(UNREAD_MAX));
            if from > j.read_to {
                s.push_str(&format!(
                    "[{} earlier bytes not shown; the whole output is in {}]\n",
                    from - j.read_to,
                    j.log.display()
                ));
            }
            f.seek(SeekFrom::Start(from))?;
            f.take(end - from).read_to_end(&mut bytes)?;
            j.read_to = end;
            Ok(())
        });
        if let Err(e) = read {
            s.push_str(&format!("[cannot read {}: {e}]\n", j.log.display()));
        }
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(re) = filter {
            let kept: Vec<&str> = text.lines().filter(|l| re.is_match(l)).collect();
            text = kept.join("\n");
        }
        if text.is_empty() {
            s.push_str("(no new output)\n");
        } else {
            s.push_str(&text);
            if !text.ends_with('\n') {
                s.push('\n');
            }
        }
        s.push_str(&status);
        s
    })
}

/// Stops the job's whole process group: SIGTERM, then SIGKILL for whatever
/// is still there after a grace period.
pub async fn kill(id: &str) -> Result<String, String> {
    let (pgid, jid, running) = with_job(id, |j| (j.pgid, j.id.clone(), j.running()))?;
    if !running && !group_alive(pgid) {
        return Ok(format!("{jid} had already exited"));
    }
    with_job(&jid, |j| j.killed = true)?;
    kill_group(pgid, libc::SIGTERM);
    let until = Instant::now() + TERM_GRACE;
    // The shell is a child of wisp: it stays a zombie, counted alive, until
    // reaped, so reap while waiting.
    while Instant::now() < until && (with_job(&jid, Job::running)? || group_alive(pgid)) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if group_alive(pgid) {
        kill_group(pgid, libc::SIGKILL);
    }
    for _ in 0..20 {
        if !with_job(&jid, Job::running)? {
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
    for mut j in reg.jobs.drain(..) {
        if j.running() || group_alive(j.pgid) {
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
        .iter_mut()
        .map(|j| {
            let status = match j.running() {
                true => format!("running {}", elapsed(j.started)),
                false => status_line(j).trim_start_matches("status: ").to_string(),
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
        assert!((out.len() as u64) < UNREAD_MAX + 300, "{}", out.len());
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
