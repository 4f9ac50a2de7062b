//! Quick checks you can run with `cargo test -p race-conditions`. The grader's hidden tests go
//! further: 8 threads hammer each counter at once, and the account is raced near zero.

use race_conditions::*;

#[test]
fn the_locked_counter_counts() {
    let counter = LockedCounter::new();
    counter.increment();
    counter.increment();
    assert_eq!(counter.get(), 2);
}

#[test]
fn the_atomic_counter_counts() {
    let counter = AtomicCounter::new();
    counter.increment();
    assert_eq!(counter.get(), 1);
}

#[test]
fn the_locked_counter_loses_nothing_on_four_threads() {
    assert_eq!(hammer(&LockedCounter::new(), 4, 50_000), 200_000);
}

#[test]
fn the_atomic_counter_loses_nothing_on_four_threads() {
    assert_eq!(hammer(&AtomicCounter::new(), 4, 50_000), 200_000);
}

#[test]
fn withdraw_refuses_what_the_balance_does_not_cover() {
    let account = Account::new(50);
    assert!(account.withdraw(20));
    assert!(!account.withdraw(31), "only 30 left");
    assert_eq!(account.balance(), 30, "a refused withdrawal changes nothing");
    account.deposit(1);
    assert!(account.withdraw(31));
    assert_eq!(account.balance(), 0);
}

#[test]
fn four_threads_cannot_take_more_than_there_is() {
    let account = Account::new(1000);
    let taken = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..1000 {
                    if account.withdraw(1) {
                        taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(taken.into_inner(), 1000);
    assert_eq!(account.balance(), 0);
}
