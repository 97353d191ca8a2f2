//! Landlock for the file system: a ruleset that lets a command read
//! everything and write only beneath its writable roots, enforced on the
//! calling thread.
//!
//! Written against the kernel ABI directly (three system calls and two
//! structs) rather than the `landlock` crate: this is all wisp needs of it.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

const EXECUTE: u64 = 1 << 0;
const WRITE_FILE: u64 = 1 << 1;
const READ_FILE: u64 = 1 << 2;
const READ_DIR: u64 = 1 << 3;
/// Every right of ABI 1: bits 0 (execute) to 12 (make symlink).
const ABI1: u64 = (1 << 13) - 1;
const REFER: u64 = 1 << 13;
const TRUNCATE: u64 = 1 << 14;
const IOCTL_DEV: u64 = 1 << 15;
/// The rights the kernel accepts on a rule for a file (not a directory).
const FILE_RIGHTS: u64 = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV;

const CREATE_RULESET_VERSION: libc::c_uint = 1;
const RULE_PATH_BENEATH: libc::c_int = 1;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
}

#[repr(C, packed)]
struct PathBeneath {
    allowed_access: u64,
    parent_fd: i32,
}

/// The kernel's Landlock ABI version, or why there is none.
pub fn abi() -> Result<i64, String> {
    // SAFETY: with a null attribute and size 0, this flag only asks for the
    // version; no memory is read or written.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<RulesetAttr>(),
            0usize,
            CREATE_RULESET_VERSION,
        )
    };
    if v >= 1 {
        return Ok(v);
    }
    Err(match io::Error::last_os_error().raw_os_error() {
        Some(libc::ENOSYS) => "the kernel has no Landlock support".into(),
        Some(libc::EOPNOTSUPP) => "Landlock is disabled in this kernel (boot option lsm=)".into(),
        _ => format!("Landlock is unusable: {}", io::Error::last_os_error()),
    })
}

/// What the kernel of this ABI version can restrict.
fn handled(abi: i64) -> u64 {
    let mut all = ABI1;
    if abi >= 2 {
        all |= REFER;
    }
    if abi >= 3 {
        all |= TRUNCATE;
    }
    if abi >= 5 {
        all |= IOCTL_DEV;
    }
    all
}

/// A ruleset, ready to be enforced in a child.
pub struct Ruleset(OwnedFd);

impl Ruleset {
    /// Reads, runs and device ioctls everywhere; every right beneath each of
    /// `writable` (a missing path is skipped: `$TMPDIR` may not exist).
    pub fn build(writable: &[&Path]) -> io::Result<Ruleset> {
        let abi = abi().map_err(io::Error::other)?;
        let all = handled(abi);
        let attr = RulesetAttr {
            handled_access_fs: all,
        };
        // SAFETY: attr is a live, correctly sized struct for the call.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_landlock_create_ruleset,
                &attr as *const RulesetAttr,
                std::mem::size_of::<RulesetAttr>(),
                0u32,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the kernel just returned this descriptor, owned by no one else.
        let rs = Ruleset(unsafe { OwnedFd::from_raw_fd(fd as RawFd) });
        rs.allow(
            Path::new("/"),
            (EXECUTE | READ_FILE | READ_DIR | IOCTL_DEV) & all,
        )?;
        for p in writable {
            rs.allow(p, all)?;
        }
        Ok(rs)
    }

    fn allow(&self, path: &Path, access: u64) -> io::Result<()> {
        let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
            return Ok(());
        };
        // SAFETY: c is a valid C string; O_PATH opens without reading.
        let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
        if fd < 0 {
            return Ok(());
        }
        // SAFETY: the descriptor was just opened and is owned here.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let is_dir = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
        let access = if is_dir { access } else { access & FILE_RIGHTS };
        let rule = PathBeneath {
            allowed_access: access,
            parent_fd: fd.as_raw_fd(),
        };
        // SAFETY: rule is a live packed struct of the layout the kernel expects.
        let r = unsafe {
            libc::syscall(
                libc::SYS_landlock_add_rule,
                self.0.as_raw_fd(),
                RULE_PATH_BENEATH,
                &rule as *const PathBeneath,
                0u32,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Enforces the ruleset on the calling thread (and what it spawns after);
    /// no_new_privs too, which Landlock requires. Irreversible for the thread.
    pub fn enforce(&self) -> io::Result<()> {
        // SAFETY: prctl and the raw system call take plain integers.
        unsafe {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::syscall(libc::SYS_landlock_restrict_self, self.0.as_raw_fd(), 0u32) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }
}
