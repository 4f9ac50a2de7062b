//! Alternate: the spin lock takes its flag with `swap(true, Acquire)` (test-and-set) and waits
//! with plain loads before swapping again, instead of the reference's compare-exchange loop;
//! `try_lock` is one swap. The ticket guard remembers its own ticket and unlocks by storing
//! `ticket + 1`, and waiters spin on `Relaxed` loads, then confirm with one `Acquire` load.

use std::ops::{Deref, DerefMut};

pub mod sync;

use sync::{AtomicBool, AtomicUsize, Ordering, UnsafeCell, spin_loop};

/// A lock that waits by spinning: a flag that is `true` while a guard exists.
pub struct SpinLock<T> {
    locked: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: the flag lets one thread at a time reach `data`, so sharing the lock only moves the
// `T` between threads: `T: Send` is enough, as for `std::sync::Mutex`.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A lock, unlocked, holding `value`.
    pub fn new(value: T) -> Self {
        SpinLock { locked: AtomicBool::new(false), data: UnsafeCell::new(value) }
    }

    /// Spins until the lock is ours, then returns a guard that gives access to the value and
    /// unlocks when dropped.
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        loop {
            // Test-and-set: the old value says whether it was free. Acquire pairs with the
            // Release store in the previous holder's drop.
            if !self.locked.swap(true, Ordering::Acquire) {
                return SpinLockGuard { lock: self };
            }
            // Taken: watch it with loads (they share the cache line) until it looks free.
            while self.locked.load(Ordering::Relaxed) {
                spin_loop();
            }
        }
    }

    /// Takes the lock if it is free right now; never waits.
    pub fn try_lock(&self) -> Option<SpinLockGuard<'_, T>> {
        if self.locked.swap(true, Ordering::Acquire) { None } else { Some(SpinLockGuard { lock: self }) }
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

// SAFETY: a shared guard hands out `&T`, so sharing it between threads needs `T: Sync`.
unsafe impl<T: Sync> Sync for SpinLockGuard<'_, T> {}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard exists only while the flag is set by us, so nobody else reaches
        // the value; the reference lives no longer than the guard.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in deref, and `&mut self` makes this the only borrow through the guard.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        // Release: our writes to the value are visible to whoever swaps the flag next.
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
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        // Cheap waiting first; nobody but our own holder can move the counter past our
        // ticket, so once a Relaxed load shows it, an Acquire load sees the same store and
        // synchronises with it.
        while self.now_serving.load(Ordering::Relaxed) != ticket {
            spin_loop();
        }
        let served = self.now_serving.load(Ordering::Acquire);
        debug_assert_eq!(served, ticket);
        TicketLockGuard { lock: self, ticket }
    }

    /// How many threads hold the lock or wait for it: tickets handed out minus tickets served.
    pub fn queue_len(&self) -> usize {
        // Served first, with Acquire: every ticket it counts was handed out before the store we
        // read, so the later load of `next_ticket` sees at least that many. (Read the other way
        // round, a lock and two unlocks in between could make the difference "negative".)
        let served = self.now_serving.load(Ordering::Acquire);
        let handed_out = self.next_ticket.load(Ordering::Relaxed);
        handed_out.wrapping_sub(served)
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

/// Access to the value of a locked [`TicketLock`]; serves the next ticket when dropped.
pub struct TicketLockGuard<'a, T> {
    lock: &'a TicketLock<T>,
    /// The ticket this guard was served with: the next one is `ticket + 1`.
    ticket: usize,
}

// SAFETY: as for `SpinLockGuard`.
unsafe impl<T: Sync> Sync for TicketLockGuard<'_, T> {}

impl<T> Deref for TicketLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: our ticket is being served, and only one ticket is served at a time.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for TicketLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in deref, and `&mut self` makes this the only borrow through the guard.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for TicketLockGuard<'_, T> {
    fn drop(&mut self) {
        // Only the holder writes `now_serving`, so a plain store of the next number is enough.
        self.lock.now_serving.store(self.ticket.wrapping_add(1), Ordering::Release);
    }
}
