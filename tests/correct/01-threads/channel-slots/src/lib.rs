//! Kata 01, alternate "channel-slots": threads report `(index, result)` over an mpsc channel
//! into numbered slots (the reference joins handles in order to get the order), panics are
//! caught inside each thread with `catch_unwind` (the reference reads them from `join`), and
//! the sum deals elements out round-robin (`step_by`) to scoped threads that add into one
//! `AtomicU64` with `fetch_add` instead of returning partial sums.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;

/// A job that panicked, with the text it panicked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

/// Runs `a` and `b` at the same time, each on its own thread, and returns both results.
pub fn both<A, B, FA, FB>(a: FA, b: FB) -> (A, B)
where
    FA: FnOnce() -> A + Send + 'static,
    FB: FnOnce() -> B + Send + 'static,
    A: Send + 'static,
    B: Send + 'static,
{
    let (tx_a, rx_a) = mpsc::channel();
    let (tx_b, rx_b) = mpsc::channel();
    let ta = thread::spawn(move || {
        let _ = tx_a.send(a());
    });
    let tb = thread::spawn(move || {
        let _ = tx_b.send(b());
    });
    let ra = rx_a.recv();
    let rb = rx_b.recv();
    ta.join().expect("job a panicked");
    tb.join().expect("job b panicked");
    (ra.expect("job a sent nothing"), rb.expect("job b sent nothing"))
}

/// Starts every job on its own thread, then waits for all of them; the results come back in
/// the order of `jobs`, whatever order the threads finish in.
pub fn run_all<T, F>(jobs: Vec<F>) -> Vec<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    run_all_catching(jobs)
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|e| panic!("job {i} panicked: {}", e.message)))
        .collect()
}

/// Applies `f` to every item at once, one scoped thread per item, borrowing `items` from the
/// caller (no `'static`, no `Arc`); the results come back in the order of `items`.
pub fn map_scoped<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let (tx, rx) = mpsc::channel();
    let f = &f;
    thread::scope(|s| {
        for (i, item) in items.iter().enumerate() {
            let tx = tx.clone();
            s.spawn(move || {
                let _ = tx.send((i, f(item)));
            });
        }
    });
    drop(tx);
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, r) in rx {
        slots[i] = Some(r);
    }
    slots.into_iter().map(|r| r.expect("every item reports")).collect()
}

/// The sum of `x * x` over `data`, split into `threads` chunks summed at the same time.
/// `threads` of 0 counts as 1. Wrapping arithmetic, so the answer never depends on the split.
pub fn sum_of_squares(data: &[u64], threads: usize) -> u64 {
    let n = threads.max(1);
    let total = AtomicU64::new(0);
    thread::scope(|s| {
        for k in 0..n {
            let total = &total;
            s.spawn(move || {
                let mine =
                    data.iter().skip(k).step_by(n).fold(0u64, |acc, &x| acc.wrapping_add(x.wrapping_mul(x)));
                // fetch_add wraps on overflow, like wrapping_add.
                total.fetch_add(mine, Ordering::Relaxed);
            });
        }
    });
    total.into_inner()
}

/// Like [`run_all`], but a job that panics comes back as `Err` with its panic message, and the
/// other jobs' results still arrive. The caller never sees the panic.
pub fn run_all_catching<T, F>(jobs: Vec<F>) -> Vec<Result<T, JobPanicked>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let count = jobs.len();
    let (tx, rx) = mpsc::channel();
    let mut threads = Vec::with_capacity(count);
    for (i, job) in jobs.into_iter().enumerate() {
        let tx = tx.clone();
        threads.push(thread::spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(job)).map_err(|payload| {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string());
                JobPanicked { message }
            });
            let _ = tx.send((i, outcome));
        }));
    }
    drop(tx);
    let mut slots: Vec<Option<Result<T, JobPanicked>>> = (0..count).map(|_| None).collect();
    for (i, outcome) in rx {
        slots[i] = Some(outcome);
    }
    for t in threads {
        let _ = t.join();
    }
    slots.into_iter().map(|s| s.expect("every job reports")).collect()
}
