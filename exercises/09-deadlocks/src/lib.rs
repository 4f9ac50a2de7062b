//! Kata 09: deadlocks. Bank transfers between accounts that each have their own lock, made
//! deadlock-free by always taking locks in one global order; and the dining philosophers,
//! fixed the same way.
//!
//! Read README.md first. `new`, `len` and `is_empty` are written for you; replace each
//! `todo!()`. Check your work with `cargo test -p deadlocks`, then
//! `cargo run -p grader -- deadlocks`.

use std::sync::Mutex;

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
        todo!("lock that account and read the balance")
    }

    /// The money in the bank, read as one consistent snapshot: no transfer may be half-way
    /// through while you add up.
    pub fn total(&self) -> u64 {
        todo!("hold every account's lock at once, taken in the global order, then add up")
    }

    /// Moves `amount` from account `from` to account `to`, all or nothing: no one ever sees the
    /// money gone from one account and not yet in the other. Paying an account to itself is
    /// allowed (it changes nothing, but the account must hold `amount`).
    ///
    /// Errors: [`TransferError::NoSuchAccount`] for a number out of range (checked first,
    /// `from` before `to`), [`TransferError::InsufficientFunds`] when `from` holds too little.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        todo!(
            "lock both accounts, the lower number first whatever the direction, and keep both until the money has moved"
        )
    }
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
    todo!(
        "one Mutex<()> per fork, one scoped thread per philosopher; each takes the lower-numbered of its two forks first"
    )
}
