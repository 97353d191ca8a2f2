//! Heap upkeep for a long-running process: hands memory freed during a turn
//! back to the system.
//!
//! wisp once re-executed itself at start-up to turn glibc's per-thread cache
//! off (`GLIBC_TUNABLES`); that changed how wisp starts (it broke launching
//! through the dynamic loader, overrode the user's tunables, ran start-up
//! twice and hid the process from valgrind). Measured over the 200-turn
//! session of `scripts/bench`, `malloc_trim` alone ends about 0.2 MiB higher
//! than with the cache off, well within budget; `mallopt` thresholds
//! (arena_max, trim and mmap thresholds, mxfast) changed nothing measurable,
//! and dlmalloc as the global allocator grew twice as fast, since it never
//! returns free pages in the middle of its segments.

/// Hands memory freed during a turn (request bodies that held the whole
/// history, a rejected oversized line) back to the system, so a long
/// session's RSS tracks what it keeps rather than its largest request.
/// glibc keeps freed heap otherwise.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}
