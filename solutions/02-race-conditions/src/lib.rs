//! Kata 02: race conditions. Watch an update get lost, then fix it three ways: a lock around the
//! read-modify-write, a single atomic read-modify-write, and a check-then-act made atomic.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;

/// Something many threads may bump at once. `Sync` is what lets `&Counter` cross threads.
pub trait Counter: Sync {
    /// Adds one.
    fn increment(&self);
    /// The value now.
    fn get(&self) -> u64;
}

/// The broken counter, given: it reads the value, then writes back one more. Two threads that
/// read the same value both write the same value + 1, and one update is lost.
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

/// Fix one: the read, the add and the write happen while holding a lock, so no other thread
/// can come between them.
#[derive(Debug, Default)]
pub struct LockedCounter {
    value: Mutex<u64>,
}

impl LockedCounter {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Counter for LockedCounter {
    fn increment(&self) {
        // The guard is a temporary: the lock is released at the end of this statement.
        *self.value.lock().unwrap() += 1;
    }

    fn get(&self) -> u64 {
        *self.value.lock().unwrap()
    }
}

/// Fix two: one indivisible read-modify-write instruction; no lock, no thread ever waits.
#[derive(Debug, Default)]
pub struct AtomicCounter {
    value: AtomicU64,
}

impl AtomicCounter {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Counter for AtomicCounter {
    fn increment(&self) {
        // Relaxed is enough: the count orders nothing else, and join() publishes the total.
        self.value.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

/// Starts `threads` threads that wait for each other at a barrier, then each calls
/// `counter.increment()` `per_thread` times; returns `counter.get()` once all have finished.
pub fn hammer<C: Counter + ?Sized>(counter: &C, threads: usize, per_thread: u64) -> u64 {
    let start = Barrier::new(threads);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                // Without the barrier the first thread could finish before the last one starts,
                // and a race would have nothing to race against.
                start.wait();
                for _ in 0..per_thread {
                    counter.increment();
                }
            });
        }
    });
    counter.get()
}

/// Fix three: a bank account. `withdraw` checks the balance and then takes the money; the
/// check and the act must be one step, or two threads can both pass the check.
#[derive(Debug, Default)]
pub struct Account {
    balance: AtomicU64,
}

impl Account {
    /// An account holding `opening`.
    pub fn new(opening: u64) -> Self {
        Account { balance: AtomicU64::new(opening) }
    }

    /// The balance now.
    pub fn balance(&self) -> u64 {
        self.balance.load(Ordering::SeqCst)
    }

    /// Adds `amount`; never lost, however many threads deposit and withdraw at once.
    pub fn deposit(&self, amount: u64) {
        self.balance.fetch_add(amount, Ordering::SeqCst);
    }

    /// Takes `amount` out and returns true if the balance covers it; otherwise changes nothing
    /// and returns false. The balance never goes below zero.
    pub fn withdraw(&self, amount: u64) -> bool {
        let mut seen = self.balance.load(Ordering::SeqCst);
        loop {
            if seen < amount {
                return false;
            }
            // Store the new balance only if the balance is still the one we checked; if another
            // thread changed it in between, we get the fresh value and check again.
            let left = seen - amount;
            match self.balance.compare_exchange_weak(seen, left, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return true,
                Err(now) => seen = now,
            }
        }
    }
}
