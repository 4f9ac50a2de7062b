//! Kata 01, alternate "own-slots": threads write their results into slots of their own (a
//! `&mut Option<R>` per scoped thread, or a shared `Mutex<Vec<Option<T>>>` for the `'static`
//! jobs) instead of returning them through `join`; threads are named with `thread::Builder`;
//! and the sum splits the data recursively in two with `split_at`, each level running its
//! left part on a new scoped thread and its right part itself (the reference spawns one thread
//! per `chunks()` chunk).

use std::sync::{Arc, Mutex};
use std::thread;

/// A job that panicked, with the text it panicked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

fn named(what: &str, i: usize) -> thread::Builder {
    thread::Builder::new().name(format!("{what}-{i}"))
}

/// Runs `a` and `b` at the same time, each on its own thread, and returns both results.
pub fn both<A, B, FA, FB>(a: FA, b: FB) -> (A, B)
where
    FA: FnOnce() -> A + Send + 'static,
    FB: FnOnce() -> B + Send + 'static,
    A: Send + 'static,
    B: Send + 'static,
{
    let first = named("both", 0).spawn(a).expect("start job a");
    let second = named("both", 1).spawn(b).expect("start job b");
    let ra = first.join();
    let rb = second.join();
    match (ra, rb) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(p), _) | (_, Err(p)) => std::panic::resume_unwind(p),
    }
}

/// Starts every job on its own thread, then waits for all of them; the results come back in
/// the order of `jobs`, whatever order the threads finish in.
pub fn run_all<T, F>(jobs: Vec<F>) -> Vec<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slots: Arc<Mutex<Vec<Option<T>>>> = Arc::new(Mutex::new((0..jobs.len()).map(|_| None).collect()));
    let mut threads = Vec::new();
    for (i, job) in jobs.into_iter().enumerate() {
        let slots = Arc::clone(&slots);
        threads.push(
            named("job", i)
                .spawn(move || {
                    let value = job();
                    slots.lock().unwrap()[i] = Some(value);
                })
                .expect("start a job"),
        );
    }
    for t in threads {
        if let Err(p) = t.join() {
            std::panic::resume_unwind(p);
        }
    }
    let slots = Arc::try_unwrap(slots).ok().expect("every thread has ended").into_inner().unwrap();
    slots.into_iter().map(|s| s.expect("every job filled its slot")).collect()
}

/// Applies `f` to every item at once, one scoped thread per item, borrowing `items` from the
/// caller (no `'static`, no `Arc`); the results come back in the order of `items`.
pub fn map_scoped<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    let f = &f;
    thread::scope(|s| {
        // Each thread gets its own slot: a &mut nobody else can touch.
        for (i, (slot, item)) in out.iter_mut().zip(items).enumerate() {
            named("item", i).spawn_scoped(s, move || *slot = Some(f(item))).expect("start a thread");
        }
    });
    out.into_iter().map(|r| r.expect("every thread filled its slot")).collect()
}

fn squares(data: &[u64]) -> u64 {
    let mut acc = 0u64;
    for &x in data {
        acc = acc.wrapping_add(x.wrapping_mul(x));
    }
    acc
}

/// Sums `data` in `parts` parts: the left share on a new thread, the right share here.
fn split_sum(data: &[u64], parts: usize) -> u64 {
    if parts <= 1 || data.len() < 2 {
        return squares(data);
    }
    let left_parts = parts / 2;
    let mid = data.len() * left_parts / parts;
    let (left, right) = data.split_at(mid);
    thread::scope(|s| {
        let other = s.spawn(move || split_sum(left, left_parts));
        let mine = split_sum(right, parts - left_parts);
        mine.wrapping_add(other.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
}

/// The sum of `x * x` over `data`, split into `threads` chunks summed at the same time.
/// `threads` of 0 counts as 1. Wrapping arithmetic, so the answer never depends on the split.
pub fn sum_of_squares(data: &[u64], threads: usize) -> u64 {
    split_sum(data, threads.max(1))
}

/// Like [`run_all`], but a job that panics comes back as `Err` with its panic message, and the
/// other jobs' results still arrive. The caller never sees the panic.
pub fn run_all_catching<T, F>(jobs: Vec<F>) -> Vec<Result<T, JobPanicked>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let threads: Vec<_> = jobs
        .into_iter()
        .enumerate()
        .map(|(i, job)| named("job", i).spawn(job).expect("start a job"))
        .collect();
    let mut results = Vec::with_capacity(threads.len());
    for t in threads {
        results.push(t.join().map_err(|payload| {
            let message = match payload.downcast_ref::<&str>() {
                Some(s) => s.to_string(),
                None => match payload.downcast_ref::<String>() {
                    Some(s) => s.clone(),
                    None => "a panic that is not text".to_string(),
                },
            };
            JobPanicked { message }
        }));
    }
    results
}
