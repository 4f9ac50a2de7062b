//! Alternate: every waiter gets a slot of its own (a `granted` flag and its `Thread`) in a
//! FIFO queue and sleeps with `thread::park_timeout`; releasing the lock grants it to the first
//! slot and unparks only that thread (no `Condvar`, no tickets). The state is moved out of its
//! `Mutex<Option<S>>` into the token while the lock is held and put back when it is released.

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, Thread, ThreadId};
use std::time::{Duration, Instant};

/// CPython's default switch interval (`sys.getswitchinterval()`): 5 ms.
pub const DEFAULT_SWITCH_INTERVAL: Duration = Duration::from_millis(5);

/// [`Interpreter::with_gil`] was called by a thread that already holds that interpreter's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyHeld;

impl fmt::Display for AlreadyHeld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("this thread already holds the interpreter lock")
    }
}

impl std::error::Error for AlreadyHeld {}

/// A waiting thread's place in line.
struct Slot {
    thread: Thread,
    granted: AtomicBool,
}

#[derive(Default)]
struct Line {
    taken: bool,
    holder: Option<ThreadId>,
    waiting: VecDeque<Arc<Slot>>,
}

/// A toy interpreter: some shared state `S` and the global lock that guards it.
pub struct Interpreter<S> {
    line: Mutex<Line>,
    /// Bumped each time the lock is granted: a waiter sees whether it moved.
    grants: AtomicU64,
    drop_request: AtomicBool,
    interval: Duration,
    /// `None` while a token has the state.
    state: Mutex<Option<S>>,
}

/// Proof that this thread holds the interpreter's lock, and the only way to reach its state.
pub struct Python<'py, S> {
    interp: &'py Interpreter<S>,
    /// The state itself, moved out while the lock is held; `None` inside `allow_threads`.
    state: Option<S>,
    /// The token stays on the thread that holds the lock.
    _not_send: PhantomData<*const ()>,
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<S> Interpreter<S> {
    /// An interpreter with the default switch interval of 5 ms.
    pub fn new(state: S) -> Self {
        Self::with_switch_interval(state, DEFAULT_SWITCH_INTERVAL)
    }

    /// An interpreter whose lock holder is asked to switch once a waiter has waited `interval`.
    pub fn with_switch_interval(state: S, interval: Duration) -> Self {
        Interpreter {
            line: Mutex::new(Line::default()),
            grants: AtomicU64::new(0),
            drop_request: AtomicBool::new(false),
            interval,
            state: Mutex::new(Some(state)),
        }
    }

    /// How long a waiter waits before it asks the holder to switch.
    pub fn switch_interval(&self) -> Duration {
        self.interval
    }

    /// Takes the lock (in arrival order), runs `f` with the token, and gives the lock back,
    /// also when `f` panics. A nested call by the holder gets `Err(AlreadyHeld)`.
    pub fn with_gil<R>(&self, f: impl FnOnce(&mut Python<'_, S>) -> R) -> Result<R, AlreadyHeld> {
        if guard(&self.line).holder == Some(thread::current().id()) {
            return Err(AlreadyHeld);
        }
        let mut py = Python { interp: self, state: None, _not_send: PhantomData };
        py.state = Some(self.enter());
        Ok(f(&mut py))
    }

    /// The state, once no thread can use the interpreter any more.
    pub fn into_inner(self) -> S {
        let state = self.state.into_inner().unwrap_or_else(PoisonError::into_inner);
        state.expect("every token put the state back")
    }

    /// Gets the lock (queueing behind the waiters if it is taken) and takes the state out.
    fn enter(&self) -> S {
        let me = thread::current();
        let mut line = guard(&self.line);
        if !line.taken && line.waiting.is_empty() {
            line.taken = true;
            line.holder = Some(me.id());
            self.grants.fetch_add(1, Ordering::Relaxed);
            drop(line);
        } else {
            let slot = Arc::new(Slot { thread: me, granted: AtomicBool::new(false) });
            line.waiting.push_back(slot.clone());
            drop(line);
            let mut since = Instant::now();
            let mut seen = self.grants.load(Ordering::Relaxed);
            while !slot.granted.load(Ordering::Acquire) {
                let now_grants = self.grants.load(Ordering::Relaxed);
                if now_grants != seen {
                    (seen, since) = (now_grants, Instant::now());
                }
                let waited = since.elapsed();
                if waited >= self.interval {
                    // A whole interval and the lock did not move: ask the holder to let go.
                    self.drop_request.store(true, Ordering::Relaxed);
                    since = Instant::now();
                    continue;
                }
                // An unpark (our grant) ends this early; so may nothing at all: loop and check.
                thread::park_timeout(self.interval - waited);
            }
        }
        self.drop_request.store(false, Ordering::Relaxed);
        guard(&self.state).take().expect("the lock holder finds the state in place")
    }

    /// Puts the state back and grants the lock to the first waiter, if any.
    fn leave(&self, state: S) {
        *guard(&self.state) = Some(state);
        let mut line = guard(&self.line);
        match line.waiting.pop_front() {
            Some(next) => {
                line.holder = Some(next.thread.id());
                self.grants.fetch_add(1, Ordering::Relaxed);
                drop(line);
                next.granted.store(true, Ordering::Release);
                next.thread.unpark();
            }
            None => {
                line.taken = false;
                line.holder = None;
            }
        }
    }
}

impl<S> Python<'_, S> {
    /// The interpreter's state.
    pub fn state(&mut self) -> &mut S {
        self.state.as_mut().expect("the token has the state while its owner can use it")
    }

    /// Between "bytecodes": if a waiter asked for the lock, grant it and queue again.
    pub fn check_switch(&mut self) {
        if self.interp.drop_request.load(Ordering::Relaxed)
            && let Some(state) = self.state.take()
        {
            self.interp.leave(state);
            self.state = Some(self.interp.enter());
        }
    }

    /// Runs `f` with the lock released, then takes the lock back.
    pub fn allow_threads<R>(&mut self, f: impl FnOnce() -> R) -> R {
        if let Some(state) = self.state.take() {
            self.interp.leave(state);
        }
        let result = f();
        self.state = Some(self.interp.enter());
        result
    }
}

impl<S> Drop for Python<'_, S> {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            self.interp.leave(state);
        }
    }
}
