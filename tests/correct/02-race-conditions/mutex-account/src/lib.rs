//! Kata 02, alternate "mutex-account": the account is a `Mutex<u64>` with one guard held
//! across the check and the act (the reference keeps the `AtomicU64` and loops on
//! compare-exchange), the locked counter holds a named guard, and `hammer` keeps the scoped
//! join handles and joins them itself, with the barrier shared by reference.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex, MutexGuard};
use std::thread;

/// Something many threads may bump at once. `Sync` is what lets `&Counter` cross threads.
pub trait Counter: Sync {
    /// Adds one.
    fn increment(&self);
    /// The value now.
    fn get(&self) -> u64;
}

/// The broken counter, given: it reads the value, then writes back one more.
#[derive(Debug, Default)]
pub struct RacyCounter {
    value: AtomicU64,
}

impl RacyCounter {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Counter for RacyCounter {
    fn increment(&self) {
        let seen = self.value.load(Ordering::Relaxed);
        // Another thread may store between our load and our store: its update is overwritten.
        self.value.store(seen + 1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

/// Fix one: a lock around the read-modify-write.
#[derive(Debug, Default)]
pub struct LockedCounter {
    value: Mutex<u64>,
}

impl LockedCounter {
    /// A counter at 0.
    pub fn new() -> Self {
        LockedCounter { value: Mutex::new(0) }
    }

    fn guard(&self) -> MutexGuard<'_, u64> {
        // A panic elsewhere cannot leave a u64 half-written: take the value anyway.
        self.value.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Counter for LockedCounter {
    fn increment(&self) {
        let mut value = self.guard();
        let next = *value + 1;
        *value = next;
    }

    fn get(&self) -> u64 {
        let value = self.guard();
        *value
    }
}

/// Fix two: one atomic read-modify-write.
#[derive(Debug, Default)]
pub struct AtomicCounter {
    value: AtomicU64,
}

impl AtomicCounter {
    /// A counter at 0.
    pub fn new() -> Self {
        AtomicCounter { value: AtomicU64::new(0) }
    }
}

impl Counter for AtomicCounter {
    fn increment(&self) {
        self.value.fetch_add(1, Ordering::AcqRel);
    }

    fn get(&self) -> u64 {
        self.value.load(Ordering::Acquire)
    }
}

/// Starts `threads` threads that wait for each other at a barrier, then each calls
/// `counter.increment()` `per_thread` times; returns `counter.get()` once all have finished.
pub fn hammer<C: Counter + ?Sized>(counter: &C, threads: usize, per_thread: u64) -> u64 {
    let barrier = Barrier::new(threads);
    let barrier = &barrier;
    thread::scope(|scope| {
        let mut handles = Vec::new();
        for _ in 0..threads {
            handles.push(scope.spawn(move || {
                barrier.wait();
                (0..per_thread).for_each(|_| counter.increment());
            }));
        }
        for handle in handles {
            handle.join().expect("an incrementing thread panicked");
        }
    });
    counter.get()
}

/// Fix three: a bank account whose check and act happen under one lock.
#[derive(Debug, Default)]
pub struct Account {
    balance: Mutex<u64>,
}

impl Account {
    /// An account holding `opening`.
    pub fn new(opening: u64) -> Self {
        Account { balance: Mutex::new(opening) }
    }

    fn lock(&self) -> MutexGuard<'_, u64> {
        self.balance.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The balance now.
    pub fn balance(&self) -> u64 {
        *self.lock()
    }

    /// Adds `amount`; never lost, however many threads deposit and withdraw at once.
    pub fn deposit(&self, amount: u64) {
        let mut balance = self.lock();
        *balance += amount;
    }

    /// Takes `amount` out and returns true if the balance covers it; otherwise changes nothing
    /// and returns false. The balance never goes below zero.
    pub fn withdraw(&self, amount: u64) -> bool {
        let mut balance = self.lock();
        // The guard is held from the check to the act: nobody can spend the money in between.
        match balance.checked_sub(amount) {
            Some(left) => {
                *balance = left;
                true
            }
            None => false,
        }
    }
}
