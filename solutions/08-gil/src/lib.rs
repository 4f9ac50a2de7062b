//! Kata 08: a global interpreter lock. One lock guards a toy interpreter's state; a token is
//! the only way to reach that state; the holder switches out after a switch interval when
//! someone waits; `allow_threads` lets go around blocking work.

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

/// A toy interpreter: some shared state `S` and the global lock that guards it.
pub struct Interpreter<S> {
    /// Who holds the lock and who is next: a ticket lock, so waiters are served in order.
    gil: Mutex<Gil>,
    /// Waiters sleep here until their ticket comes up.
    turn: Condvar,
    /// Set by a waiter that has waited a whole interval: "holder, please switch".
    /// The holder reads it at every bytecode, so it is an atomic, not behind `gil`.
    drop_request: AtomicBool,
    interval: Duration,
    /// The interpreter's state. Only the holder of the GIL locks this mutex, so it is never
    /// contended; it is here because safe Rust needs a lock to hand out `&mut S` from `&self`.
    state: Mutex<S>,
}

#[derive(Debug, Default)]
struct Gil {
    /// The thread that holds the lock, if any: how a nested acquire is recognised.
    holder: Option<ThreadId>,
    /// The ticket the next arriving thread draws.
    next_ticket: u64,
    /// The ticket whose turn it is; the lock is free for it once the previous holder gives it.
    now_serving: u64,
}

/// Proof that this thread holds the interpreter's lock, and the only way to reach its state
/// (like PyO3's `Python<'py>`). It lives only inside [`Interpreter::with_gil`].
pub struct Python<'py, S> {
    interp: &'py Interpreter<S>,
    /// `Some` exactly while this thread holds the lock.
    state: Option<MutexGuard<'py, S>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic never leaves the GIL's bookkeeping half-written, and the interpreter state is not
    // "poisoned" by a panicking script either: Python carries on, and so do we.
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
            gil: Mutex::new(Gil::default()),
            turn: Condvar::new(),
            drop_request: AtomicBool::new(false),
            // A zero interval would make waiters spin; 100 us is plenty fine-grained.
            interval: interval.max(Duration::from_micros(100)),
            state: Mutex::new(state),
        }
    }

    /// How long a waiter waits before it asks the holder to switch.
    pub fn switch_interval(&self) -> Duration {
        self.interval
    }

    /// Takes the lock (waiting for it in arrival order), runs `f` with the token, and gives
    /// the lock back, also when `f` panics. A thread that already holds this interpreter's lock
    /// gets `Err(AlreadyHeld)` at once instead of waiting for itself for ever.
    pub fn with_gil<R>(&self, f: impl FnOnce(&mut Python<'_, S>) -> R) -> Result<R, AlreadyHeld> {
        if self.held_by_current_thread() {
            return Err(AlreadyHeld);
        }
        let mut py = Python { interp: self, state: Some(self.take()) };
        Ok(f(&mut py))
        // `py` drops here, or while unwinding from a panic in `f`: its Drop gives the lock back.
    }

    /// The state, once no thread can use the interpreter any more.
    pub fn into_inner(self) -> S {
        self.state.into_inner().unwrap_or_else(PoisonError::into_inner)
    }

    fn held_by_current_thread(&self) -> bool {
        lock(&self.gil).holder == Some(thread::current().id())
    }

    /// Draws a ticket and waits for its turn. A waiter that sees a whole interval pass without
    /// the lock changing hands raises the drop request, like CPython's `take_gil`.
    fn take(&self) -> MutexGuard<'_, S> {
        let mut gil = lock(&self.gil);
        let ticket = gil.next_ticket;
        gil.next_ticket += 1;
        while gil.now_serving != ticket {
            let serving = gil.now_serving;
            let (g, waited) =
                self.turn.wait_timeout(gil, self.interval).unwrap_or_else(PoisonError::into_inner);
            gil = g;
            if waited.timed_out() && gil.now_serving == serving {
                self.drop_request.store(true, Ordering::Relaxed);
            }
        }
        gil.holder = Some(thread::current().id());
        // A new holder starts with a whole interval before anyone may ask it to switch.
        self.drop_request.store(false, Ordering::Relaxed);
        drop(gil);
        lock(&self.state)
    }

    /// Passes the lock to the next ticket and wakes the waiters to see whose turn it is.
    fn give(&self) {
        let mut gil = lock(&self.gil);
        gil.holder = None;
        gil.now_serving += 1;
        self.turn.notify_all();
    }
}

impl<S> Python<'_, S> {
    /// The interpreter's state. The borrow ends before the next `check_switch` or
    /// `allow_threads`, so no one can keep a reference across a moment without the lock.
    pub fn state(&mut self) -> &mut S {
        self.state.as_mut().expect("the token holds the lock whenever its owner can use it")
    }

    /// Call between "bytecodes": if a waiter has asked for the lock, give it up and queue
    /// for it again behind everyone already waiting (forced switching).
    pub fn check_switch(&mut self) {
        if self.interp.drop_request.load(Ordering::Relaxed) {
            self.switch();
        }
    }

    fn switch(&mut self) {
        self.state = None; // the state goes back before the lock does
        self.interp.give(); // the longest waiter's turn...
        self.state = Some(self.interp.take()); // ...and ours again after the ones already queued
    }

    /// Runs `f` (blocking work: I/O, sleeping, a long computation on its own data) with the
    /// lock released, so other threads can run meanwhile, then takes the lock back.
    pub fn allow_threads<R>(&mut self, f: impl FnOnce() -> R) -> R {
        self.state = None;
        self.interp.give();
        // If `f` panics, `state` stays `None` and Drop knows there is no lock to give back.
        let result = f();
        self.state = Some(self.interp.take());
        result
    }
}

impl<S> Drop for Python<'_, S> {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            drop(state);
            self.interp.give();
        }
    }
}
