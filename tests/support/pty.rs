//! A pseudo-terminal for tests: runs a command as a terminal session (its own
//! controlling tty, a window size that can change), records everything it
//! prints with the time it arrived, and types keys into it.
#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Output chunks and when each arrived.
type Log = Arc<Mutex<Vec<(Instant, Vec<u8>)>>>;

pub struct Pty {
    master: File,
    child: Child,
    /// Output so far, and when each chunk arrived.
    out: Log,
}

fn winsize(cols: u16, rows: u16) -> libc::winsize {
    libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

impl Pty {
    pub fn spawn(mut cmd: Command, cols: u16, rows: u16) -> Pty {
        let (mut m, mut s) = (0, 0);
        let ws = winsize(cols, rows);
        // SAFETY: openpty fills two descriptors we then own.
        let rc =
            unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) };
        assert_eq!(rc, 0, "openpty");
        let master = unsafe { File::from_raw_fd(m) };
        let slave = unsafe { File::from_raw_fd(s) };
        cmd.stdin(Stdio::from(slave.try_clone().expect("dup")))
            .stdout(Stdio::from(slave.try_clone().expect("dup")))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY, 0);
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn in pty");
        drop(cmd);
        let out: Log = Arc::default();
        let (mut reader, sink) = (master.try_clone().expect("dup"), out.clone());
        let mut answer = master.try_clone().expect("dup");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                // The line editor may ask where the cursor is; answer as a terminal would.
                if buf[..n].windows(4).any(|w| w == b"\x1b[6n") {
                    let _ = answer.write_all(b"\x1b[1;1R");
                }
                sink.lock()
                    .unwrap()
                    .push((Instant::now(), buf[..n].to_vec()));
            }
        });
        Pty { master, child, out }
    }

    /// Types `bytes` as keys.
    pub fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("write to pty");
    }

    /// Changes the window size (the child gets SIGWINCH).
    pub fn resize(&self, cols: u16, rows: u16) {
        let ws = winsize(cols, rows);
        use std::os::fd::AsRawFd;
        // SAFETY: sets the size of the pty we own.
        unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
    }

    /// Everything printed so far, lossily decoded.
    pub fn text(&self) -> String {
        let out = self.out.lock().unwrap();
        let bytes: Vec<u8> = out.iter().flat_map(|(_, b)| b.clone()).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// When `needle` was first complete in the output.
    pub fn seen_at(&self, needle: &str) -> Option<Instant> {
        let out = self.out.lock().unwrap();
        let mut bytes = Vec::new();
        for (t, b) in out.iter() {
            bytes.extend_from_slice(b);
            if String::from_utf8_lossy(&bytes).contains(needle) {
                return Some(*t);
            }
        }
        None
    }

    /// Waits until `needle` appears; panics after `secs`.
    pub fn wait_for(&self, needle: &str, secs: u64) -> String {
        let start = Instant::now();
        loop {
            let t = self.text();
            if t.contains(needle) {
                return t;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "timed out waiting for {needle:?}; output so far:\n{t:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the output after `from` chars contains `needle`.
    pub fn wait_after(&self, from: usize, needle: &str, secs: u64) -> String {
        let start = Instant::now();
        loop {
            let t = self.text();
            let tail: String = t.chars().skip(from).collect();
            if tail.contains(needle) {
                return tail;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "timed out waiting for {needle:?}; output since mark:\n{tail:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A mark for [`Pty::wait_after`]: the number of chars printed so far.
    pub fn mark(&self) -> usize {
        self.text().chars().count()
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
