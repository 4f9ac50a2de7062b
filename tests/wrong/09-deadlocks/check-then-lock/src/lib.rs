//! A student's bank that checks the payer's balance first and takes the two locks only to move the money.

use std::sync::{Mutex, MutexGuard, PoisonError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferError {
    NoSuchAccount(usize),
    InsufficientFunds { needed: u64, available: u64 },
}

#[derive(Debug)]
pub struct Bank {
    accounts: Vec<Mutex<u64>>,
}

fn grab(m: &Mutex<u64>) -> MutexGuard<'_, u64> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
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
        *grab(&self.accounts[account])
    }

    pub fn total(&self) -> u64 {
        let all: Vec<MutexGuard<'_, u64>> = self.accounts.iter().map(grab).collect();
        all.iter().map(|g| **g).sum()
    }

    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        for acct in [from, to] {
            if acct >= self.accounts.len() {
                return Err(TransferError::NoSuchAccount(acct));
            }
        }
        if from == to {
            let g = grab(&self.accounts[from]);
            if *g < amount {
                return Err(TransferError::InsufficientFunds { needed: amount, available: *g });
            }
            return Ok(());
        }
        let available = self.balance(from);
        if available < amount {
            return Err(TransferError::InsufficientFunds { needed: amount, available });
        }
        let (lo, hi) = (from.min(to), from.max(to));
        let mut first = grab(&self.accounts[lo]);
        let mut second = grab(&self.accounts[hi]);
        let (payer, payee) = if from == lo { (&mut first, &mut second) } else { (&mut second, &mut first) };
        **payer -= amount;
        **payee += amount;
        Ok(())
    }
}

pub fn dine<F>(philosophers: usize, meals: usize, eat: F) -> Vec<usize>
where
    F: Fn(usize) + Sync,
{
    assert!(philosophers != 1, "one philosopher would need the same fork twice");
    let forks: Vec<Mutex<()>> = (0..philosophers).map(|_| Mutex::new(())).collect();
    let eat = &eat;
    let forks = &forks;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..philosophers)
            .map(|i| {
                s.spawn(move || {
                    let mut pair = [i, (i + 1) % philosophers];
                    pair.sort();
                    let mut ate = 0;
                    for _ in 0..meals {
                        let _a = forks[pair[0]].lock().unwrap_or_else(PoisonError::into_inner);
                        let _b = forks[pair[1]].lock().unwrap_or_else(PoisonError::into_inner);
                        eat(i);
                        ate += 1;
                    }
                    ate
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}
