//! Kata 02, alternate "condvar-gate": `hammer` starts its threads with a hand-made start gate
//! (a `Mutex<usize>` of arrivals and a `Condvar`, the last arrival opening it) instead of
//! `std::sync::Barrier`, and the account is a `Mutex<u64>` whose deposit and withdrawal both
//! go through one private `update` that applies a closure under the guard (the reference keeps
//! an `AtomicU64` and loops on compare-exchange).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
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
}

impl Counter for LockedCounter {
    fn increment(&self) {
        let mut guard = self.value.lock().unwrap();
        *guard = guard.checked_add(1).expect("the counter overflowed");
        drop(guard);
    }

    fn get(&self) -> u64 {
        let guard = self.value.lock().unwrap();
        let v = *guard;
        drop(guard);
        v
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
        let _previous = self.value.fetch_add(1, Ordering::SeqCst);
    }

    fn get(&self) -> u64 {
        self.value.load(Ordering::SeqCst)
    }
}

/// A one-shot start gate: every thread calls `arrive_and_wait`, and the gate opens for all of
/// them when the last one arrives.
struct StartGate {
    arrived: Mutex<usize>,
    all_here: Condvar,
    expected: usize,
}

impl StartGate {
    fn new(expected: usize) -> Self {
        StartGate { arrived: Mutex::new(0), all_here: Condvar::new(), expected }
    }

    fn arrive_and_wait(&self) {
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        if *arrived >= self.expected {
            self.all_here.notify_all();
        } else {
            let _open = self.all_here.wait_while(arrived, |n| *n < self.expected).unwrap();
        }
    }
}

/// Starts `threads` threads that wait for each other at a gate, then each calls
/// `counter.increment()` `per_thread` times; returns `counter.get()` once all have finished.
pub fn hammer<C: Counter + ?Sized>(counter: &C, threads: usize, per_thread: u64) -> u64 {
    let gate = StartGate::new(threads);
    thread::scope(|s| {
        let gate = &gate;
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(move || {
                    gate.arrive_and_wait();
                    for _ in 0..per_thread {
                        counter.increment();
                    }
                })
            })
            .collect();
        workers.into_iter().for_each(|w| w.join().unwrap());
    });
    counter.get()
}

/// Fix three: a bank account whose every change is a closure applied under one lock.
#[derive(Debug, Default)]
pub struct Account {
    balance: Mutex<u64>,
}

impl Account {
    /// An account holding `opening`.
    pub fn new(opening: u64) -> Self {
        Account { balance: Mutex::new(opening) }
    }

    /// Applies `change` to the balance under the lock; `None` leaves it as it was. Says whether
    /// the change was applied.
    fn update(&self, change: impl FnOnce(u64) -> Option<u64>) -> bool {
        let mut balance = self.balance.lock().unwrap();
        match change(*balance) {
            Some(new) => {
                *balance = new;
                true
            }
            None => false,
        }
    }

    /// The balance now.
    pub fn balance(&self) -> u64 {
        *self.balance.lock().unwrap()
    }

    /// Adds `amount`; never lost, however many threads deposit and withdraw at once.
    pub fn deposit(&self, amount: u64) {
        let applied = self.update(|b| b.checked_add(amount));
        assert!(applied, "the balance overflowed");
    }

    /// Takes `amount` out and returns true if the balance covers it; otherwise changes nothing
    /// and returns false. The balance never goes below zero.
    pub fn withdraw(&self, amount: u64) -> bool {
        self.update(|b| if b >= amount { Some(b - amount) } else { None })
    }
}
