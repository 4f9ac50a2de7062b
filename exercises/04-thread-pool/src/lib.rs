//! Kata 04: a thread pool. A fixed set of worker threads takes jobs from a shared queue, so
//! starting a job costs a push onto the queue instead of a new thread.
//!
//! Read README.md first. Replace each `todo!()` and the placeholder fields; `std` has
//! everything you need (`thread`, `sync::{Arc, Mutex, Condvar, mpsc}`, `panic::catch_unwind`).
//! Check your work with `cargo test -p thread-pool`, then `cargo run -p grader -- thread-pool`.

use std::marker::PhantomData;

/// A job that panicked, with the text it panicked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

/// A fixed number of worker threads that run the jobs given to them, oldest job first.
///
/// Dropping the pool is its graceful shutdown: every job already queued still runs, then the
/// workers are joined.
pub struct ThreadPool {
    // Replace this placeholder with your fields: the workers' `JoinHandle`s, and what the
    // workers share with `execute` (a queue behind a `Mutex` plus a `Condvar`, or a channel).
    _replace_me: (),
}

/// The result of a job given to [`ThreadPool::submit`], to collect later.
pub struct JobHandle<T> {
    // Replace this placeholder: whatever the worker uses to hand the result back
    // (the receiving end of a channel is the easy way).
    _replace_me: PhantomData<T>,
}

impl ThreadPool {
    /// Starts a pool of `workers` threads, all waiting for jobs.
    ///
    /// # Panics
    /// If `workers` is 0: a pool without workers would never run anything.
    pub fn new(workers: usize) -> ThreadPool {
        todo!("share a job queue through an Arc, spawn `workers` threads that each loop: take a job, run it")
    }

    /// Queues `job` to run on one of the workers and returns at once.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        todo!("box the job, push it onto the shared queue, wake one sleeping worker")
    }

    /// Queues `job` and returns a handle whose [`JobHandle::join`] waits for its result.
    pub fn submit<T, F>(&self, job: F) -> JobHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        todo!("make a channel; execute a wrapper that runs the job under catch_unwind and sends the outcome")
    }

    /// Applies `f` to every item on the pool's workers; the results come back in the order of
    /// the items, whatever order the jobs finish in.
    ///
    /// # Panics
    /// If `f` panics for an item, `map` panics with the same message once that item's turn comes.
    pub fn map<I, T, R, F>(&self, items: I, f: F) -> Vec<R>
    where
        I: IntoIterator<Item = T>,
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        todo!("share `f` through an Arc, submit one job per item, then join the handles in order")
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        todo!("tell the workers no more jobs will come, wake them all, and join every one")
    }
}

impl<T> JobHandle<T> {
    /// Waits for the job to finish: its value, or the message it panicked with as `Err`.
    pub fn join(self) -> Result<T, JobPanicked> {
        todo!("wait for the worker to send the job's outcome")
    }
}
