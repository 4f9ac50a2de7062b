//! A student's race-conditions kata. The flaw: withdraw subtracts at once (fetch_sub) and gives the amount back if the old balance was too small; meanwhile the balance has wrapped below zero and other withdrawals succeed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};

pub trait Counter: Sync {
    fn increment(&self);
    fn get(&self) -> u64;
}

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
        self.value.store(seen + 1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Default)]
pub struct LockedCounter {
    value: Mutex<u64>,
}

impl LockedCounter {
    pub fn new() -> Self {
        LockedCounter { value: Mutex::new(0) }
    }
}

impl Counter for LockedCounter {
    fn increment(&self) {
        let mut v = self.value.lock().unwrap();
        *v += 1;
    }

    fn get(&self) -> u64 {
        *self.value.lock().unwrap()
    }
}

#[derive(Debug, Default)]
pub struct AtomicCounter {
    value: AtomicU64,
}

impl AtomicCounter {
    pub fn new() -> Self {
        AtomicCounter { value: AtomicU64::new(0) }
    }
}

impl Counter for AtomicCounter {
    fn increment(&self) {
        self.value.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

pub fn hammer<C: Counter + ?Sized>(counter: &C, threads: usize, per_thread: u64) -> u64 {
    let barrier = Barrier::new(threads);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                barrier.wait();
                for _ in 0..per_thread {
                    counter.increment();
                }
            });
        }
    });
    counter.get()
}

#[derive(Debug, Default)]
pub struct Account {
    balance: AtomicU64,
}

impl Account {
    pub fn new(opening: u64) -> Self {
        Account { balance: AtomicU64::new(opening) }
    }

    pub fn balance(&self) -> u64 {
        self.balance.load(Ordering::SeqCst)
    }

    pub fn deposit(&self, amount: u64) {
        self.balance.fetch_add(amount, Ordering::SeqCst);
    }

    pub fn withdraw(&self, amount: u64) -> bool {
        let before = self.balance.fetch_sub(amount, Ordering::SeqCst);
        if before >= amount {
            true
        } else {
            self.balance.fetch_add(amount, Ordering::SeqCst);
            false
        }
    }
}
