//! What this process looks like from the kernel: its threads. Linux only; elsewhere `None`.

use std::time::{Duration, Instant};

/// How many threads this process has now.
pub fn thread_count() -> Option<usize> {
    if cfg!(target_os = "linux") {
        std::fs::read_dir("/proc/self/task").ok().map(|d| d.count())
    } else {
        None
    }
}

/// Waits up to `limit` for the thread count to fall to `target`; returns the last count seen.
/// Joined threads leave the task list a moment after `join` returns.
pub fn settle_threads(target: usize, limit: Duration) -> Option<usize> {
    let until = Instant::now() + limit;
    loop {
        let n = thread_count()?;
        if n <= target || Instant::now() >= until {
            return Some(n);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
