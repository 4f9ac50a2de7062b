//! Kata 08: a global interpreter lock. One lock guards a toy interpreter's state; a token is
//! the only way to reach that state; the holder switches out after a switch interval when
//! someone waits; `allow_threads` lets go around blocking work.
//!
//! Read README.md first: it suggests a layout for the private fields. Replace the `_todo`
//! placeholders with your fields and each `todo!()` with code.
//! Check your work with `cargo test -p gil`, then `cargo run -p grader -- gil`.

use std::fmt;
use std::marker::PhantomData;
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
    // Your fields here. One layout that works (see README.md): a `Mutex` with the lock's
    // bookkeeping (holder, tickets), a `Condvar` for waiters, an `AtomicBool` drop request,
    // the switch interval, and a `Mutex<S>` for the state.
    _todo: PhantomData<S>,
}

/// Proof that this thread holds the interpreter's lock, and the only way to reach its state
/// (like PyO3's `Python<'py>`). It lives only inside [`Interpreter::with_gil`].
pub struct Python<'py, S> {
    // Your fields here: the interpreter it belongs to, and the state's guard while the lock
    // is held (an `Option<MutexGuard<'py, S>>`).
    _todo: PhantomData<&'py mut S>,
}

impl<S> Interpreter<S> {
    /// An interpreter with the default switch interval of 5 ms.
    pub fn new(state: S) -> Self {
        todo!("with_switch_interval(state, DEFAULT_SWITCH_INTERVAL)")
    }

    /// An interpreter whose lock holder is asked to switch once a waiter has waited `interval`.
    pub fn with_switch_interval(state: S, interval: Duration) -> Self {
        todo!("build your fields; the lock starts free")
    }

    /// How long a waiter waits before it asks the holder to switch.
    pub fn switch_interval(&self) -> Duration {
        todo!("return the interval")
    }

    /// Takes the lock (waiting for it in arrival order), runs `f` with the token, and gives
    /// the lock back, also when `f` panics. A thread that already holds this interpreter's lock
    /// gets `Err(AlreadyHeld)` at once instead of waiting for itself for ever.
    pub fn with_gil<R>(&self, f: impl FnOnce(&mut Python<'_, S>) -> R) -> Result<R, AlreadyHeld> {
        todo!(
            "refuse a nested call, wait for the lock, build the token, run f; the token's Drop gives the lock back"
        )
    }

    /// The state, once no thread can use the interpreter any more.
    pub fn into_inner(self) -> S {
        todo!("Mutex::into_inner, ignoring poisoning")
    }
}

impl<S> Python<'_, S> {
    /// The interpreter's state. The borrow ends before the next `check_switch` or
    /// `allow_threads`, so no one can keep a reference across a moment without the lock.
    pub fn state(&mut self) -> &mut S {
        todo!("the state behind the guard the token holds")
    }

    /// Call between "bytecodes": if a waiter has asked for the lock, give it up and queue
    /// for it again behind everyone already waiting (forced switching).
    pub fn check_switch(&mut self) {
        todo!(
            "cheap when nobody waits: read the drop request; if set, give the lock away and take a new place in line"
        )
    }

    /// Runs `f` (blocking work: I/O, sleeping, a long computation on its own data) with the
    /// lock released, so other threads can run meanwhile, then takes the lock back.
    pub fn allow_threads<R>(&mut self, f: impl FnOnce() -> R) -> R {
        todo!("drop the state guard, give the lock, run f, take the lock and the guard back")
    }
}
