//! Kata 01: threads. Run jobs at the same time, collect their results in order, borrow data
//! from the caller with scoped threads, and bring a panicking job back as an error.

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
    let ha = thread::spawn(a);
    let hb = thread::spawn(b);
    (ha.join().expect("job a panicked"), hb.join().expect("job b panicked"))
}

/// Starts every job on its own thread, then waits for all of them; the results come back in
/// the order of `jobs`, whatever order the threads finish in.
pub fn run_all<T, F>(jobs: Vec<F>) -> Vec<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = jobs.into_iter().map(thread::spawn).collect();
    handles.into_iter().map(|h| h.join().expect("a job panicked")).collect()
}

/// Applies `f` to every item at once, one scoped thread per item, borrowing `items` from the
/// caller (no `'static`, no `Arc`); the results come back in the order of `items`.
pub fn map_scoped<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items.iter().map(|item| s.spawn(move || f(item))).collect();
        handles.into_iter().map(|h| h.join().expect("a job panicked")).collect()
    })
}

/// The sum of `x * x` over `data`, split into `threads` chunks summed at the same time.
/// `threads` of 0 counts as 1. Wrapping arithmetic, so the answer never depends on the split.
pub fn sum_of_squares(data: &[u64], threads: usize) -> u64 {
    let chunk = data.len().div_ceil(threads.max(1)).max(1);
    thread::scope(|s| {
        let handles: Vec<_> = data
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || part.iter().fold(0u64, |acc, x| acc.wrapping_add(x.wrapping_mul(*x))))
            })
            .collect();
        handles
            .into_iter()
            .fold(0u64, |acc, h| acc.wrapping_add(h.join().expect("a summing thread panicked")))
    })
}

/// Like [`run_all`], but a job that panics comes back as `Err` with its panic message, and the
/// other jobs' results still arrive. The caller never sees the panic.
pub fn run_all_catching<T, F>(jobs: Vec<F>) -> Vec<Result<T, JobPanicked>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = jobs.into_iter().map(thread::spawn).collect();
    handles
        .into_iter()
        .map(|h| {
            h.join().map_err(|payload| {
                let message = if let Some(s) = payload.downcast_ref::<&str>() {
                    s.to_string()
                } else if let Some(s) = payload.downcast_ref::<String>() {
                    s.clone()
                } else {
                    "a panic without a message".to_string()
                };
                JobPanicked { message }
            })
        })
        .collect()
}
