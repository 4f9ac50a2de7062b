//! A student's pool: jobs in a `Vec` behind a Mutex, a Condvar to sleep on, a closed flag.
//! The flaw: `Vec::pop` takes the newest job, so a busy pool runs its queue backwards.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct State {
    jobs: Vec<Job>,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    more: Condvar,
}

pub struct ThreadPool {
    shared: Arc<Shared>,
    threads: Vec<thread::JoinHandle<()>>,
}

pub struct JobHandle<T> {
    rx: mpsc::Receiver<Result<T, JobPanicked>>,
}

fn worker(shared: Arc<Shared>) {
    loop {
        let job = {
            let mut st = shared.state.lock().unwrap();
            loop {
                if let Some(job) = st.jobs.pop() {
                    break job;
                }
                if st.closed {
                    return;
                }
                st = shared.more.wait(st).unwrap();
            }
        };
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

impl ThreadPool {
    pub fn new(workers: usize) -> ThreadPool {
        assert!(workers != 0);
        let shared = Arc::new(Shared::default());
        let threads = (0..workers)
            .map(|_| {
                let s = shared.clone();
                thread::spawn(move || worker(s))
            })
            .collect();
        ThreadPool { shared, threads }
    }

    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        self.shared.state.lock().unwrap().jobs.push(Box::new(job));
        self.shared.more.notify_one();
    }

    pub fn submit<T, F>(&self, job: F) -> JobHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.execute(move || {
            let outcome = catch_unwind(AssertUnwindSafe(job)).map_err(|p| {
                let message = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                JobPanicked { message }
            });
            let _ = tx.send(outcome);
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
        let handles: Vec<JobHandle<R>> = items
            .into_iter()
            .map(|item| {
                let f = f.clone();
                self.submit(move || f(item))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| panic!("{}", e.message))).collect()
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shared.state.lock().unwrap().closed = true;
        self.shared.more.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl<T> JobHandle<T> {
    pub fn join(self) -> Result<T, JobPanicked> {
        self.rx.recv().unwrap()
    }
}
