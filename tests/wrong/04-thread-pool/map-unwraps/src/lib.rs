//! A student's pool: every worker takes jobs from one channel behind `Arc<Mutex<Receiver>>`.
//! The flaw: `map` unwraps each handle's result, so a panic in `f` comes out as unwrap's message, not f's.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

pub struct ThreadPool {
    sender: Option<mpsc::Sender<Job>>,
    workers: Vec<thread::JoinHandle<()>>,
}

pub struct JobHandle<T> {
    result: mpsc::Receiver<thread::Result<T>>,
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        String::from("unknown panic")
    }
}

impl ThreadPool {
    pub fn new(workers: usize) -> ThreadPool {
        assert!(workers > 0, "a pool needs at least one worker");
        let (sender, receiver) = mpsc::channel();
        let receiver = Arc::new(Mutex::new(receiver));
        let mut handles = Vec::new();
        for _ in 0..workers {
            let receiver = Arc::clone(&receiver);
            handles.push(thread::spawn(move || {
                loop {
                    let next = receiver.lock().unwrap().recv();
                    match next {
                        Ok(job) => {
                            let _ = catch_unwind(AssertUnwindSafe(job));
                        }
                        Err(_) => break,
                    }
                }
            }));
        }
        ThreadPool { sender: Some(sender), workers: handles }
    }

    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        self.sender.as_ref().unwrap().send(Box::new(job)).unwrap();
    }

    pub fn submit<T, F>(&self, job: F) -> JobHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.execute(move || {
            let _ = tx.send(catch_unwind(AssertUnwindSafe(job)));
        });
        JobHandle { result: rx }
    }

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
        let mut out = Vec::new();
        for h in handles {
            out.push(h.join().unwrap());
        }
        out
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        drop(self.sender.take());
        for w in self.workers.drain(..) {
            w.join().unwrap();
        }
    }
}

impl<T> JobHandle<T> {
    pub fn join(self) -> Result<T, JobPanicked> {
        match self.result.recv().expect("the job was lost") {
            Ok(v) => Ok(v),
            Err(p) => Err(JobPanicked { message: message(&*p) }),
        }
    }
}
