//! Proof that threads computed at the same moment, from the kernel's per-thread CPU clocks.
//!
//! A sampler reads every thread's nanosecond CPU time (`/proc/self/task/*/schedstat`) each
//! couple of milliseconds. In a window where the threads together gained 1.5 times the
//! window's length, at least two of them were on a core at once: one thread never can. A busy
//! machine makes such windows rarer, never impossible, so the verdict does not flip with load.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What the sampler saw while the work ran.
#[derive(Debug, Clone, Copy, Default)]
pub struct Overlap {
    /// Sampling windows while the work ran.
    pub windows: usize,
    /// Windows in which the work's threads gained at least 1.5 CPU seconds per wall second.
    pub parallel_windows: usize,
    /// CPU seconds per wall second over the whole work (every thread but the sampler's).
    pub overall: f64,
}

const WINDOW: Duration = Duration::from_millis(2);

/// Runs `work` on this thread while sampling; `None` for the overlap off Linux.
pub fn measure_overlap<T>(work: impl FnOnce() -> T) -> (T, Option<Overlap>) {
    if !cfg!(target_os = "linux") || cpu_times().is_empty() {
        return (work(), None);
    }
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let sampler = s.spawn(|| sample_until(&done));
        let value = {
            let _stop = StopOnDrop(&done); // a panicking `work` must stop the sampler too
            work()
        };
        (value, sampler.join().ok())
    })
}

struct StopOnDrop<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

fn sample_until(done: &std::sync::atomic::AtomicBool) -> Overlap {
    let me = own_tid();
    let start = Instant::now();
    let mut last = cpu_times();
    let mut last_at = Instant::now();
    let mut o = Overlap::default();
    let mut total = 0u64;
    while !done.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(WINDOW);
        let now = cpu_times();
        let at = Instant::now();
        let gained: u64 = now
            .iter()
            .filter(|(tid, _)| Some(**tid) != me)
            .map(|(tid, ns)| ns.saturating_sub(*last.get(tid).unwrap_or(&0)))
            .sum();
        total += gained;
        o.windows += 1;
        if gained as f64 >= 1.5 * (at - last_at).as_nanos() as f64 {
            o.parallel_windows += 1;
        }
        last = now;
        last_at = at;
    }
    o.overall = total as f64 / start.elapsed().as_nanos().max(1) as f64;
    o
}

/// Nanoseconds on a CPU so far, per thread id.
fn cpu_times() -> HashMap<u32, u64> {
    let mut out = HashMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return out };
    for task in tasks.flatten() {
        let Ok(tid) = task.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) else { continue };
        if let Some(ns) = text.split_whitespace().next().and_then(|n| n.parse().ok()) {
            out.insert(tid, ns);
        }
    }
    out
}

/// CPU seconds per wall second that `threads` spinning threads get for `wall`.
fn spin_parallelism(threads: usize, wall: Duration) -> f64 {
    let Some(meter) = crate::CpuMeter::start() else { return 0.0 };
    let until = Instant::now() + wall;
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while Instant::now() < until {
                    std::hint::spin_loop();
                }
            });
        }
    });
    meter.stop().parallelism()
}

#[cfg(target_os = "linux")]
fn own_tid() -> Option<u32> {
    // SAFETY: gettid has no preconditions.
    Some(unsafe { libc::gettid() } as u32)
}

#[cfg(not(target_os = "linux"))]
fn own_tid() -> Option<u32> {
    None
}

/// Fails the test unless `work` had two threads computing at the same moment at least a few
/// times. Skips on one core, off Linux, and when a busy loop on two threads, run just before
/// and just after, got less than 1.2 cores: then nobody's threads could show it.
pub fn expect_threads_compute_at_once<T>(work: impl FnOnce() -> T) -> T {
    if crate::cores() < 2 {
        crate::skip("computing on two cores at once needs 2 or more cores; this machine gives 1");
    }
    let before = spin_parallelism(2, Duration::from_millis(100));
    let (value, overlap) = measure_overlap(work);
    let after = spin_parallelism(2, Duration::from_millis(100));
    let Some(o) = overlap else { crate::skip("per-thread CPU clocks can be read on Linux only") };
    let free = before.min(after);
    crate::figure("cores a busy loop got, before and after", free, "x");
    crate::figure("CPU seconds per wall second", o.overall, "x");
    crate::figure("2 ms windows sampled", o.windows as f64, "");
    if free < 1.2 {
        crate::skip(&format!(
            "the machine is too busy to show parallel work: a busy loop got {free:.2} cores"
        ));
    }
    crate::at_least("2 ms windows with two threads computing at once", o.parallel_windows as f64, 3.0, "");
    value
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn spin(d: Duration) {
        let until = Instant::now() + d;
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    }

    #[test]
    fn a_panicking_work_stops_the_sampler() {
        let r = std::panic::catch_unwind(|| measure_overlap(|| panic!("todo")));
        assert!(r.is_err());
    }

    #[test]
    fn one_thread_never_counts_as_parallel() {
        let ((), o) = measure_overlap(|| spin(Duration::from_millis(150)));
        let o = o.unwrap();
        assert!(o.windows > 10, "{o:?}");
        assert_eq!(o.parallel_windows, 0, "{o:?}");
    }
}
