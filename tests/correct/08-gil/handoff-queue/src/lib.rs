//! Alternate: no tickets. The lock keeps an explicit FIFO queue of waiting thread ids, and
//! releasing it hands it straight to the first waiter (the giver writes the new holder), so a
//! switching holder that queues again can never jump the line. Waiters share one `Condvar`
//! and check whether they were made holder; a counter of hand-offs tells a waiter whether the
//! lock changed hands during its interval.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, ThreadId};
use std::time::Duration;

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

/// Who holds the lock and who waits for it, in order.
#[derive(Default)]
struct Owners {
    holder: Option<ThreadId>,
    queue: VecDeque<ThreadId>,
    /// Times the lock has changed hands.
    handoffs: u64,
}

/// A toy interpreter: some shared state `S` and the global lock that guards it.
pub struct Interpreter<S> {
    owners: Mutex<Owners>,
    changed: Condvar,
    drop_request: AtomicBool,
    interval: Duration,
    state: Mutex<S>,
}

/// Proof that this thread holds the interpreter's lock, and the only way to reach its state.
pub struct Python<'py, S> {
    interp: &'py Interpreter<S>,
    guard: Option<MutexGuard<'py, S>>,
}

fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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
            owners: Mutex::new(Owners::default()),
            changed: Condvar::new(),
            drop_request: AtomicBool::new(false),
            interval,
            state: Mutex::new(state),
        }
    }

    /// How long a waiter waits before it asks the holder to switch.
    pub fn switch_interval(&self) -> Duration {
        self.interval
    }

    /// Takes the lock (in arrival order), runs `f` with the token, and gives the lock back,
    /// also when `f` panics. A nested call by the holder gets `Err(AlreadyHeld)`.
    pub fn with_gil<R>(&self, f: impl FnOnce(&mut Python<'_, S>) -> R) -> Result<R, AlreadyHeld> {
        if relock(&self.owners).holder == Some(thread::current().id()) {
            return Err(AlreadyHeld);
        }
        let mut py = Python { interp: self, guard: None };
        py.guard = Some(self.acquire());
        Ok(f(&mut py))
    }

    /// The state, once no thread can use the interpreter any more.
    pub fn into_inner(self) -> S {
        self.state.into_inner().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until the lock is handed to this thread (or takes it if nobody has it).
    fn acquire(&self) -> MutexGuard<'_, S> {
        let me = thread::current().id();
        let mut owners = relock(&self.owners);
        if owners.holder.is_none() && owners.queue.is_empty() {
            owners.holder = Some(me);
            owners.handoffs += 1;
        } else {
            owners.queue.push_back(me);
            while owners.holder != Some(me) {
                let seen = owners.handoffs;
                let (o, waited) =
                    self.changed.wait_timeout(owners, self.interval).unwrap_or_else(PoisonError::into_inner);
                owners = o;
                if waited.timed_out() && owners.handoffs == seen && owners.holder != Some(me) {
                    // A whole interval and the lock did not move: ask the holder to let go.
                    self.drop_request.store(true, Ordering::Relaxed);
                }
            }
        }
        // The holder just changed: it gets a full interval before it is asked to switch.
        self.drop_request.store(false, Ordering::Relaxed);
        drop(owners);
        relock(&self.state)
    }

    /// Hands the lock to the first waiter, or leaves it free if nobody waits.
    fn release(&self) {
        let mut owners = relock(&self.owners);
        owners.holder = owners.queue.pop_front();
        if owners.holder.is_some() {
            owners.handoffs += 1;
        }
        drop(owners);
        self.changed.notify_all();
    }
}

impl<S> Python<'_, S> {
    /// The interpreter's state.
    pub fn state(&mut self) -> &mut S {
        self.guard.as_deref_mut().expect("the token holds the lock while its owner can use it")
    }

    /// Between "bytecodes": if a waiter asked for the lock, hand it over and queue again.
    pub fn check_switch(&mut self) {
        if !self.interp.drop_request.load(Ordering::Relaxed) {
            return;
        }
        self.guard = None;
        self.interp.release();
        self.guard = Some(self.interp.acquire());
    }

    /// Runs `f` with the lock released, then takes the lock back.
    pub fn allow_threads<R>(&mut self, f: impl FnOnce() -> R) -> R {
        self.guard = None;
        self.interp.release();
        let out = f();
        self.guard = Some(self.interp.acquire());
        out
    }
}

impl<S> Drop for Python<'_, S> {
    fn drop(&mut self) {
        // No guard: we are unwinding out of allow_threads, where the lock was not ours.
        if self.guard.take().is_some() {
            self.interp.release();
        }
    }
}
