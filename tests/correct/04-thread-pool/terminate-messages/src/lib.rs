//! Kata 04, alternate "terminate-messages": the older Rust book design. Workers receive
//! `Message::NewJob(job)` or `Message::Terminate` on a shared channel; `Drop` sends one
//! `Terminate` per worker behind the queued jobs and then joins them (the reference sets a
//! closed flag and wakes everyone with a `Condvar`). `catch_unwind` wraps the whole job inside
//! `execute` rather than in the worker loop, and `map` collects its results through a single
//! channel of `(index, outcome)` pairs into slots instead of one handle per item.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// A job that panicked, with the text it panicked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

enum Message {
    NewJob(Box<dyn FnOnce() + Send + 'static>),
    Terminate,
}

/// A fixed number of worker threads that run the jobs given to them, oldest job first.
///
/// Dropping the pool is its graceful shutdown: every job already queued still runs, then the
/// workers are joined.
pub struct ThreadPool {
    sender: Mutex<Sender<Message>>,
    workers: Vec<JoinHandle<()>>,
}

/// The result of a job given to [`ThreadPool::submit`], to collect later.
pub struct JobHandle<T> {
    rx: Receiver<Result<T, JobPanicked>>,
}

fn message_of(payload: &(dyn std::any::Any + Send)) -> String {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(s), _) => (*s).to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => "(no message)".to_owned(),
    }
}

fn caught<T>(job: impl FnOnce() -> T) -> Result<T, JobPanicked> {
    catch_unwind(AssertUnwindSafe(job)).map_err(|p| JobPanicked { message: message_of(&*p) })
}

impl ThreadPool {
    /// Starts a pool of `workers` threads, all waiting for jobs.
    ///
    /// # Panics
    /// If `workers` is 0: a pool without workers would never run anything.
    pub fn new(workers: usize) -> ThreadPool {
        assert_ne!(workers, 0, "a thread pool needs workers");
        let (tx, rx) = mpsc::channel::<Message>();
        let rx = Arc::new(Mutex::new(rx));
        let workers = (0..workers)
            .map(|_| {
                let rx = Arc::clone(&rx);
                thread::spawn(move || {
                    loop {
                        let message = {
                            let queue = rx.lock().unwrap();
                            queue.recv()
                        };
                        match message {
                            Ok(Message::NewJob(job)) => job(),
                            Ok(Message::Terminate) | Err(_) => return,
                        }
                    }
                })
            })
            .collect();
        ThreadPool { sender: Mutex::new(tx), workers }
    }

    /// Queues `job` to run on one of the workers and returns at once.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        // The wrapper catches a panic so it can never unwind into (and end) the worker.
        let wrapped = move || {
            let _ = caught(job);
        };
        self.sender.lock().unwrap().send(Message::NewJob(Box::new(wrapped))).expect("the workers are gone");
    }

    /// Queues `job` and returns a handle whose [`JobHandle::join`] waits for its result.
    pub fn submit<T, F>(&self, job: F) -> JobHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.execute(move || {
            let _ = tx.send(caught(job));
        });
        JobHandle { rx }
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
        let (tx, rx) = mpsc::channel::<(usize, Result<R, JobPanicked>)>();
        let mut count = 0;
        for (i, item) in items.into_iter().enumerate() {
            let (f, tx) = (Arc::clone(&f), tx.clone());
            self.execute(move || {
                let _ = tx.send((i, caught(|| f(item))));
            });
            count += 1;
        }
        drop(tx);
        let mut slots: Vec<Option<Result<R, JobPanicked>>> = (0..count).map(|_| None).collect();
        // Results arrive as they finish; each goes to its item's slot.
        for (i, outcome) in rx.iter().take(count) {
            slots[i] = Some(outcome);
        }
        slots
            .into_iter()
            .map(|s| match s.expect("every item reports") {
                Ok(r) => r,
                Err(e) => panic!("{}", e.message),
            })
            .collect()
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        let sender = self.sender.lock().unwrap();
        // One Terminate per worker, queued behind every job: each worker takes one and leaves.
        for _ in &self.workers {
            let _ = sender.send(Message::Terminate);
        }
        drop(sender);
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl<T> JobHandle<T> {
    /// Waits for the job to finish: its value, or the message it panicked with as `Err`.
    pub fn join(self) -> Result<T, JobPanicked> {
        self.rx.recv().unwrap_or_else(|_| Err(JobPanicked { message: "the job was lost".into() }))
    }
}
