//! Kata 13: a spin lock and a ticket lock built from atomics, checked by the loom model checker.
//!
//! Read README.md first. Everything comes from `crate::sync` (see src/sync.rs), so the same code
//! runs on real threads in a normal build and under loom with `--cfg loom`.
//! Check your work with `cargo test -p spin-lock`, then `cargo run -p grader -- spin-lock`.

use std::ops::{Deref, DerefMut};

pub mod sync;

use sync::{AtomicBool, AtomicUsize, Ordering, UnsafeCell, spin_loop};

/// A lock that waits by spinning: a flag that is `true` while a guard exists.
pub struct SpinLock<T> {
    locked: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: the flag lets one thread at a time reach `data`, so sharing a `&SpinLock<T>` between
// threads only ever moves access to the `T` from one thread to another: that needs `T: Send`,
// not `T: Sync` (the same bound as `std::sync::Mutex`).
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A lock, unlocked, holding `value`.
    pub fn new(value: T) -> Self {
        SpinLock { locked: AtomicBool::new(false), data: UnsafeCell::new(value) }
    }

    /// Spins until the lock is ours, then returns a guard that gives access to the value and
    /// unlocks when dropped.
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        // Acquire on success: everything the previous holder wrote before its Release store in
        // `drop` is visible to us. A failed attempt takes nothing, so Relaxed is enough there.
        while self.locked.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            // Wait with plain loads until the lock looks free (test and test-and-set): a load
            // keeps the cache line shared, where a failing compare-exchange would grab it.
            while self.locked.load(Ordering::Relaxed) {
                spin_loop();
            }
        }
        SpinLockGuard { lock: self }
    }

    /// Takes the lock if it is free right now; never waits.
    pub fn try_lock(&self) -> Option<SpinLockGuard<'_, T>> {
        self.locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| SpinLockGuard { lock: self })
    }

    /// Consumes the lock and returns the value. Owning the lock means no guard can exist.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
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
        // SAFETY: this guard exists only while `locked` is true and we set it: no one else
        // touches the value until `drop` clears the flag, after the borrow has ended.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` also makes this the only borrow through the guard.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        // Release: our writes to the value happen before the next holder's Acquire sees `false`.
        self.lock.locked.store(false, Ordering::Release);
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
        TicketLock {
            next_ticket: AtomicUsize::new(0),
            now_serving: AtomicUsize::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// Takes the next ticket, spins until it is served, then returns the guard.
    pub fn lock(&self) -> TicketLockGuard<'_, T> {
        // fetch_add hands every caller a different number, in the order the calls reach the
        // counter. The ticket itself protects no data, so Relaxed is enough here.
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        // Acquire pairs with the Release in `drop` of the guard that served the ticket before.
        while self.now_serving.load(Ordering::Acquire) != ticket {
            spin_loop();
        }
        TicketLockGuard { lock: self }
    }

    /// How many threads hold the lock or wait for it: tickets handed out minus tickets served.
    /// A snapshot, already stale when it returns; handy for tests and demos.
    pub fn queue_len(&self) -> usize {
        let served = self.now_serving.load(Ordering::Relaxed);
        self.next_ticket.load(Ordering::Relaxed).wrapping_sub(served)
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
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
        // SAFETY: our ticket is being served, so no other thread touches the value.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for TicketLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for TicketLockGuard<'_, T> {
    fn drop(&mut self) {
        // Only the holder changes `now_serving`, so an increment cannot race with another.
        // Release publishes our writes to whoever holds the next ticket.
        self.lock.now_serving.fetch_add(1, Ordering::Release);
    }
}
