//! The network filter: a seccomp program that refuses every socket that is
//! not a Unix socket (so no TCP, UDP, raw or netlink traffic) and io_uring
//! (which could open sockets without the `socket` system call).
//!
//! Hand-written classic BPF, a dozen instructions, rather than the
//! `seccompiler` crate: that crate matches exact system call numbers, and on
//! x86-64 the x32 numbering (`nr | 0x4000_0000`, same audit arch) would slip
//! past such a list; here every x32 call is refused by one range check.

use std::io;

#[cfg(target_arch = "x86_64")]
const ARCH: u32 = 0xC000_003E; // AUDIT_ARCH_X86_64
#[cfg(target_arch = "aarch64")]
const ARCH: u32 = 0xC000_00B7; // AUDIT_ARCH_AARCH64

const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGE_K: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const RET_K: u16 = 0x06; // BPF_RET | BPF_K

const RET_ALLOW: u32 = 0x7fff_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_KILL_PROCESS: u32 = 0x8000_0000;

/// Offsets in `struct seccomp_data`.
const NR: u32 = 0;
const AUDIT_ARCH: u32 = 4;
const ARG0: u32 = 16; // low 32 bits on little-endian targets

/// Whether this CPU architecture has a filter.
pub const SUPPORTED: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

/// A compiled filter.
pub struct Filter(Vec<libc::sock_filter>);

fn op(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

impl Filter {
    /// Refuses with EPERM: `socket`/`socketpair` for any family but
    /// AF_UNIX, `io_uring_setup`, and (x86-64) every x32 call. A call from
    /// another architecture's table (32-bit compat) kills the process.
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    pub fn no_network() -> Filter {
        let errno = RET_ERRNO | libc::EPERM as u32;
        let mut p = vec![
            op(LD_W_ABS, AUDIT_ARCH, 0, 0),
            op(JEQ_K, ARCH, 1, 0),
            op(RET_K, RET_KILL_PROCESS, 0, 0),
            op(LD_W_ABS, NR, 0, 0),
        ];
        if cfg!(target_arch = "x86_64") {
            // Any x32 call is refused; everything else goes on to the checks.
            p.push(op(JGE_K, 0x4000_0000, 0, 1));
            p.push(op(RET_K, errno, 0, 0));
        }
        // From here: [0] socket? [1] socketpair? [2] io_uring? [3] allow,
        // [4] load the family, [5] unix? [6] allow, [7] refuse.
        let socket = libc::SYS_socket as u32;
        let pair = libc::SYS_socketpair as u32;
        let uring = libc::SYS_io_uring_setup as u32;
        p.extend([
            op(JEQ_K, socket, 3, 0),
            op(JEQ_K, pair, 2, 0),
            op(JEQ_K, uring, 4, 0),
            op(RET_K, RET_ALLOW, 0, 0),
            op(LD_W_ABS, ARG0, 0, 0),
            op(JEQ_K, libc::AF_UNIX as u32, 0, 1),
            op(RET_K, RET_ALLOW, 0, 0),
            op(RET_K, errno, 0, 0),
        ]);
        Filter(p)
    }

    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    pub fn no_network() -> Filter {
        Filter(Vec::new())
    }

    /// Installs the filter on the calling thread (needs no_new_privs,
    /// which Landlock's enforcement sets first).
    pub fn install(&self) -> io::Result<()> {
        let prog = libc::sock_fprog {
            len: self.0.len() as u16,
            filter: self.0.as_ptr() as *mut libc::sock_filter,
        };
        // SPEC_ALLOW: without it the kernel also turns on speculative-store
        // mitigations for the task, which made every sandboxed spawn about
        // a millisecond slower; side channels are not what this filter is for.
        // SAFETY: prog points at a live filter array for the call's duration.
        let r = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                &prog as *const libc::sock_fprog,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}
