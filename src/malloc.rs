//! Heap settings for a long-running process.
//!
//! glibc's per-thread cache keeps up to seven freed chunks of every small
//! size, and those count as in use: they pin heap pages that `malloc_trim`
//! would otherwise give back. Over a long session that made RSS grow about
//! twice as fast as the conversation. glibc reads the setting that turns the
//! cache off only from the environment at start-up, so wisp executes itself
//! once more with it, then puts the environment back as the user had it, so
//! no command it runs inherits the setting.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    use std::os::unix::process::CommandExt;

    const TUNABLES: &str = "GLIBC_TUNABLES";
    const SETTING: &str = "glibc.malloc.tcache_count=0";
    /// Set for the second run: `-` when the user had no tunables, else `=`
    /// followed by theirs.
    const MARK: &str = "WISP_MALLOC_TUNED";

    pub fn tune() {
        if let Some(mark) = std::env::var_os(MARK) {
            restore(mark);
            return;
        }
        let own = std::env::var_os(TUNABLES);
        let mut value = OsString::new();
        let mut mark = OsString::from("-");
        if let Some(own) = own {
            if !own.is_empty() {
                value.push(&own);
                value.push(":");
            }
            mark = OsString::from("=");
            mark.push(own);
        }
        value.push(SETTING);
        let mut args = std::env::args_os();
        let arg0 = args.next().unwrap_or_default();
        // Only returns on failure (no /proc, say): then wisp runs as it is.
        let _ = std::process::Command::new("/proc/self/exe")
            .arg0(arg0)
            .args(args)
            .env(TUNABLES, value)
            .env(MARK, mark)
            .exec();
    }

    fn restore(mark: OsString) {
        // Still one thread: nothing else reads the environment yet.
        std::env::remove_var(MARK);
        let bytes = mark.into_vec();
        match bytes.split_first() {
            Some((b'=', own)) => std::env::set_var(TUNABLES, OsString::from_vec(own.to_vec())),
            _ => std::env::remove_var(TUNABLES),
        }
    }
}

/// Re-executes wisp once with glibc's small-chunk cache off; returns in the
/// second run, with the environment as the user set it.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    imp::tune();
}

/// Hands memory freed during a turn (request bodies that held the whole
/// history) back to the system, so a long session's RSS tracks what it
/// keeps rather than its largest request. glibc keeps freed heap otherwise.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}
