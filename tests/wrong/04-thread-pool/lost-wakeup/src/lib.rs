//! A student's pool: a VecDeque behind a Mutex, a Condvar to sleep on, and a stop flag. The
//! flaw: a worker that finds the queue empty lets go of the lock, then takes it again and
//! waits without looking at the queue a second time, so a job queued in between is never
//! announced to it.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread::{self, JoinHandle as ThreadHandle};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

struct Inner {
    jobs: Mutex<VecDeque<Job>>,
    wake: Condvar,
    stop: AtomicBool,
}

pub struct ThreadPool {
    inner: Arc<Inner>,
    threads: Vec<ThreadHandle<()>>,
}

pub struct JobHandle<T> {
    rx: mpsc::Receiver<Result<T, JobPanicked>>,
}

fn text_of(p: Box<dyn std::any::Any + Send>) -> String {
    match p.downcast::<&str>() {
        Ok(s) => s.to_string(),
        Err(p) => p.downcast::<String>().map(|s| *s).unwrap_or_else(|_| "panic".into()),
    }
}

impl ThreadPool {
    pub fn new(workers: usize) -> ThreadPool {
        assert!(workers > 0, "need at least one worker");
        let inner = Arc::new(Inner {
            jobs: Mutex::new(VecDeque::new()),
            wake: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let threads = (0..workers)
            .map(|_| {
                let inner = inner.clone();
                thread::spawn(move || {
                    loop {
                        let next = inner.jobs.lock().unwrap().pop_front();
                        match next {
                            Some(job) => {
                                let _ = catch_unwind(AssertUnwindSafe(job));
                            }
                            None => {
                                if inner.stop.load(Ordering::SeqCst) {
                                    return;
                                }
                                // BUG: the queue was checked under a lock we already let go of.
                                let guard = inner.jobs.lock().unwrap();
                                let _guard = inner.wake.wait(guard).unwrap();
                            }
                        }
                    }
                })
            })
            .collect();
        ThreadPool { inner, threads }
    }

    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        self.inner.jobs.lock().unwrap().push_back(Box::new(job));
        self.inner.wake.notify_one();
    }

    pub fn submit<T, F>(&self, job: F) -> JobHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.execute(move || {
            let r = catch_unwind(AssertUnwindSafe(job)).map_err(|p| JobPanicked { message: text_of(p) });
            let _ = tx.send(r);
        });
        JobHandle { rx }
    }

    pub fn map<I, T, R, F>(&self, items: I, f: F) -> Vec<R>
    where
        I: IntoIterator<Item = T>,
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let hs: Vec<_> = items
            .into_iter()
            .map(|x| {
                let f = f.clone();
                self.submit(move || f(x))
            })
            .collect();
        hs.into_iter()
            .map(|h| match h.join() {
                Ok(v) => v,
                Err(e) => panic!("{}", e.message),
            })
            .collect()
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        {
            let _g = self.inner.jobs.lock().unwrap();
            self.inner.wake.notify_all();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl<T> JobHandle<T> {
    pub fn join(self) -> Result<T, JobPanicked> {
        self.rx.recv().expect("the worker dropped the job")
    }
}
