//! Quick checks you can run with `cargo test -p deadlocks`. The grader's hidden tests go
//! further: many threads released at the same moment, opposing transfers, a running audit.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::thread;

use deadlocks::*;

#[test]
fn a_transfer_moves_the_money() {
    let bank = Bank::new(&[100, 50]);
    assert_eq!(bank.transfer(0, 1, 30), Ok(()));
    assert_eq!((bank.balance(0), bank.balance(1)), (70, 80));
    assert_eq!(bank.total(), 150);
}

#[test]
fn an_overdraft_is_refused() {
    let bank = Bank::new(&[10, 0]);
    assert_eq!(bank.transfer(0, 1, 11), Err(TransferError::InsufficientFunds { needed: 11, available: 10 }));
    assert_eq!(bank.transfer(0, 5, 1), Err(TransferError::NoSuchAccount(5)));
    assert_eq!(bank.total(), 10);
}

#[test]
fn paying_yourself_does_not_deadlock() {
    let bank = Bank::new(&[10]);
    assert_eq!(bank.transfer(0, 0, 10), Ok(()));
    assert_eq!(bank.balance(0), 10);
}

#[test]
fn opposing_transfers_finish() {
    // If this test hangs, you have found the deadlock: press Ctrl-C and read README.md.
    let bank = Bank::new(&[1_000_000, 1_000_000]);
    thread::scope(|s| {
        for t in 0..4 {
            let bank = &bank;
            s.spawn(move || {
                let (from, to) = if t % 2 == 0 { (0, 1) } else { (1, 0) };
                for _ in 0..10_000 {
                    bank.transfer(from, to, 1).unwrap();
                }
            });
        }
    });
    assert_eq!(bank.total(), 2_000_000);
}

#[test]
fn every_philosopher_eats() {
    let meals = AtomicUsize::new(0);
    let eaten = dine(5, 100, |_| {
        meals.fetch_add(1, SeqCst);
    });
    assert_eq!(eaten, vec![100; 5]);
    assert_eq!(meals.load(SeqCst), 500);
}
