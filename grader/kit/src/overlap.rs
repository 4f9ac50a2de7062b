//! Proof that threads computed at the same moment, from the kernel's per-thread CPU clocks.
//!
//! A sampler reads every thread's nanosecond CPU clock each couple of milliseconds. In a window where the threads together gained 1.5 times the
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

/// Runs `work` on this thread while sampling; `None` for the overlap without
/// [`crate::Needs::ThreadClocks`].
pub fn measure_overlap<T>(work: impl FnOnce() -> T) -> (T, Option<Overlap>) {
    if !crate::Needs::ThreadClocks.here() || cpu_times().is_empty() {
        return (work(), None);
    }
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let sampler = s.spawn(|| sample_until(&done));
        let value = {
            let _stop = StopOnDrop(&done); // a panicking `work` must stop the sampler too
            work()
        };
        // A sampler that could not read the threads (a broken /proc socket) fails the test.
        (value, Some(sampler.join().unwrap_or_else(|p| std::panic::resume_unwind(p))))
    })
}

struct StopOnDrop<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

fn sample_until(done: &std::sync::atomic::AtomicBool) -> Overlap {
    let me = procview::own_tid();
    let start = Instant::now();
    let mut last_before = Instant::now();
    let mut last = cpu_times();
    let mut o = Overlap::default();
    let mut total = 0u64;
    while !done.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(WINDOW);
        let before = Instant::now();
        let now = cpu_times();
        let after = Instant::now();
        let gained: u64 = now
            .iter()
            .filter(|(tid, _)| Some(**tid) != me)
            .map(|(tid, ns)| ns.saturating_sub(*last.get(tid).unwrap_or(&0)))
            .sum();
        total += gained;
        o.windows += 1;
        // The widest span the two readings can cover: one thread can never gain more than it,
        // however late the sampler ran or however long it took to read.
        let span = (after - last_before).as_nanos() as f64;
        if gained as f64 >= 1.5 * span {
            o.parallel_windows += 1;
        }
        last = now;
        last_before = before;
    }
    o.overall = total as f64 / start.elapsed().as_nanos().max(1) as f64;
    o
}

/// Nanoseconds on a CPU so far, per thread id, from each thread's own CPU clock (exact even
/// for a thread running on another core right now, unlike the kernel's schedstat).
fn cpu_times() -> HashMap<u32, u64> {
    let mut out = HashMap::new();
    for tid in procview::threads(std::process::id()).unwrap_or_default() {
        if let Some(cpu) = procview::thread_cpu(tid) {
            out.insert(tid, cpu.as_nanos() as u64);
        }
    }
    out
}

/// CPU seconds per wall second that `threads` spinning threads get for `wall`.
pub fn free_cores(threads: usize, wall: Duration) -> f64 {
    let Some(meter) = crate::CpuMeter::start() else { return 0.0 };
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| crate::spin_for(wall));
        }
    });
    meter.stop().parallelism()
}

/// Whether a machine whose busy loop got `free` cores is too busy for a missing overlap to
/// prove a fault: that proof needs two cores to give.
pub fn too_busy(free: f64) -> bool {
    free < 1.2
}

/// Ends a test that saw no parallel work on a machine [`too_busy`] to show it as unmeasured.
pub fn skip_too_busy(free: f64) -> ! {
    crate::unmeasured(&format!(
        "the machine is too busy to show parallel work: a busy loop got {free:.2} cores"
    ))
}

/// Fails the test unless `work` had two threads computing at the same moment in at least
/// three windows. Runs `work` up to five times, counting windows across the runs: one thread can
/// never show such a window, so repeating only helps correct code through a busy moment. Skips
/// without [`crate::Needs::ThreadClocks`], on one core, and when a busy loop on two threads, run
/// before and after, got less than 1.2 cores: then nobody's threads could show it. Returns what
/// the last run returned.
pub fn expect_threads_compute_at_once<T>(mut work: impl FnMut() -> T) -> T {
    const NEEDED: usize = 3;
    crate::require(crate::Needs::ThreadClocks);
    if crate::cores() < 2 {
        crate::skip("computing on two cores at once needs 2 or more cores; this machine gives 1");
    }
    let before = free_cores(2, Duration::from_millis(100));
    let mut seen = Overlap::default();
    let mut value = None;
    for _ in 0..5 {
        let (v, overlap) = measure_overlap(&mut work);
        value = Some(v);
        let Some(o) = overlap else {
            crate::skip("this system did not let the test read its threads' CPU clocks")
        };
        seen.windows += o.windows;
        seen.parallel_windows += o.parallel_windows;
        seen.overall = seen.overall.max(o.overall);
        if seen.parallel_windows >= NEEDED {
            break;
        }
    }
    let after = free_cores(2, Duration::from_millis(100));
    let free = before.min(after);
    crate::figure("cores a busy loop got, before and after", free, "x");
    crate::figure("CPU seconds per wall second, best run", seen.overall, "x");
    crate::figure("2 ms windows sampled", seen.windows as f64, "");
    if seen.parallel_windows < NEEDED && too_busy(free) {
        skip_too_busy(free);
    }
    crate::at_least(
        "2 ms windows with two threads computing at once",
        seen.parallel_windows as f64,
        NEEDED as f64,
        "",
    );
    value.expect("work ran at least once")
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_work_stops_the_sampler() {
        let r = std::panic::catch_unwind(|| measure_overlap(|| panic!("todo")));
        assert!(r.is_err());
    }

    #[test]
    fn a_threads_clock_reads_its_own_cpu_time() {
        let _alone = crate::CPU_TESTS.lock().unwrap_or_else(|p| p.into_inner());
        let tid = procview::own_tid().unwrap();
        let before = cpu_times()[&tid];
        crate::spin_for(Duration::from_millis(20));
        assert!(cpu_times()[&tid] > before);
    }
}
