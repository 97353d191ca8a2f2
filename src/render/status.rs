//! The "working" indicator while a turn runs: on a terminal, one status line
//! (elapsed time, tokens so far, what is running) redrawn in place with `\r`
//! and erased before anything else is printed; elsewhere, at most one
//! "working" line per turn after a few quiet seconds.
//!
//! It exists only while a turn runs: no timer, no allocation at the prompt.
//! State is process-wide so every print site (`render::println`, the
//! renderer, approval prompts) can erase the line without being handed it.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Quiet time before the one "working" line in pipes and plain mode.
const QUIET: Duration = Duration::from_secs(3);

struct State {
    /// Draw the in-place line (a terminal, not screen-reader mode).
    tty: bool,
    /// Dim it (not under `NO_COLOR`).
    dim: bool,
    started: Instant,
    /// Output tokens reported by finished model calls this turn.
    tokens: u64,
    /// Characters streamed by the call in flight (estimated as tokens / 4).
    streamed: usize,
    /// What runs now: a tool and its summary, or empty while the model answers.
    doing: String,
    /// The line is on screen and must be erased before other output.
    drawn: bool,
    /// The cursor is mid-line (a partial answer line): nothing may be drawn.
    mid_line: bool,
    /// A prompt is being read: nothing may be drawn.
    hidden: bool,
    /// When something was last printed (pipes: the "working" line follows quiet).
    printed: Instant,
    /// Pipes: the "working" line was already printed this turn.
    announced: bool,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut State) -> R) -> Option<R> {
    let mut g = STATE.lock().ok()?;
    g.as_mut().map(f)
}

/// Starts the indicator for a turn. `tty`: stdout is a terminal and styling of
/// the live line is wanted (not screen-reader mode).
pub fn begin(tty: bool, dim: bool) {
    if let Ok(mut g) = STATE.lock() {
        *g = Some(State {
            tty,
            dim,
            started: Instant::now(),
            tokens: 0,
            streamed: 0,
            doing: String::new(),
            drawn: false,
            mid_line: false,
            hidden: false,
            printed: Instant::now(),
            announced: false,
        });
    }
}

/// Ends the indicator: erases the line and forgets everything.
pub fn end() {
    clear();
    if let Ok(mut g) = STATE.lock() {
        *g = None;
    }
}

/// Erases the status line if it is drawn; call before printing anything.
pub fn clear() {
    with(|s| {
        s.printed = Instant::now();
        if s.drawn {
            s.drawn = false;
            let mut out = std::io::stdout();
            let _ = out.write_all(b"\r\x1b[K");
            let _ = out.flush();
        }
    });
}

/// While a prompt is read the line stays away (and is not redrawn).
pub fn hide(hidden: bool) {
    if hidden {
        clear();
    }
    with(|s| s.hidden = hidden);
}

/// Whether the answer left the cursor mid-line.
pub fn mid_line(mid: bool) {
    with(|s| s.mid_line = mid);
}

/// Counts streamed answer characters.
pub fn streamed(chars: usize) {
    with(|s| s.streamed += chars);
}

/// A model call finished with `output` tokens.
pub fn call_done(output: u64) {
    with(|s| {
        s.tokens += output;
        s.streamed = 0;
    });
}

/// What runs now (`bash sleep 30`), or "" when waiting for the model.
pub fn doing(what: &str) {
    with(|s| {
        s.doing.clear();
        s.doing.push_str(what.lines().next().unwrap_or(""));
    });
}

/// Redraws the line now (terminal) or prints the one "working" line (pipes).
fn tick(width: usize) {
    with(|s| {
        let secs = s.started.elapsed().as_secs();
        if !s.tty {
            if !s.announced && s.printed.elapsed() >= QUIET {
                s.announced = true;
                let mut err = std::io::stderr();
                let _ = writeln!(err, "wisp: working… ({secs}s)");
            }
            return;
        }
        if s.hidden || s.mid_line {
            return;
        }
        let line = status_text(secs, s.tokens + (s.streamed / 4) as u64, &s.doing);
        let line = fit(&line, width.saturating_sub(1));
        let mut out = std::io::stdout();
        let _ = if s.dim {
            write!(out, "\r\x1b[K\x1b[2m{line}\x1b[0m")
        } else {
            write!(out, "\r\x1b[K{line}")
        };
        let _ = out.flush();
        s.drawn = true;
    });
}

/// `working · 12s · 340 tokens · bash sleep 30 · Esc to interrupt`
pub fn status_text(secs: u64, tokens: u64, doing: &str) -> String {
    let time = if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    };
    let mut s = format!("working · {time}");
    if tokens > 0 {
        s.push_str(&format!(" · {tokens} tokens"));
    }
    if !doing.is_empty() {
        s.push_str(" · ");
        s.push_str(&super::style::sanitize(doing));
    }
    s.push_str(" · Esc to interrupt");
    s
}

/// Cuts `s` to `width` columns (counted as chars) so it never wraps: a
/// wrapped line could not be erased with `\r`.
fn fit(s: &str, width: usize) -> &str {
    match s.char_indices().nth(width) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Runs `work` with the indicator ticking beside it (once a second on a
/// terminal); the ticks stop when the work ends. A tick is a lock and, on a
/// terminal, one short write: nothing measurable.
pub async fn around<F: std::future::Future>(tty: bool, dim: bool, work: F) -> F::Output {
    begin(tty, dim);
    let period = Duration::from_secs(1);
    if tty {
        tick(super::width());
    }
    tokio::pin!(work);
    let out = loop {
        tokio::select! {
            out = &mut work => break out,
            _ = tokio::time::sleep(period) => tick(super::width()),
        }
    };
    end();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_names_time_tokens_and_work() {
        assert_eq!(
            status_text(75, 340, "bash sleep 30"),
            "working · 1m15s · 340 tokens · bash sleep 30 · Esc to interrupt"
        );
        assert_eq!(status_text(3, 0, ""), "working · 3s · Esc to interrupt");
        assert_eq!(fit("abcdef", 3), "abc");
        assert_eq!(fit("ab", 3), "ab");
    }
}
