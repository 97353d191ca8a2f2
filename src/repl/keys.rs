//! Keys pressed while a turn runs. Esc interrupts the turn exactly like
//! Ctrl-C; other typed text is kept and offered at the next prompt.
//!
//! Without this the terminal stays in cooked mode during a turn: Esc is
//! echoed as `^[`, does nothing, and its byte reaches the next prompt, where
//! the line editor reads it as Alt plus the first typed letter. A thread
//! (alive only while a turn runs, and paused while a prompt is read) switches
//! echo and line buffering off, keeps signals (Ctrl-C still works), and reads
//! the keys itself.

use crate::agent::cancel::Cancel;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

const ESC: u8 = 0x1b;
/// How long after an Esc byte more bytes mean an arrow or function key.
const SEQUENCE_GAP_MS: i32 = 40;

struct Running {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

struct Watcher {
    cancel: Cancel,
    running: Option<Running>,
    /// Bytes typed during the turn, for the next prompt.
    typed: Arc<Mutex<Vec<u8>>>,
}

static WATCH: Mutex<Option<Watcher>> = Mutex::new(None);

/// The watch of one turn; [`Turn::stop`] ends it.
pub struct Turn;

/// Starts watching the keyboard for the turn about to run (only on a terminal).
pub fn watch(tty: bool, cancel: Cancel) -> Turn {
    if tty {
        if let Ok(mut g) = WATCH.lock() {
            let mut w = Watcher {
                cancel,
                running: None,
                typed: Arc::default(),
            };
            w.running = start(&w);
            *g = Some(w);
        }
    }
    Turn
}

impl Turn {
    /// Ends the watch, restores the terminal, and returns what was typed.
    pub fn stop(self) -> String {
        let Some(mut w) = WATCH.lock().ok().and_then(|mut g| g.take()) else {
            return String::new();
        };
        halt(&mut w);
        let typed = w.typed.lock().map(|t| t.clone()).unwrap_or_default();
        String::from_utf8_lossy(&typed).into_owned()
    }
}

/// Stops reading keys while a prompt is read (an approval, a step pause);
/// reading resumes when the guard is dropped.
pub struct Paused(bool);

pub fn pause() -> Paused {
    let Ok(mut g) = WATCH.lock() else {
        return Paused(false);
    };
    match g.as_mut() {
        Some(w) if w.running.is_some() => {
            halt(w);
            Paused(true)
        }
        _ => Paused(false),
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        if !self.0 {
            return;
        }
        if let Ok(mut g) = WATCH.lock() {
            if let Some(w) = g.as_mut() {
                w.running = start(w);
            }
        }
    }
}

fn halt(w: &mut Watcher) {
    if let Some(r) = w.running.take() {
        r.stop.store(true, Ordering::SeqCst);
        let _ = r.thread.join();
    }
}

fn start(w: &Watcher) -> Option<Running> {
    let stop = Arc::new(AtomicBool::new(false));
    let (flag, cancel, typed) = (stop.clone(), w.cancel.clone(), w.typed.clone());
    let thread = std::thread::Builder::new()
        .name("keys".into())
        .spawn(move || read_keys(&flag, &cancel, &typed))
        .ok()?;
    Some(Running { stop, thread })
}

fn read_keys(stop: &AtomicBool, cancel: &Cancel, typed: &Mutex<Vec<u8>>) {
    let fd = libc::STDIN_FILENO;
    // SAFETY: plain termios calls on stdin with structs we own.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
        return;
    }
    let mut quiet = saved;
    quiet.c_lflag &= !(libc::ICANON | libc::ECHO);
    quiet.c_cc[libc::VMIN] = 0;
    quiet.c_cc[libc::VTIME] = 0;
    if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) } != 0 {
        return;
    }
    let mut buf = [0u8; 256];
    while !stop.load(Ordering::SeqCst) {
        let Some(n) = read_some(fd, &mut buf, 50) else {
            break;
        };
        if n == 0 {
            continue;
        }
        let mut keys = buf[..n].to_vec();
        // A lone Esc is the key; Esc followed at once by more is a sequence.
        if keys.last() == Some(&ESC) {
            let mut more = [0u8; 64];
            if let Some(m) = read_some(fd, &mut more, SEQUENCE_GAP_MS) {
                keys.extend_from_slice(&more[..m]);
            }
        }
        if let Ok(mut t) = typed.lock() {
            if take_keys(&keys, &mut t) {
                cancel.cancel();
            }
        }
    }
    // SAFETY: restores the attributes read above.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
}

/// Waits up to `ms` for input and reads it; None when stdin is gone.
fn read_some(fd: i32, buf: &mut [u8], ms: i32) -> Option<usize> {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd we own; read into a buffer of the length given.
    let n = unsafe { libc::poll(&mut p, 1, ms) };
    if n <= 0 {
        return Some(0);
    }
    if p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        return None;
    }
    let r = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    match r {
        0 => None,
        r if r < 0 => {
            std::thread::sleep(Duration::from_millis(10));
            Some(0)
        }
        r => Some(r as usize),
    }
}

/// Sorts keys: returns true for a lone Esc; printable text joins `typed`
/// (Backspace removes from it); sequences and other control keys are dropped.
fn take_keys(keys: &[u8], typed: &mut Vec<u8>) -> bool {
    let mut esc = false;
    let mut i = 0;
    while i < keys.len() {
        let b = keys[i];
        i += 1;
        match b {
            ESC => match keys.get(i) {
                None | Some(&ESC) => esc = true,
                Some(b'[') | Some(b'O') => {
                    // CSI/SS3: parameters, then one final byte in @..~.
                    i += 1;
                    while i < keys.len() && !(0x40..=0x7e).contains(&keys[i]) {
                        i += 1;
                    }
                    i += 1;
                }
                Some(_) => i += 1, // Alt+key
            },
            0x7f | 0x08 => {
                while let Some(last) = typed.pop() {
                    // Remove a whole UTF-8 character.
                    if last & 0xc0 != 0x80 {
                        break;
                    }
                }
            }
            b if b < 0x20 => {}
            b => typed.push(b),
        }
    }
    esc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_esc_interrupts_and_sequences_do_not() {
        let mut t = Vec::new();
        assert!(take_keys(b"\x1b", &mut t));
        assert!(!take_keys(b"\x1b[A\x1bOB", &mut t));
        assert!(t.is_empty());
        assert!(!take_keys("héllo\x7f\x7fx\r".as_bytes(), &mut t));
        assert_eq!(String::from_utf8(t.clone()).unwrap(), "hélx");
        assert!(take_keys(b"ab\x1b", &mut t));
        assert_eq!(String::from_utf8(t).unwrap(), "hélxab");
    }
}
