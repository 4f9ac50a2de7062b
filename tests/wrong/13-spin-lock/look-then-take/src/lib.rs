//! A student's spin lock that waits until the flag reads false and then stores true: two threads can both see it free.

pub mod sync;

use std::ops::{Deref, DerefMut};

use sync::{AtomicBool, AtomicUsize, Ordering, UnsafeCell, spin_loop};

pub struct SpinLock<T> {
    locked: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: the flag lets one thread at a time reach `data`.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub fn new(value: T) -> Self {
        SpinLock { locked: AtomicBool::new(false), data: UnsafeCell::new(value) }
    }

    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        loop {
            while self.locked.load(Ordering::Acquire) {
                spin_loop();
            }
            self.locked.store(true, Ordering::Relaxed);
            return SpinLockGuard { lock: self };
        }
    }

    pub fn try_lock(&self) -> Option<SpinLockGuard<'_, T>> {
        if self.locked.swap(true, Ordering::Acquire) { None } else { Some(SpinLockGuard { lock: self }) }
    }

    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

pub struct SpinLockGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

// SAFETY: a shared guard hands out `&T`, so sharing it needs `T: Sync`.
unsafe impl<T: Sync> Sync for SpinLockGuard<'_, T> {}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard exists only while the flag is ours, so nobody else touches the value.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in deref; `&mut self` makes this the only reference through the guard.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Release);
    }
}

pub struct TicketLock<T> {
    next_ticket: AtomicUsize,
    now_serving: AtomicUsize,
    data: UnsafeCell<T>,
}

// SAFETY: only the thread whose ticket is served reaches `data`.
unsafe impl<T: Send> Sync for TicketLock<T> {}

impl<T> TicketLock<T> {
    pub fn new(value: T) -> Self {
        TicketLock {
            next_ticket: AtomicUsize::new(0),
            now_serving: AtomicUsize::new(0),
            data: UnsafeCell::new(value),
        }
    }

    pub fn lock(&self) -> TicketLockGuard<'_, T> {
        let mine = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        while self.now_serving.load(Ordering::Acquire) != mine {
            spin_loop();
        }
        TicketLockGuard { lock: self, ticket: mine }
    }

    pub fn queue_len(&self) -> usize {
        let handed = self.next_ticket.load(Ordering::Relaxed);
        let served = self.now_serving.load(Ordering::Relaxed);
        handed.wrapping_sub(served)
    }

    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

pub struct TicketLockGuard<'a, T> {
    lock: &'a TicketLock<T>,
    ticket: usize,
}

// SAFETY: as for SpinLockGuard.
unsafe impl<T: Sync> Sync for TicketLockGuard<'_, T> {}

impl<T> Deref for TicketLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: our ticket is being served: nobody else reaches the value.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for TicketLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in deref, and `&mut self` is unique.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for TicketLockGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.now_serving.store(self.ticket.wrapping_add(1), Ordering::Release);
    }
}
