//! Kata 04, alternate "condvar-slot": the queue is a `Mutex<(VecDeque<Job>, bool)>` with one
//! `Condvar` the workers wait on with `wait_while` (no count of sleepers, `notify_one` on every
//! job), and a `JobHandle` is a one-shot slot, `Arc<(Mutex<Option<..>>, Condvar)>`, that the
//! job fills and `join` waits on, instead of a channel per job. Workers are spawned with
//! `thread::Builder` and the loop is a method on the shared state.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};

/// A job that panicked, with the text it panicked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

type Job = Box<dyn FnOnce() + Send>;

struct Inner {
    /// The waiting jobs, and whether the pool is shutting down.
    state: Mutex<(VecDeque<Job>, bool)>,
    wake: Condvar,
}

impl Inner {
    fn next_job(&self) -> Option<Job> {
        let guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut guard = self
            .wake
            .wait_while(guard, |(jobs, stopping)| jobs.is_empty() && !*stopping)
            .unwrap_or_else(|p| p.into_inner());
        // Queued jobs first, even when stopping; None only when stopping and empty.
        guard.0.pop_front()
    }

    fn run_worker(&self) {
        while let Some(job) = self.next_job() {
            if catch_unwind(AssertUnwindSafe(job)).is_err() {
                // The job's own handle (if any) has the message; the worker carries on.
            }
        }
    }
}

/// A fixed number of worker threads that run the jobs given to them, oldest job first.
///
/// Dropping the pool is its graceful shutdown: every job already queued still runs, then the
/// workers are joined.
pub struct ThreadPool {
    inner: Arc<Inner>,
    threads: Vec<JoinHandle<()>>,
}

type Slot<T> = (Mutex<Option<Result<T, JobPanicked>>>, Condvar);

/// The result of a job given to [`ThreadPool::submit`], to collect later.
pub struct JobHandle<T> {
    slot: Arc<Slot<T>>,
}

impl ThreadPool {
    /// Starts a pool of `workers` threads, all waiting for jobs.
    ///
    /// # Panics
    /// If `workers` is 0: a pool without workers would never run anything.
    pub fn new(workers: usize) -> ThreadPool {
        if workers == 0 {
            panic!("ThreadPool::new(0): a pool needs at least one worker");
        }
        let inner = Arc::new(Inner { state: Mutex::new((VecDeque::new(), false)), wake: Condvar::new() });
        let threads = (0..workers)
            .map(|n| {
                let inner = Arc::clone(&inner);
                thread::Builder::new()
                    .name(format!("worker {n}"))
                    .spawn(move || inner.run_worker())
                    .expect("could not start a worker")
            })
            .collect();
        ThreadPool { inner, threads }
    }

    /// Queues `job` to run on one of the workers and returns at once.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        {
            let mut state = self.inner.state.lock().unwrap_or_else(|p| p.into_inner());
            state.0.push_back(Box::new(job));
        }
        self.inner.wake.notify_one();
    }

    /// Queues `job` and returns a handle whose [`JobHandle::join`] waits for its result.
    pub fn submit<T, F>(&self, job: F) -> JobHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot: Arc<Slot<T>> = Arc::new((Mutex::new(None), Condvar::new()));
        let filled = Arc::clone(&slot);
        self.execute(move || {
            let outcome =
                catch_unwind(AssertUnwindSafe(job)).map_err(|p| JobPanicked { message: describe(p) });
            let (value, ready) = &*filled;
            *value.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
            ready.notify_all();
        });
        JobHandle { slot }
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
        let shared = Arc::new(f);
        let pending: Vec<JobHandle<R>> = items
            .into_iter()
            .map(|item| {
                let f = Arc::clone(&shared);
                self.submit(move || (*f)(item))
            })
            .collect();
        pending
            .into_iter()
            .map(|h| match h.join() {
                Ok(r) => r,
                Err(e) => panic!("{}", e.message),
            })
            .collect()
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
        self.inner.wake.notify_all();
        while let Some(t) = self.threads.pop() {
            let _ = t.join();
        }
    }
}

impl<T> JobHandle<T> {
    /// Waits for the job to finish: its value, or the message it panicked with as `Err`.
    pub fn join(self) -> Result<T, JobPanicked> {
        let (value, ready) = &*self.slot;
        let guard = value.lock().unwrap_or_else(|p| p.into_inner());
        let mut guard = ready.wait_while(guard, |v| v.is_none()).unwrap_or_else(|p| p.into_inner());
        guard.take().expect("the slot is filled")
    }
}

fn describe(payload: Box<dyn Any + Send>) -> String {
    payload
        .downcast::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|p| p.downcast::<String>().map(|s| *s))
        .unwrap_or_else(|_| "panicked".to_string())
}
