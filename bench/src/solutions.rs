//! The reference solutions side by side with what a user would pick instead, in one run: each
//! figure is a ratio of two things measured in this process, interleaved, with the median of
//! repeats. The solutions' code is compiled in from `solutions/NN-name/src/` with `#[path]`; a
//! file loaded that way finds its own `mod foo;` beside it, as 13's `lib.rs` finds `sync.rs`.

mod gil;
mod locks;
mod parallel;
mod pool;
mod process_pool;
mod scraper;

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::table::{self, Row};

#[path = "../../solutions/04-thread-pool/src/lib.rs"]
#[allow(dead_code)]
mod thread_pool_solution;

#[path = "../../solutions/05-parallel-iterators/src/lib.rs"]
#[allow(dead_code)]
mod parallel_solution;

#[path = "../../solutions/07-process-pool/src/lib.rs"]
#[allow(dead_code)]
mod process_pool_solution;

#[path = "../../solutions/08-gil/src/lib.rs"]
#[allow(dead_code)]
mod gil_solution;

#[path = "../../solutions/12-async-scraper/src/lib.rs"]
#[allow(dead_code)]
mod scraper_solution;

#[path = "../../solutions/13-spin-lock/src/lib.rs"]
#[allow(dead_code, unsafe_code)]
mod spin_lock_solution;

/// How many times each comparison is repeated; figures are the median.
const REPEATS: usize = 5;

/// The process pool's re-exec guard: `main` calls this first thing, so that in a worker process
/// (started by the process-pool benchmark) it serves tasks and exits instead of benchmarking.
pub fn worker_guard() {
    process_pool_solution::worker_main_if_requested(process_pool::JOBS);
}

/// One group of comparisons: measures and returns its rows.
type Measure = fn() -> Vec<Row>;

/// Runs every comparison and returns the section, as markdown.
pub fn run(_root: &Path) -> String {
    let started = Instant::now();
    let load = load_average();
    let free_at_start = free_cores();
    let mut rows = Vec::new();
    let sections: [(&str, Measure); 6] = [
        ("thread pool (04)", pool::rows),
        ("parallel iterators (05)", parallel::rows),
        ("process pool (07)", process_pool::rows),
        ("scraper (12)", scraper::rows),
        ("GIL (08)", gil::rows),
        ("spin and ticket locks (13)", locks::rows),
    ];
    for (name, measure) in sections {
        let t = Instant::now();
        eprintln!("bench: {name}...");
        rows.extend(measure());
        eprintln!("bench: {name}: {:.1} s", t.elapsed().as_secs_f64());
    }
    let intro = format!(
        "Each reference solution against what a user would pick instead, measured in the same run \
         (`cargo run --release -p bench -- solutions`, {:.0} s). Figures are medians of {REPEATS} \
         interleaved repeats unless a row says otherwise; a ratio compares two figures from this \
         run. Parallel speedups depend on idle cores, so a busy machine lowers them: the load \
         average was {load} when the section started, and {cores} threads spinning for {spin} ms \
         got {} of CPU time per wall second at the start and {} at the end (the cores this run \
         could really use; {cores} on an idle machine).",
        started.elapsed().as_secs_f64(),
        cores_text(free_at_start),
        cores_text(free_cores()),
        cores = cores(),
        spin = FREE_CORES_SPIN.as_millis(),
    );
    table::markdown("Reference solutions against the alternatives", &intro, &rows)
}

/// `/proc/loadavg`'s 1-minute figure, or "unknown".
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// How many cores this process may use.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// How long the threads of [`free_cores`] spin.
const FREE_CORES_SPIN: Duration = Duration::from_millis(200);

/// How many cores this process can get right now: `cores()` threads spin for a moment, and
/// their CPU time (from /proc/thread-self/schedstat, in ns) over the wall time says how much of
/// the machine they got. `None` where that file does not exist.
fn free_cores() -> Option<f64> {
    fn cpu_ns() -> Option<u64> {
        std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
    }
    let start = Instant::now();
    let cpu: Option<u64> = std::thread::scope(|s| {
        let spinners: Vec<_> = (0..cores())
            .map(|_| {
                s.spawn(|| {
                    let before = cpu_ns()?;
                    while start.elapsed() < FREE_CORES_SPIN {
                        black_box(0u64);
                    }
                    Some(cpu_ns()? - before)
                })
            })
            .collect();
        spinners.into_iter().map(|h| h.join().ok().flatten()).sum()
    });
    Some(cpu? as f64 / start.elapsed().as_nanos() as f64)
}

fn cores_text(free: Option<f64>) -> String {
    free.map_or("(unknown)".into(), |f| format!("{f:.2} cores"))
}

/// Why a parallel speedup missed: `free` (just measured) says how many cores the run could get.
fn busy_machine(free: Option<f64>) -> String {
    match free {
        Some(f) if f < 0.9 * cores() as f64 => format!(
            "the machine was busy: spinning threads could get only {f:.2} of its {} cores just before",
            cores()
        ),
        Some(f) => format!("{f:.2} of {} cores were free just before, so not the machine's load", cores()),
        None => "the cores free to this run are unknown (no /proc)".into(),
    }
}

/// Seconds one call of `f` takes.
fn time(f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

/// Runs every contender once per round, `REPEATS` rounds (interleaved, so a slow moment of the
/// machine hurts all of them alike), and returns each one's median seconds.
fn interleaved<const N: usize>(contenders: [&mut dyn FnMut() -> f64; N]) -> [f64; N] {
    let mut contenders = contenders;
    let mut samples: [Vec<f64>; N] = std::array::from_fn(|_| Vec::with_capacity(REPEATS));
    for _ in 0..REPEATS {
        for (c, s) in contenders.iter_mut().zip(samples.iter_mut()) {
            s.push(c());
        }
    }
    samples.map(|mut s| table::median(&mut s))
}

/// A duration for a table: ns, µs, ms or s, whichever reads best.
fn human(secs: f64) -> String {
    let d = Duration::from_secs_f64(secs.max(0.0));
    if d < Duration::from_micros(1) {
        format!("{:.1} ns", secs * 1e9)
    } else if d < Duration::from_millis(1) {
        format!("{:.1} µs", secs * 1e6)
    } else if d < Duration::from_millis(10) {
        format!("{:.2} ms", secs * 1e3)
    } else if d < Duration::from_secs(10) {
        format!("{:.0} ms", secs * 1e3)
    } else {
        table::secs(secs)
    }
}

/// A ratio for a table: `1.84×`.
fn ratio(x: f64) -> String {
    format!("{x:.2}×")
}

/// "**misses its goal**: " and why, when `ok` is false; empty otherwise.
fn verdict(ok: bool, why: impl Into<String>) -> String {
    if ok { String::new() } else { format!("**misses its goal**: {}", why.into()) }
}

/// Joins two notes with "; ", leaving out the empty ones.
fn notes(a: impl Into<String>, b: impl Into<String>) -> String {
    let (a, b) = (a.into(), b.into());
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b,
        (_, true) => a,
        _ => format!("{a}; {b}"),
    }
}

/// `100000` as `100 000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
