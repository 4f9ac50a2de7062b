//! What a test process was doing when its deadline came, read from /proc (Linux).
//!
//! Two samples of every thread's CPU time, a moment apart, tell a busy loop (threads burning
//! CPU) from a deadlock (every thread asleep on a futex: a lock, a condvar, a join).

use std::time::Duration;

use crate::model::stall::{Stall, StallKind};
#[cfg(target_os = "linux")]
use crate::{model::stall::ThreadState, supervisor::stacks};

/// Samples the threads of `pid` twice, `gap` apart, and classifies what they were doing over
/// the `life` it has had: threads that waited for a core for half of it were starved.
#[cfg(target_os = "linux")]
pub fn inspect(pid: u32, gap: Duration, life: Duration) -> Stall {
    let first = sample(pid);
    std::thread::sleep(gap);
    let second = sample(pid);
    let tick_ms = 1000 / procview::clock_ticks().max(1);
    let threads: Vec<ThreadState> = second
        .into_iter()
        .map(|(tid, mut t, cpu, waited)| {
            let cpu0 = first.iter().find(|(id, ..)| *id == tid).map_or(cpu, |(.., c0, _)| *c0);
            t.cpu_ms = cpu.saturating_sub(cpu0).as_millis() as u64;
            t.wait_ms = waited.as_millis() as u64;
            t
        })
        .collect();
    Stall { kind: classify(&threads, life, tick_ms), threads }
}

/// Adds where each thread of a stuck test was in the kata's code (not for a starved one: the
/// machine, not the code, held it up).
#[cfg(target_os = "linux")]
pub fn locate(stall: &mut Stall, pid: u32) {
    if matches!(stall.kind, StallKind::Deadlock | StallKind::Busy | StallKind::Sleeping) {
        for s in stacks::stacks(pid, STACKS_LIMIT) {
            if let Some(t) = stall.threads.iter_mut().find(|t| t.tid == s.tid) {
                (t.at, t.waits_in) = (Some(s.at), s.waits_in);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn locate(_stall: &mut Stall, _pid: u32) {}

/// How long reading the stacks may add to a deadline report.
#[cfg(target_os = "linux")]
const STACKS_LIMIT: Duration = Duration::from_secs(10);

/// What the threads were doing, from their states and the CPU they used between the samples.
#[cfg(target_os = "linux")]
fn classify(threads: &[ThreadState], life: Duration, tick_ms: u64) -> StallKind {
    let waited: u64 = threads.iter().map(|t| t.wait_ms).sum();
    let asleep_on_locks =
        threads.iter().all(|t| (t.wchan.contains("futex") || t.state == "Z") && t.cpu_ms == 0);
    if threads.is_empty() {
        StallKind::Unknown
    } else if asleep_on_locks {
        StallKind::Deadlock
    } else if waited as u128 * 2 >= life.as_millis() {
        StallKind::Starved
    } else if threads.iter().any(|t| t.cpu_ms > 2 * tick_ms) {
        StallKind::Busy
    } else {
        StallKind::Sleeping
    }
}

#[cfg(not(target_os = "linux"))]
pub fn inspect(_pid: u32, _gap: Duration, _life: Duration) -> Stall {
    Stall { kind: StallKind::Unknown, threads: vec![] }
}

/// (tid, state, CPU time in whole clock ticks, time spent waiting for a core) of every thread.
#[cfg(target_os = "linux")]
fn sample(pid: u32) -> Vec<(u32, ThreadState, Duration, Duration)> {
    let mut out = Vec::new();
    for tid in procview::threads(pid).unwrap_or_default() {
        let Some(stat) = procview::thread(pid, tid) else { continue };
        let wchan = procview::wchan(pid, tid).unwrap_or_default();
        let waited = procview::schedstat(pid, Some(tid)).map_or(Duration::ZERO, |s| s.waiting);
        let state = stat.state.to_string();
        let t = ThreadState {
            tid,
            name: stat.name,
            state,
            wchan,
            cpu_ms: 0,
            wait_ms: 0,
            at: None,
            waits_in: None,
        };
        out.push((tid, t, stat.cpu, waited));
    }
    out.sort_by_key(|(tid, ..)| *tid);
    out
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_spinning_thread_is_busy() {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let h = std::thread::Builder::new()
            .name("spinner".into())
            .spawn(move || {
                while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            })
            .unwrap();
        let stall = inspect(std::process::id(), Duration::from_millis(200), Duration::from_secs(3600));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        h.join().unwrap();
        assert_eq!(stall.kind, StallKind::Busy, "{stall:?}");
        assert!(stall.summary().contains("spinner"), "{}", stall.summary());
    }

    #[test]
    fn threads_blocked_on_a_lock_show_futex_waits() {
        let lock = Arc::new(Mutex::new(()));
        let held = lock.lock().unwrap();
        let l2 = lock.clone();
        let h = std::thread::Builder::new().name("waiter".into()).spawn(move || drop(l2.lock())).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let stall = inspect(std::process::id(), Duration::from_millis(50), Duration::from_secs(3600));
        drop(held);
        h.join().unwrap();
        let waiter = stall.threads.iter().find(|t| t.name == "waiter").expect("waiter seen");
        assert!(waiter.wchan.contains("futex"), "{waiter:?}");
    }
}
