//! Differs from the reference: a waiter seats at most n-1 philosophers at once (a counting
//! semaphore made of a Mutex and a Condvar), and everyone seated takes left then right, which
//! cannot close a circle with a seat always empty. Transfers lock the first account, then only
//! try the second, and on failure let go of both and start again, so no transfer waits while
//! holding a lock.

use std::sync::{Condvar, Mutex, MutexGuard, TryLockError};
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

fn hold<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn try_hold<T>(m: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match m.try_lock() {
        Ok(g) => Some(g),
        Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
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

    pub fn balance(&self, account: usize) -> u64 {
        *hold(&self.accounts[account])
    }

    /// Blocks on every lock in index order; transfers never wait while holding one, so this
    /// cannot deadlock with them.
    pub fn total(&self) -> u64 {
        let all: Vec<_> = self.accounts.iter().map(hold).collect();
        all.iter().map(|g| **g).sum()
    }

    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        let n = self.accounts.len();
        if let Some(&bad) = [from, to].iter().find(|&&a| a >= n) {
            return Err(TransferError::NoSuchAccount(bad));
        }
        loop {
            let mut payer = hold(&self.accounts[from]);
            if *payer < amount {
                return Err(TransferError::InsufficientFunds { needed: amount, available: *payer });
            }
            if from == to {
                return Ok(());
            }
            let Some(mut payee) = try_hold(&self.accounts[to]) else {
                drop(payer);
                thread::yield_now();
                continue;
            };
            *payer -= amount;
            *payee += amount;
            return Ok(());
        }
    }
}

/// A counting semaphore: `take` waits for a free seat, `give` frees one.
struct Seats {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Seats {
    fn take(&self) {
        let mut free = hold(&self.free);
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
    }

    fn give(&self) {
        *hold(&self.free) += 1;
        self.freed.notify_one();
    }
}

pub fn dine<F>(philosophers: usize, meals: usize, eat: F) -> Vec<usize>
where
    F: Fn(usize) + Sync,
{
    assert_ne!(philosophers, 1, "a single philosopher has a single fork");
    let forks: Vec<Mutex<()>> = (0..philosophers).map(|_| Mutex::new(())).collect();
    let seats = Seats { free: Mutex::new(philosophers.saturating_sub(1)), freed: Condvar::new() };
    thread::scope(|s| {
        let philosopher = |i: usize| {
            let (forks, seats, eat) = (&forks, &seats, &eat);
            move || {
                let mut eaten = 0;
                while eaten < meals {
                    seats.take();
                    {
                        let _left = hold(&forks[i]);
                        let _right = hold(&forks[(i + 1) % philosophers]);
                        eat(i);
                    }
                    seats.give();
                    eaten += 1;
                }
                eaten
            }
        };
        let threads: Vec<_> = (0..philosophers).map(|i| s.spawn(philosopher(i))).collect();
        threads.into_iter().map(|t| t.join().expect("a philosopher panicked")).collect()
    })
}
