//! Kata 09: deadlocks. Bank transfers between accounts that each have their own lock, made
//! deadlock-free by always taking locks in one global order; and the dining philosophers,
//! fixed the same way.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;

/// Why a transfer did not happen. Nothing changed when one is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferError {
    /// There is no account with this number.
    NoSuchAccount(usize),
    /// The paying account holds less than the amount.
    InsufficientFunds { needed: u64, available: u64 },
}

/// A bank whose accounts each sit behind their own lock, so transfers between different
/// accounts never wait for each other.
#[derive(Debug)]
pub struct Bank {
    /// One lock per account: the balance of account `i` is `accounts[i]`.
    accounts: Vec<Mutex<u64>>,
}

/// Locks `m`, ignoring poisoning: a balance is a plain number, a panic elsewhere cannot leave
/// it half-written.
fn lock(m: &Mutex<u64>) -> MutexGuard<'_, u64> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Bank {
    /// A bank with one account per balance, numbered from 0.
    pub fn new(balances: &[u64]) -> Bank {
        Bank { accounts: balances.iter().map(|&b| Mutex::new(b)).collect() }
    }

    /// How many accounts the bank has.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether the bank has no accounts.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// The balance of one account (panics if there is no such account).
    pub fn balance(&self, account: usize) -> u64 {
        *lock(&self.accounts[account])
    }

    /// The money in the bank, read as one consistent snapshot: every account is locked at
    /// once (in the global order), so no transfer can be half-way through while we add up.
    pub fn total(&self) -> u64 {
        let guards: Vec<MutexGuard<'_, u64>> = self.accounts.iter().map(lock).collect();
        guards.iter().map(|g| **g).sum()
    }

    /// Moves `amount` from account `from` to account `to`, all or nothing: no one ever sees the
    /// money gone from one account and not yet in the other.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        for account in [from, to] {
            if account >= self.accounts.len() {
                return Err(TransferError::NoSuchAccount(account));
            }
        }
        if from == to {
            // One account, one lock: taking it twice would deadlock with ourselves.
            let balance = lock(&self.accounts[from]);
            return check_funds(*balance, amount);
        }
        // The global lock order: the lower account number first, whichever way the money goes.
        // Two opposing transfers (A to B, B to A) then both start with the same lock, and the
        // second waits there holding nothing, instead of holding the lock the first one needs.
        let (first, second) = (from.min(to), from.max(to));
        let mut first_guard = lock(&self.accounts[first]);
        let mut second_guard = lock(&self.accounts[second]);
        let (payer, payee) = if first == from {
            (&mut *first_guard, &mut *second_guard)
        } else {
            (&mut *second_guard, &mut *first_guard)
        };
        check_funds(*payer, amount)?;
        *payer -= amount;
        *payee += amount;
        Ok(())
    }
}

fn check_funds(available: u64, needed: u64) -> Result<(), TransferError> {
    if available >= needed { Ok(()) } else { Err(TransferError::InsufficientFunds { needed, available }) }
}

/// Seats `philosophers` around a table with one fork between each pair of neighbours and lets
/// each eat `meals` times, every philosopher on their own thread. Philosopher `i` eats with
/// forks `i` (left) and `(i + 1) % philosophers` (right); `eat(i)` is called while both are
/// held. Returns how many meals each philosopher ate. Panics for a single philosopher, who
/// would need the one fork twice.
pub fn dine<F>(philosophers: usize, meals: usize, eat: F) -> Vec<usize>
where
    F: Fn(usize) + Sync,
{
    assert!(philosophers != 1, "a lone philosopher has only one fork");
    let forks: Vec<Mutex<()>> = (0..philosophers).map(|_| Mutex::new(())).collect();
    let (forks, eat) = (&forks, &eat);
    thread::scope(|s| {
        let handles: Vec<_> = (0..philosophers)
            .map(|i| {
                s.spawn(move || {
                    let (left, right) = (i, (i + 1) % philosophers);
                    // Lower-numbered fork first. Everyone picks up left then right except the
                    // philosopher whose right fork is fork 0: that one reaches right first, so
                    // the circle of "each holds one fork and waits for the next" cannot close.
                    let (first, second) = (left.min(right), left.max(right));
                    let mut eaten = 0;
                    for _ in 0..meals {
                        let _first = forks[first].lock().unwrap_or_else(PoisonError::into_inner);
                        let _second = forks[second].lock().unwrap_or_else(PoisonError::into_inner);
                        eat(i);
                        eaten += 1;
                    }
                    eaten
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a philosopher panicked")).collect()
    })
}
