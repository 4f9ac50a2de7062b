//! Kata 02, alternate "cas-everywhere": the atomic counter is a compare-exchange loop (the
//! reference uses `fetch_add`), the account's withdraw uses `fetch_update` with `checked_sub`
//! and its deposit a hand-written compare-exchange loop, and `hammer` shares the barrier and
//! counter through `Arc`-free closures built with `thread::Builder::spawn_scoped`.

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
        Self::default()
    }
}

impl Counter for LockedCounter {
    fn increment(&self) {
        if let Ok(mut v) = self.value.lock() {
            *v += 1;
        } else {
            panic!("the counter's lock is poisoned");
        }
    }

    fn get(&self) -> u64 {
        *self.value.lock().expect("the counter's lock is poisoned")
    }
}

/// Fix two: no lock; a compare-exchange loop makes the read-modify-write one step.
#[derive(Debug, Default)]
pub struct AtomicCounter {
    value: AtomicU64,
}

impl AtomicCounter {
    /// A counter at 0.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Counter for AtomicCounter {
    fn increment(&self) {
        let mut current = self.value.load(Ordering::Relaxed);
        // Store current + 1 only if nobody changed the value since we read it; otherwise try
        // again with the value they left. No thread ever sleeps here.
        while let Err(actual) =
            self.value.compare_exchange_weak(current, current + 1, Ordering::Relaxed, Ordering::Relaxed)
        {
            current = actual;
        }
    }

    fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

/// Starts `threads` threads that wait for each other at a barrier, then each calls
/// `counter.increment()` `per_thread` times; returns `counter.get()` once all have finished.
pub fn hammer<C: Counter + ?Sized>(counter: &C, threads: usize, per_thread: u64) -> u64 {
    let start_line = Barrier::new(threads);
    thread::scope(|s| {
        for n in 0..threads {
            let start_line = &start_line;
            thread::Builder::new()
                .name(format!("hammer-{n}"))
                .spawn_scoped(s, move || {
                    start_line.wait();
                    let mut left = per_thread;
                    while left > 0 {
                        counter.increment();
                        left -= 1;
                    }
                })
                .expect("start a hammer thread");
        }
    });
    counter.get()
}

/// Fix three: a bank account; the check and the act are one compare-exchange.
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
        self.balance.load(Ordering::Acquire)
    }

    /// Adds `amount`; never lost, however many threads deposit and withdraw at once.
    pub fn deposit(&self, amount: u64) {
        let mut seen = self.balance.load(Ordering::Acquire);
        loop {
            match self.balance.compare_exchange(seen, seen + amount, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => seen = now,
            }
        }
    }

    /// Takes `amount` out and returns true if the balance covers it; otherwise changes nothing
    /// and returns false. The balance never goes below zero.
    pub fn withdraw(&self, amount: u64) -> bool {
        // fetch_update retries the closure with the fresh balance until its compare-exchange
        // succeeds; the closure returning None (not covered) leaves the balance alone.
        self.balance
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |balance| balance.checked_sub(amount))
            .is_ok()
    }
}
