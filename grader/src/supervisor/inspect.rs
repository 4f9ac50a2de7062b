//! What a test process was doing when its deadline came, read from /proc (Linux).
//!
//! Two samples of every thread's CPU time, a moment apart, tell a busy loop (threads burning
//! CPU) from a deadlock (every thread asleep on a futex: a lock, a condvar, a join).

use std::time::Duration;

use crate::model::stall::{Stall, StallKind, ThreadState};

/// Samples the threads of `pid` twice, `gap` apart, and classifies what they were doing over
/// the `life` it has had: threads that waited for a core for half of it were starved.
#[cfg(target_os = "linux")]
pub fn inspect(pid: u32, gap: Duration, life: Duration) -> Stall {
    let first = sample(pid);
    std::thread::sleep(gap);
    let second = sample(pid);
    let tick_ms = 10; // USER_HZ is 100 on every Linux the grader targets
    let threads: Vec<ThreadState> = second
        .into_iter()
        .map(|(tid, mut t, ticks, waited)| {
            let ticks0 = first.iter().find(|(id, ..)| *id == tid).map_or(ticks, |(.., t0, _)| *t0);
            t.cpu_ms = ticks.saturating_sub(ticks0) * tick_ms;
            t.wait_ms = waited / 1_000_000;
            t
        })
        .collect();
    let waited: u64 = threads.iter().map(|t| t.wait_ms).sum();
    let asleep_on_locks =
        threads.iter().all(|t| (t.wchan.contains("futex") || t.state == "Z") && t.cpu_ms == 0);
    let kind = if threads.is_empty() {
        StallKind::Unknown
    } else if asleep_on_locks {
        StallKind::Deadlock
    } else if waited as u128 * 2 >= life.as_millis() {
        StallKind::Starved
    } else if threads.iter().any(|t| t.cpu_ms > 2 * tick_ms) {
        StallKind::Busy
    } else {
        StallKind::Sleeping
    };
    Stall { kind, threads }
}

#[cfg(not(target_os = "linux"))]
pub fn inspect(_pid: u32, _gap: Duration, _life: Duration) -> Stall {
    Stall { kind: StallKind::Unknown, threads: vec![] }
}

/// (tid, state, utime+stime ticks, nanoseconds spent waiting for a core) of every thread.
#[cfg(target_os = "linux")]
fn sample(pid: u32) -> Vec<(u32, ThreadState, u64, u64)> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return vec![] };
    let mut out = Vec::new();
    for task in tasks.flatten() {
        let dir = task.path();
        let Ok(tid) = task.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else { continue };
        let Some((name, fields)) = parse_stat(&stat) else { continue };
        let wchan = std::fs::read_to_string(dir.join("wchan")).unwrap_or_default();
        let ticks = fields.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
            + fields.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        let state = fields.first().copied().unwrap_or("?").to_string();
        let schedstat = std::fs::read_to_string(dir.join("schedstat")).unwrap_or_default();
        let waited = schedstat.split_whitespace().nth(1).and_then(|w| w.parse().ok()).unwrap_or(0);
        let t = ThreadState { name, state, wchan: wchan.trim().to_string(), cpu_ms: 0, wait_ms: 0 };
        out.push((tid, t, ticks, waited));
    }
    out.sort_by_key(|(tid, ..)| *tid);
    out
}

/// Splits `/proc/*/stat` into the command name and the fields after it (state first).
pub fn parse_stat(stat: &str) -> Option<(String, Vec<&str>)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat[open + 1..close].to_string();
    Some((name, stat[close + 1..].split_whitespace().collect()))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn stat_names_with_spaces_and_parens_parse() {
        let (name, f) = parse_stat("42 (my (odd) name) S 1 42 42 0").unwrap();
        assert_eq!(name, "my (odd) name");
        assert_eq!(f[0], "S");
        assert_eq!(f[1], "1");
    }

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
