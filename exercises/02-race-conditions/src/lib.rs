//! Kata 02: race conditions. Watch an update get lost, then fix it three ways: a lock around the
//! read-modify-write, a single atomic read-modify-write, and a check-then-act made atomic.
//!
//! Read README.md first. Replace each `todo!()`; `std::sync` and `std::sync::atomic` have
//! everything you need. Check your work with `cargo test -p race-conditions`, then
//! `cargo run -p grader -- 02`.

// The fields below are yours to use; until your code reads them, rustc calls them dead.
#![allow(dead_code)]

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Something many threads may bump at once. `Sync` is what lets `&Counter` cross threads.
pub trait Counter: Sync {
    /// Adds one.
    fn increment(&self);
    /// The value now.
    fn get(&self) -> u64;
}

/// The broken counter, given: it reads the value, then writes back one more. Two threads that
/// read the same value both write the same value + 1, and one update is lost. Run the demo to
/// watch it happen.
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
    /// A counter at 0.
    pub fn new() -> Self {
        todo!("a Mutex holding 0 (or derive it: Self::default())")
    }
}

impl Counter for LockedCounter {
    fn increment(&self) {
        todo!("lock, add one through the guard, and let the guard go")
    }

    fn get(&self) -> u64 {
        todo!("read the value under the lock")
    }
}

/// Fix two: one indivisible read-modify-write; no lock, and no thread ever waits for another.
#[derive(Debug, Default)]
pub struct AtomicCounter {
    value: AtomicU64,
}

impl AtomicCounter {
    /// A counter at 0.
    pub fn new() -> Self {
        todo!("an AtomicU64 holding 0")
    }
}

impl Counter for AtomicCounter {
    fn increment(&self) {
        todo!("one atomic read-modify-write: not a load followed by a store")
    }

    fn get(&self) -> u64 {
        todo!("load the value")
    }
}

/// Starts `threads` threads that wait for each other at a barrier, then each calls
/// `counter.increment()` `per_thread` times; returns `counter.get()` once all have finished.
///
/// The barrier matters: without it the first thread may be done before the last one starts,
/// and a race has nothing to race against.
pub fn hammer<C: Counter + ?Sized>(counter: &C, threads: usize, per_thread: u64) -> u64 {
    todo!("std::thread::scope to borrow `counter`, and a std::sync::Barrier every thread waits at first")
}

/// Fix three: a bank account. `withdraw` checks the balance and then takes the money; the
/// check and the act must be one step, or two threads can both pass the check.
///
/// The field is a suggestion: keep the `AtomicU64` and use compare-exchange, or make it a
/// `Mutex<u64>` and hold one guard across the check and the act.
#[derive(Debug, Default)]
pub struct Account {
    balance: AtomicU64,
}

impl Account {
    /// An account holding `opening`.
    pub fn new(opening: u64) -> Self {
        todo!("store the opening balance")
    }

    /// The balance now.
    pub fn balance(&self) -> u64 {
        todo!("read the balance")
    }

    /// Adds `amount`; never lost, however many threads deposit and withdraw at once.
    pub fn deposit(&self, amount: u64) {
        todo!("a deposit is a read-modify-write too")
    }

    /// Takes `amount` out and returns true if the balance covers it; otherwise changes nothing
    /// and returns false. The balance never goes below zero.
    pub fn withdraw(&self, amount: u64) -> bool {
        todo!("check and take in one step: a compare_exchange loop, or one lock held across both")
    }
}
