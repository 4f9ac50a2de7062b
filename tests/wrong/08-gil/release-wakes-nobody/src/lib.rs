//! A student's GIL whose release never notifies: a waiter finds the lock free only when its own wait_timeout ends.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

pub const DEFAULT_SWITCH_INTERVAL: Duration = Duration::from_millis(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyHeld;

impl fmt::Display for AlreadyHeld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("this thread already holds the interpreter lock")
    }
}

impl std::error::Error for AlreadyHeld {}

struct Lock {
    owner: Option<ThreadId>,
    line: VecDeque<ThreadId>,
}

pub struct Interpreter<S> {
    lock: Mutex<Lock>,
    cv: Condvar,
    please_switch: AtomicBool,
    interval: Duration,
    data: Mutex<S>,
}

pub struct Python<'py, S> {
    interp: &'py Interpreter<S>,
    guard: Option<MutexGuard<'py, S>>,
}

impl<S> Interpreter<S> {
    pub fn new(state: S) -> Self {
        Self::with_switch_interval(state, DEFAULT_SWITCH_INTERVAL)
    }

    pub fn with_switch_interval(state: S, interval: Duration) -> Self {
        Interpreter {
            lock: Mutex::new(Lock { owner: None, line: VecDeque::new() }),
            cv: Condvar::new(),
            please_switch: AtomicBool::new(false),
            interval,
            data: Mutex::new(state),
        }
    }

    pub fn switch_interval(&self) -> Duration {
        self.interval
    }

    pub fn with_gil<R>(&self, f: impl FnOnce(&mut Python<'_, S>) -> R) -> Result<R, AlreadyHeld> {
        {
            let l = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            if l.owner == Some(thread::current().id()) {
                return Err(AlreadyHeld);
            }
        }
        self.acquire();
        let guard = self.data.lock().unwrap_or_else(|e| e.into_inner());
        let mut py = Python { interp: self, guard: Some(guard) };
        Ok(f(&mut py))
    }

    pub fn into_inner(self) -> S {
        self.data.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn acquire(&self) {
        let me = thread::current().id();
        let mut l = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        l.line.push_back(me);
        let mut since = Instant::now();
        loop {
            if l.owner.is_none() && l.line.front() == Some(&me) {
                l.line.pop_front();
                l.owner = Some(me);
                self.please_switch.store(false, Ordering::SeqCst);
                return;
            }
            let (g, _) = self.cv.wait_timeout(l, self.interval).unwrap_or_else(|e| e.into_inner());
            l = g;
            if since.elapsed() >= self.interval {
                self.please_switch.store(true, Ordering::SeqCst);
                since = Instant::now();
            }
        }
    }

    fn release(&self) {
        let mut l = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        l.owner = None;
        drop(l);
    }
}

impl<S> Python<'_, S> {
    pub fn state(&mut self) -> &mut S {
        self.guard.as_mut().expect("held")
    }

    pub fn check_switch(&mut self) {
        if self.interp.please_switch.load(Ordering::SeqCst) {
            self.guard = None;
            self.interp.release();
            self.interp.acquire();
            self.guard = Some(self.interp.data.lock().unwrap_or_else(|e| e.into_inner()));
        }
    }

    pub fn allow_threads<R>(&mut self, f: impl FnOnce() -> R) -> R {
        self.guard = None;
        self.interp.release();
        let r = f();
        self.interp.acquire();
        self.guard = Some(self.interp.data.lock().unwrap_or_else(|e| e.into_inner()));
        r
    }
}

impl<S> Drop for Python<'_, S> {
    fn drop(&mut self) {
        if self.guard.take().is_some() {
            self.interp.release();
        }
    }
}
