//! Kata 13: a spin lock and a ticket lock built from atomics, checked by the loom model checker.
//!
//! Read README.md first. Everything comes from `crate::sync` (see src/sync.rs, and do not change
//! it), so the same code runs on real threads in a normal build and under loom with `--cfg loom`.
//! You will need `Ordering` and `spin_loop` from there too: add them to the `use` below.
//! Check your work with `cargo test -p spin-lock`, then `cargo run -p grader -- spin-lock`.

use std::ops::{Deref, DerefMut};

pub mod sync;

use sync::{AtomicBool, AtomicUsize, UnsafeCell};

/// A lock that waits by spinning: a flag that is `true` while a guard exists.
pub struct SpinLock<T> {
    locked: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: the flag lets one thread at a time reach `data`, so sharing a `&SpinLock<T>` between
// threads only ever hands the `T` from one thread to another: that needs `T: Send`, not
// `T: Sync` (the same bound as `std::sync::Mutex`). Your `lock` must keep this promise.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A lock, unlocked, holding `value`.
    pub fn new(value: T) -> Self {
        todo!("an AtomicBool that starts false, and the value in an UnsafeCell")
    }

    /// Spins until the lock is ours, then returns a guard that gives access to the value and
    /// unlocks when dropped.
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        todo!(
            "compare_exchange_weak(false, true, Acquire, Relaxed) until it succeeds; while it fails, \
             wait with load(Relaxed) and spin_loop() until the flag looks false"
        )
    }

    /// Takes the lock if it is free right now; never waits.
    pub fn try_lock(&self) -> Option<SpinLockGuard<'_, T>> {
        todo!("one compare_exchange(false, true, Acquire, Relaxed): Some(guard) if it succeeded")
    }

    /// Consumes the lock and returns the value. Owning the lock means no guard can exist.
    pub fn into_inner(self) -> T {
        todo!("UnsafeCell::into_inner")
    }
}

/// Access to the value of a locked [`SpinLock`]; unlocks when dropped, also during a panic.
pub struct SpinLockGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

// SAFETY: a shared guard hands out `&T` (through Deref), so sharing it between threads needs
// `T: Sync`. Without this line the compiler would derive `Sync` from the `&SpinLock<T>` field,
// which needs only `T: Send`: two threads could then use, say, a `Cell` at the same time.
unsafe impl<T: Sync> Sync for SpinLockGuard<'_, T> {}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        todo!("self.lock.data.with(|p| unsafe {{ &*p }}), with a SAFETY comment saying why it is sound")
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        todo!("like deref, with with_mut and &mut *p")
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        todo!("store false into the flag with Release, so the next holder sees our writes")
    }
}

/// A fair lock: each caller takes a numbered ticket and waits until that number is served,
/// so threads get the lock in the order they asked for it.
pub struct TicketLock<T> {
    next_ticket: AtomicUsize,
    now_serving: AtomicUsize,
    data: UnsafeCell<T>,
}

// SAFETY: as for `SpinLock`: only the thread whose ticket is served reaches `data`.
unsafe impl<T: Send> Sync for TicketLock<T> {}

impl<T> TicketLock<T> {
    /// A lock, unlocked, holding `value`.
    pub fn new(value: T) -> Self {
        todo!("both counters start at 0: ticket 0 is served first")
    }

    /// Takes the next ticket, spins until it is served, then returns the guard.
    pub fn lock(&self) -> TicketLockGuard<'_, T> {
        todo!(
            "my ticket = next_ticket.fetch_add(1, ..); spin_loop() until now_serving.load(Acquire) \
             equals it"
        )
    }

    /// How many threads hold the lock or wait for it: tickets handed out minus tickets served.
    /// A snapshot, already stale when it returns; handy for tests and demos.
    pub fn queue_len(&self) -> usize {
        todo!("next_ticket minus now_serving (wrapping_sub: the counters may wrap around)")
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        todo!("UnsafeCell::into_inner")
    }
}

/// Access to the value of a locked [`TicketLock`]; serves the next ticket when dropped.
pub struct TicketLockGuard<'a, T> {
    lock: &'a TicketLock<T>,
}

// SAFETY: as for `SpinLockGuard`.
unsafe impl<T: Sync> Sync for TicketLockGuard<'_, T> {}

impl<T> Deref for TicketLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        todo!("as for SpinLockGuard")
    }
}

impl<T> DerefMut for TicketLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        todo!("as for SpinLockGuard")
    }
}

impl<T> Drop for TicketLockGuard<'_, T> {
    fn drop(&mut self) {
        todo!("serve the next ticket: now_serving.fetch_add(1, Release)")
    }
}
