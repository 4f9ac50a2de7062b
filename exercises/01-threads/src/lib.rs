//! Kata 01: threads. Run jobs at the same time, collect their results in order, borrow data
//! from the caller with scoped threads, and bring a panicking job back as an error.
//!
//! Read README.md first. Replace each `todo!()`; `std::thread` has everything you need.
//! Check your work with `cargo test -p threads`, then `cargo run -p grader -- threads`.

/// A job that panicked, with the text it panicked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

/// Runs `a` and `b` at the same time, each on its own thread, and returns both results.
///
/// Start both threads before you join either: joining the first before starting the second
/// runs them one after the other.
pub fn both<A, B, FA, FB>(a: FA, b: FB) -> (A, B)
where
    FA: FnOnce() -> A + Send + 'static,
    FB: FnOnce() -> B + Send + 'static,
    A: Send + 'static,
    B: Send + 'static,
{
    todo!("spawn a thread for each job, then join both")
}

/// Starts every job on its own thread, then waits for all of them; the results come back in
/// the order of `jobs`, whatever order the threads finish in.
pub fn run_all<T, F>(jobs: Vec<F>) -> Vec<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    todo!("spawn every job first, keep the JoinHandles in order, then join them in that order")
}

/// Applies `f` to every item at once, one scoped thread per item, borrowing `items` from the
/// caller (no `'static`, no `Arc`); the results come back in the order of `items`.
pub fn map_scoped<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    todo!("std::thread::scope lets threads borrow `items` and `f`")
}

/// The sum of `x * x` over `data`, split into `threads` chunks summed at the same time.
/// `threads` of 0 counts as 1. Wrapping arithmetic, so the answer never depends on the split.
pub fn sum_of_squares(data: &[u64], threads: usize) -> u64 {
    todo!("split with data.chunks(..), sum each chunk on a scoped thread, add the partial sums")
}

/// Like [`run_all`], but a job that panics comes back as `Err` with its panic message, and the
/// other jobs' results still arrive. The caller never sees the panic.
pub fn run_all_catching<T, F>(jobs: Vec<F>) -> Vec<Result<T, JobPanicked>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    todo!("JoinHandle::join returns Err(payload) when the thread panicked; the payload is a &str or a String")
}
