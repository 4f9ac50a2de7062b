//! Alternate: the spin lock looks before it leaps: each round first loads the flag and only
//! when it reads free tries one strong `compare_exchange`, in a single flat loop (the
//! reference nests a load loop inside a `compare_exchange_weak` loop). `try_lock` checks with a
//! load before its one attempt. The ticket lock draws tickets with an `Acquire` fetch_add and
//! unlocks with a load-then-store of `now_serving` (only the holder writes it).

use std::ops::{Deref, DerefMut};

pub mod sync;

use sync::{AtomicBool, AtomicUsize, Ordering, UnsafeCell, spin_loop};

/// A lock that waits by spinning: a flag that is `true` while a guard exists.
pub struct SpinLock<T> {
    locked: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: only the thread that set the flag reaches `data`, so the lock only ever hands the
// `T` from one thread to another: `T: Send` suffices.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A lock, unlocked, holding `value`.
    pub fn new(value: T) -> Self {
        Self { data: UnsafeCell::new(value), locked: AtomicBool::new(false) }
    }

    fn grab(&self) -> bool {
        !self.locked.load(Ordering::Relaxed)
            && self.locked.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    /// Spins until the lock is ours, then returns a guard that gives access to the value and
    /// unlocks when dropped.
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        while !self.grab() {
            spin_loop();
        }
        SpinLockGuard { lock: self }
    }

    /// Takes the lock if it is free right now; never waits.
    pub fn try_lock(&self) -> Option<SpinLockGuard<'_, T>> {
        self.grab().then(|| SpinLockGuard { lock: self })
    }

    /// Consumes the lock and returns the value. Owning the lock means no guard can exist.
    pub fn into_inner(self) -> T {
        let SpinLock { data, .. } = self;
        data.into_inner()
    }
}

/// Access to the value of a locked [`SpinLock`]; unlocks when dropped, also during a panic.
pub struct SpinLockGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

// SAFETY: a `&guard` gives `&T`; sharing it between threads is sound only for `T: Sync`.
unsafe impl<T: Sync> Sync for SpinLockGuard<'_, T> {}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves we set the flag, so no other thread touches the value until
        // the guard drops, and the borrow cannot outlive the guard.
        self.lock.data.with(|p| unsafe { p.as_ref() }.expect("UnsafeCell pointers are never null"))
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in deref; `&mut self` also rules out another borrow through this guard.
        self.lock.data.with_mut(|p| unsafe { p.as_mut() }.expect("UnsafeCell pointers are never null"))
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
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
        Self {
            data: UnsafeCell::new(value),
            next_ticket: AtomicUsize::new(0),
            now_serving: AtomicUsize::new(0),
        }
    }

    /// Takes the next ticket, spins until it is served, then returns the guard.
    pub fn lock(&self) -> TicketLockGuard<'_, T> {
        let mine = self.next_ticket.fetch_add(1, Ordering::Acquire);
        loop {
            if self.now_serving.load(Ordering::Acquire) == mine {
                break TicketLockGuard { lock: self };
            }
            spin_loop();
        }
    }

    /// How many threads hold the lock or wait for it: tickets handed out minus tickets served.
    pub fn queue_len(&self) -> usize {
        let served = self.now_serving.load(Ordering::Acquire);
        self.next_ticket.load(Ordering::Acquire).wrapping_sub(served)
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        let TicketLock { data, .. } = self;
        data.into_inner()
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
        // SAFETY: our ticket is the one served; nobody else reaches the value until we drop.
        self.lock.data.with(|p| unsafe { p.as_ref() }.expect("UnsafeCell pointers are never null"))
    }
}

impl<T> DerefMut for TicketLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in deref; `&mut self` rules out another borrow through this guard.
        self.lock.data.with_mut(|p| unsafe { p.as_mut() }.expect("UnsafeCell pointers are never null"))
    }
}

impl<T> Drop for TicketLockGuard<'_, T> {
    fn drop(&mut self) {
        // Only the holder ever writes `now_serving`, so reading it and storing one more
        // cannot race with another writer.
        let serving = self.lock.now_serving.load(Ordering::Relaxed);
        self.lock.now_serving.store(serving.wrapping_add(1), Ordering::Release);
    }
}
