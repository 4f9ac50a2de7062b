//! Differs from the reference: philosophers pick forks by parity (even seats left first, odd
//! seats right first) instead of lower number first, and a transfer sorts its two accounts
//! with a match on their order and takes the payer's guard by index.

use std::sync::{Mutex, MutexGuard};
use std::thread;

/// Why a transfer did not happen. Nothing changed when one is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferError {
    /// There is no account with this number.
    NoSuchAccount(usize),
    /// The paying account holds less than the amount.
    InsufficientFunds { needed: u64, available: u64 },
}

/// Accounts behind one lock each.
#[derive(Debug)]
pub struct Bank {
    accounts: Vec<Mutex<u64>>,
}

fn grab<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
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
        *grab(&self.accounts[account])
    }

    pub fn total(&self) -> u64 {
        let mut held = Vec::with_capacity(self.accounts.len());
        let mut sum = 0;
        for account in &self.accounts {
            let g = grab(account);
            sum += *g;
            held.push(g); // keep every lock until the sum is complete
        }
        sum
    }

    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        if from >= self.len() {
            return Err(TransferError::NoSuchAccount(from));
        }
        if to >= self.len() {
            return Err(TransferError::NoSuchAccount(to));
        }
        let mut guards = match from.cmp(&to) {
            std::cmp::Ordering::Equal => {
                let g = grab(&self.accounts[from]);
                return if *g >= amount {
                    Ok(())
                } else {
                    Err(TransferError::InsufficientFunds { needed: amount, available: *g })
                };
            }
            std::cmp::Ordering::Less => [grab(&self.accounts[from]), grab(&self.accounts[to])],
            std::cmp::Ordering::Greater => {
                let low = grab(&self.accounts[to]);
                let high = grab(&self.accounts[from]);
                [high, low]
            }
        };
        // guards[0] is the payer, guards[1] the payee.
        let available = *guards[0];
        if available < amount {
            return Err(TransferError::InsufficientFunds { needed: amount, available });
        }
        *guards[0] -= amount;
        *guards[1] += amount;
        Ok(())
    }
}

/// Even-numbered philosophers take their left fork first, odd-numbered ones their right: two
/// neighbours always reach first for the fork between them or away from each other, so no
/// circle of "hold one, wait for the next" can close.
pub fn dine<F>(philosophers: usize, meals: usize, eat: F) -> Vec<usize>
where
    F: Fn(usize) + Sync,
{
    if philosophers == 1 {
        panic!("one philosopher, one fork: cannot eat");
    }
    let forks: Vec<Mutex<()>> = (0..philosophers).map(|_| Mutex::new(())).collect();
    let mut counts = vec![0; philosophers];
    thread::scope(|s| {
        let mut handles = Vec::new();
        for i in 0..philosophers {
            let (forks, eat) = (&forks, &eat);
            handles.push(s.spawn(move || {
                let left = i;
                let right = (i + 1) % philosophers;
                let (a, b) = if i % 2 == 0 { (left, right) } else { (right, left) };
                for _ in 0..meals {
                    let _a = grab(&forks[a]);
                    let _b = grab(&forks[b]);
                    eat(i);
                }
                meals
            }));
        }
        for (i, h) in handles.into_iter().enumerate() {
            counts[i] = h.join().unwrap();
        }
    });
    counts
}
