//! Kata 04: a thread pool. A fixed set of worker threads takes jobs from a shared queue, so
//! starting a job costs a push onto the queue instead of a new thread.

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;

/// A job that panicked, with the text it panicked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

/// Work for a worker: any closure that can be sent to another thread and run once.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// What the pool and its workers share: the queue of waiting jobs, and a Condvar the workers
/// sleep on while the queue is empty.
struct Shared {
    queue: Mutex<Queue>,
    job_ready: Condvar,
}

struct Queue {
    jobs: VecDeque<Job>,
    /// Set by `drop`: no more jobs will come, so a worker that finds the queue empty can leave.
    closed: bool,
    /// Workers asleep on `job_ready`: with none asleep there is nobody to wake, and a busy pool
    /// skips the system call a notify costs.
    sleeping: usize,
}

/// A fixed number of worker threads that run the jobs given to them, oldest job first.
///
/// Dropping the pool is its graceful shutdown: every job already queued still runs, then the
/// workers are joined.
pub struct ThreadPool {
    shared: Arc<Shared>,
    workers: Vec<thread::JoinHandle<()>>,
}

/// The result of a job given to [`ThreadPool::submit`], to collect later.
pub struct JobHandle<T> {
    result: mpsc::Receiver<Result<T, JobPanicked>>,
}

impl ThreadPool {
    /// Starts a pool of `workers` threads, all waiting for jobs.
    ///
    /// # Panics
    /// If `workers` is 0: a pool without workers would never run anything.
    pub fn new(workers: usize) -> ThreadPool {
        assert!(workers > 0, "a thread pool needs at least one worker");
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue { jobs: VecDeque::new(), closed: false, sleeping: 0 }),
            job_ready: Condvar::new(),
        });
        let workers = (0..workers)
            .map(|i| {
                let shared = Arc::clone(&shared);
                thread::Builder::new()
                    .name(format!("pool-worker-{i}"))
                    .spawn(move || work(&shared))
                    .expect("spawn a worker thread")
            })
            .collect();
        ThreadPool { shared, workers }
    }

    /// Queues `job` to run on one of the workers and returns at once.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let mut queue = self.shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.jobs.push_back(Box::new(job));
        let someone_asleep = queue.sleeping > 0;
        drop(queue); // the woken worker should not find the lock still held
        if someone_asleep {
            // One job, so one sleeping worker is enough; waking all would only make them race.
            self.shared.job_ready.notify_one();
        }
    }

    /// Queues `job` and returns a handle whose [`JobHandle::join`] waits for its result.
    pub fn submit<T, F>(&self, job: F) -> JobHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.execute(move || {
            let result = panic::catch_unwind(AssertUnwindSafe(job))
                .map_err(|payload| JobPanicked { message: panic_message(&*payload) });
            // The caller may have dropped the handle: then nobody wants the result.
            let _ = tx.send(result);
        });
        JobHandle { result: rx }
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
        let f = Arc::new(f);
        // Submit everything first, then wait: waiting inside the loop would run one at a time.
        let handles: Vec<JobHandle<R>> = items
            .into_iter()
            .map(|item| {
                let f = Arc::clone(&f);
                self.submit(move || f(item))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| panic!("{}", e.message))).collect()
    }
}

/// The loop every worker runs: take the oldest job, run it, repeat; leave once the pool is
/// closed and the queue is empty.
fn work(shared: &Shared) {
    loop {
        let job = {
            let mut queue = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                // Jobs first: a closed pool still finishes what was queued before it closed.
                if let Some(job) = queue.jobs.pop_front() {
                    break job;
                }
                if queue.closed {
                    return;
                }
                // Sleeps without using the CPU, and gives the lock back while asleep.
                queue.sleeping += 1;
                queue = shared.job_ready.wait(queue).unwrap_or_else(PoisonError::into_inner);
                queue.sleeping -= 1;
            }
        }; // the lock is released here, so other workers can take jobs while this one runs
        // A panicking job must not take the worker down with it.
        let _ = panic::catch_unwind(AssertUnwindSafe(job));
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shared.queue.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
        // Every worker must see `closed`: the ones asleep would otherwise sleep for ever.
        self.shared.job_ready.notify_all();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl<T> JobHandle<T> {
    /// Waits for the job to finish: its value, or the message it panicked with as `Err`.
    pub fn join(self) -> Result<T, JobPanicked> {
        self.result
            .recv()
            .unwrap_or_else(|_| Err(JobPanicked { message: "the job was dropped before it ran".to_string() }))
    }
}

/// The text of a panic payload: `panic!` gives a `&str` or a `String`.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}
