//! What this process looks like from the kernel: its threads, read through `procview` (so
//! where the test cannot see /proc, the supervisor answers), and the calling thread's own
//! counters, read from the kernel directly. Linux only; elsewhere `None`.

use std::time::{Duration, Instant};

/// How many threads this process has now.
pub fn thread_count() -> Option<usize> {
    procview::threads(std::process::id()).map(|t| t.len())
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

/// This process's thread count before a test starts threads, or skips the test where threads
/// cannot be counted ([`crate::Needs::Threads`]).
pub fn baseline_threads() -> usize {
    crate::require_some(crate::Needs::Threads, thread_count())
}

/// Threads beyond `baseline` still alive once joined threads have had up to `limit` to leave
/// the task list.
pub fn threads_left(baseline: usize, limit: Duration) -> usize {
    settle_threads(baseline, limit).unwrap_or(baseline).saturating_sub(baseline)
}

/// Waits up to `limit` until every other thread of this process has been seen asleep twice in
/// a row (idle workers back in their wait); returns whether they were. A test that must act on
/// sleeping threads (wake them all) waits for this instead of guessing with a sleep, which a
/// busy machine outlasts.
pub fn others_asleep(limit: Duration) -> bool {
    let (me, pid) = (current_thread(), std::process::id());
    let until = Instant::now() + limit;
    let mut in_a_row = 0;
    while Instant::now() < until {
        let asleep = procview::threads(pid).is_some_and(|tids| {
            tids.into_iter()
                .filter(|t| Some(*t) != me)
                .all(|t| thread_state(t).is_none_or(|s| s == 'S' || s == 'D'))
        });
        in_a_row = if asleep { in_a_row + 1 } else { 0 };
        if in_a_row == 2 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// The calling thread's kernel id, to hand to another thread that watches it.
pub fn current_thread() -> Option<u32> {
    procview::own_tid()
}

/// The kernel's state letter of thread `tid` of this process (R running, S asleep, ...).
pub fn thread_state(tid: u32) -> Option<char> {
    procview::thread(std::process::id(), tid).map(|t| t.state)
}

/// CPU time the calling thread has used, from its own CPU clock (exact at any moment).
pub fn thread_cpu() -> Option<Duration> {
    procview::thread_cpu(procview::own_tid()?)
}

/// How long the calling thread has been ready to run but kept waiting for a core, over its
/// life (the scheduler's run delay): what a busy machine, not the code, cost it.
pub fn run_delay() -> Option<Duration> {
    procview::schedstat(std::process::id(), Some(procview::own_tid()?)).map(|s| s.waiting)
}

/// How often the calling thread has gone to sleep waiting (voluntary context switches), from
/// `getrusage`: asking /proc through the supervisor would itself put the thread to sleep.
pub fn voluntary_switches() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        use nix::sys::resource::{UsageWho, getrusage};
        getrusage(UsageWho::RUSAGE_THREAD).ok().map(|u| u.voluntary_context_switches() as u64)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_sleeping_thread_shows_asleep_and_switches() {
        let (tx, rx) = std::sync::mpsc::channel();
        let h = std::thread::spawn(move || {
            tx.send(current_thread().unwrap()).unwrap();
            std::thread::sleep(Duration::from_millis(300));
            voluntary_switches().unwrap()
        });
        let tid = rx.recv().unwrap();
        let until = Instant::now() + Duration::from_secs(5);
        while thread_state(tid) != Some('S') && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(thread_state(tid), Some('S'));
        assert!(thread_count().unwrap() >= 2);
        assert!(h.join().unwrap() >= 1);
        assert!(thread_cpu().is_some());
    }
}
