//! Kata 01, alternate "scope-everywhere": every function runs its threads inside
//! `std::thread::scope` (the reference uses `thread::spawn` for the `'static` jobs), the sum
//! splits by index ranges that spread the remainder over the first chunks instead of
//! `chunks()`, and panics are turned into errors by matching on the scoped handles' `join`.

use std::any::Any;
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
    thread::scope(|s| {
        let first = s.spawn(a);
        let second = s.spawn(b);
        let ra = match first.join() {
            Ok(v) => v,
            Err(p) => std::panic::resume_unwind(p),
        };
        let rb = match second.join() {
            Ok(v) => v,
            Err(p) => std::panic::resume_unwind(p),
        };
        (ra, rb)
    })
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
        .map(|r| match r {
            Ok(v) => v,
            Err(e) => panic!("a job panicked: {}", e.message),
        })
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
    let f = &f;
    thread::scope(|s| {
        let mut handles = Vec::with_capacity(items.len());
        for item in items {
            handles.push(s.spawn(move || f(item)));
        }
        let mut out = Vec::with_capacity(handles.len());
        for h in handles {
            out.push(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        out
    })
}

/// The sum of `x * x` over `data`, split into `threads` chunks summed at the same time.
/// `threads` of 0 counts as 1. Wrapping arithmetic, so the answer never depends on the split.
pub fn sum_of_squares(data: &[u64], threads: usize) -> u64 {
    let parts = threads.max(1).min(data.len().max(1));
    let base = data.len() / parts;
    let extra = data.len() % parts;
    // Chunk k covers [start_k, start_k + base + (1 if k < extra)).
    let mut ranges = Vec::with_capacity(parts);
    let mut start = 0;
    for k in 0..parts {
        let len = base + usize::from(k < extra);
        ranges.push(start..start + len);
        start += len;
    }
    thread::scope(|s| {
        let handles: Vec<_> = ranges
            .into_iter()
            .map(|r| {
                let part = &data[r];
                s.spawn(move || {
                    let mut acc = 0u64;
                    for &x in part {
                        acc = acc.wrapping_add(x.wrapping_mul(x));
                    }
                    acc
                })
            })
            .collect();
        let mut total = 0u64;
        for h in handles {
            total = total.wrapping_add(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        total
    })
}

/// Like [`run_all`], but a job that panics comes back as `Err` with its panic message, and the
/// other jobs' results still arrive. The caller never sees the panic.
pub fn run_all_catching<T, F>(jobs: Vec<F>) -> Vec<Result<T, JobPanicked>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    thread::scope(|s| {
        let handles: Vec<_> = jobs.into_iter().map(|job| s.spawn(job)).collect();
        // Joining a scoped handle by hand takes its panic: the scope does not re-raise it.
        handles
            .into_iter()
            .map(|h| h.join().map_err(|payload| JobPanicked { message: text_of(payload) }))
            .collect()
    })
}

fn text_of(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_owned(),
            Err(_) => String::from("<non-string panic payload>"),
        },
    }
}
