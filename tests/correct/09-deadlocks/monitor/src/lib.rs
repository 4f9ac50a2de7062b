//! Differs from the reference: the philosophers ask a waiter (one Mutex over the table's fork
//! states and a Condvar) for both forks at once, so no one ever holds one fork while waiting
//! for another; the waiter's lock is let go while they eat. The bank locks any set of accounts
//! through one helper that sorts and de-duplicates the numbers, so a self-transfer is not a
//! special case.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread;

/// Why a transfer did not happen. Nothing changed when one is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferError {
    /// There is no account with this number.
    NoSuchAccount(usize),
    /// The paying account holds less than the amount.
    InsufficientFunds { needed: u64, available: u64 },
}

#[derive(Debug)]
pub struct Bank {
    accounts: Vec<Mutex<u64>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Bank {
    pub fn new(balances: &[u64]) -> Bank {
        Bank { accounts: balances.iter().map(|&b| Mutex::new(b)).collect() }
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Locks the named accounts in increasing order, each once; the guards come back in that
    /// order, with their account numbers.
    fn lock_set(&self, mut which: Vec<usize>) -> Vec<(usize, MutexGuard<'_, u64>)> {
        which.sort_unstable();
        which.dedup();
        which.into_iter().map(|a| (a, lock(&self.accounts[a]))).collect()
    }

    pub fn balance(&self, account: usize) -> u64 {
        *self.lock_set(vec![account])[0].1
    }

    pub fn total(&self) -> u64 {
        self.lock_set((0..self.len()).collect()).iter().map(|(_, g)| **g).sum()
    }

    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        for a in [from, to] {
            if a >= self.len() {
                return Err(TransferError::NoSuchAccount(a));
            }
        }
        let mut held = self.lock_set(vec![from, to]);
        let available = held.iter().find(|(a, _)| *a == from).map(|(_, g)| **g).expect("locked");
        if available < amount {
            return Err(TransferError::InsufficientFunds { needed: amount, available });
        }
        for (a, g) in &mut held {
            if *a == from {
                **g -= amount;
            }
            if *a == to {
                **g += amount;
            }
        }
        Ok(())
    }
}

/// The waiter: which forks are on the table, and a bell rung whenever forks come back.
struct Waiter {
    on_table: Mutex<Vec<bool>>,
    returned: Condvar,
}

impl Waiter {
    fn take_both(&self, a: usize, b: usize) {
        let mut forks = lock(&self.on_table);
        while !(forks[a] && forks[b]) {
            forks = self.returned.wait(forks).unwrap_or_else(|e| e.into_inner());
        }
        forks[a] = false;
        forks[b] = false;
    }

    fn put_back(&self, a: usize, b: usize) {
        let mut forks = lock(&self.on_table);
        forks[a] = true;
        forks[b] = true;
        drop(forks);
        self.returned.notify_all();
    }
}

pub fn dine<F>(philosophers: usize, meals: usize, eat: F) -> Vec<usize>
where
    F: Fn(usize) + Sync,
{
    if philosophers == 1 {
        panic!("a lone philosopher cannot hold fork 0 in both hands");
    }
    let waiter = Waiter { on_table: Mutex::new(vec![true; philosophers]), returned: Condvar::new() };
    let (waiter, eat) = (&waiter, &eat);
    thread::scope(|s| {
        (0..philosophers)
            .map(|i| {
                s.spawn(move || {
                    let (left, right) = (i, (i + 1) % philosophers);
                    for _ in 0..meals {
                        waiter.take_both(left, right);
                        eat(i);
                        waiter.put_back(left, right);
                    }
                    meals
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().expect("a philosopher panicked"))
            .collect()
    })
}
