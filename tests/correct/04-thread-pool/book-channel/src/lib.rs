//! Kata 04, alternate "book-channel": the Rust book's pool. Workers share an
//! `Arc<Mutex<mpsc::Receiver<Job>>>` and block in `recv()`; the pool holds an
//! `Option<Sender<Job>>` that `Drop` takes and drops, so the workers' `recv()` fails once the
//! queue is empty and they leave (the reference uses a `VecDeque`, a `Condvar` and a closed
//! flag). Each worker is a `Worker { id, thread }` struct.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// A job that panicked, with the text it panicked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

struct Worker {
    #[allow(dead_code)]
    id: usize,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    fn new(id: usize, receiver: Arc<Mutex<Receiver<Job>>>) -> Worker {
        let thread = thread::spawn(move || {
            loop {
                // The guard is dropped at the end of this `let`: the lock is held while
                // waiting for a job, never while running one.
                let message = receiver.lock().unwrap().recv();
                match message {
                    Ok(job) => {
                        // A panicking job must not end this worker.
                        let _ = catch_unwind(AssertUnwindSafe(job));
                    }
                    Err(_) => break, // the sender is gone and the queue is empty
                }
            }
        });
        Worker { id, thread: Some(thread) }
    }
}

/// A fixed number of worker threads that run the jobs given to them, oldest job first.
///
/// Dropping the pool is its graceful shutdown: every job already queued still runs, then the
/// workers are joined.
pub struct ThreadPool {
    workers: Vec<Worker>,
    sender: Option<Sender<Job>>,
}

/// The result of a job given to [`ThreadPool::submit`], to collect later.
pub struct JobHandle<T> {
    receiver: Receiver<Result<T, JobPanicked>>,
}

impl ThreadPool {
    /// Starts a pool of `workers` threads, all waiting for jobs.
    ///
    /// # Panics
    /// If `workers` is 0: a pool without workers would never run anything.
    pub fn new(workers: usize) -> ThreadPool {
        assert!(workers > 0);
        let (sender, receiver) = mpsc::channel();
        let receiver = Arc::new(Mutex::new(receiver));
        let mut crew = Vec::with_capacity(workers);
        for id in 0..workers {
            crew.push(Worker::new(id, Arc::clone(&receiver)));
        }
        ThreadPool { workers: crew, sender: Some(sender) }
    }

    /// Queues `job` to run on one of the workers and returns at once.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        self.sender
            .as_ref()
            .expect("the pool is shutting down")
            .send(Box::new(job))
            .expect("every worker is gone");
    }

    /// Queues `job` and returns a handle whose [`JobHandle::join`] waits for its result.
    pub fn submit<T, F>(&self, job: F) -> JobHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        self.execute(move || {
            let outcome = match catch_unwind(AssertUnwindSafe(job)) {
                Ok(value) => Ok(value),
                Err(payload) => {
                    let message = if let Some(s) = payload.downcast_ref::<String>() {
                        s.clone()
                    } else if let Some(s) = payload.downcast_ref::<&'static str>() {
                        (*s).to_string()
                    } else {
                        String::from("job panicked")
                    };
                    Err(JobPanicked { message })
                }
            };
            let _ = tx.send(outcome);
        });
        JobHandle { receiver: rx }
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
        let mut handles = Vec::new();
        for item in items {
            let f = Arc::clone(&f);
            handles.push(self.submit(move || f(item)));
        }
        let mut results = Vec::with_capacity(handles.len());
        for handle in handles {
            match handle.join() {
                Ok(r) => results.push(r),
                Err(JobPanicked { message }) => panic!("{message}"),
            }
        }
        results
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // Closing the channel: workers finish what is queued, then recv() fails and they leave.
        drop(self.sender.take());
        for worker in &mut self.workers {
            if let Some(thread) = worker.thread.take() {
                thread.join().unwrap();
            }
        }
    }
}

impl<T> JobHandle<T> {
    /// Waits for the job to finish: its value, or the message it panicked with as `Err`.
    pub fn join(self) -> Result<T, JobPanicked> {
        match self.receiver.recv() {
            Ok(outcome) => outcome,
            Err(_) => Err(JobPanicked { message: "the job never reported".into() }),
        }
    }
}
