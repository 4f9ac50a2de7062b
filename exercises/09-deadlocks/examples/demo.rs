//! Run it and see what happens: `cargo run -p deadlocks --example demo --release`
//!
//! First a naive bank (written here, not yours) that locks the paying account first: two
//! threads send money in opposite directions until they get stuck. Then your `Bank` doing the
//! same, and your dining philosophers.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Locks the paying account, then the receiving one: the order depends on the direction.
fn naive_transfer(accounts: &[Mutex<u64>], from: usize, to: usize, amount: u64) {
    let mut payer = accounts[from].lock().unwrap();
    let mut payee = accounts[to].lock().unwrap();
    *payer -= amount;
    *payee += amount;
}

fn main() {
    const PER_THREAD: u64 = 1_000_000;
    println!("A naive bank: thread 1 pays A->B, thread 2 pays B->A, {PER_THREAD} times each");
    let accounts = Arc::new([Mutex::new(u64::MAX / 2), Mutex::new(u64::MAX / 2)]);
    let done = Arc::new(AtomicU64::new(0));
    for (from, to) in [(0, 1), (1, 0)] {
        let (accounts, done) = (accounts.clone(), done.clone());
        // Not joined: if they deadlock, they stay stuck until the demo exits.
        thread::spawn(move || {
            for _ in 0..PER_THREAD {
                naive_transfer(&*accounts, from, to, 1);
                done.fetch_add(1, Relaxed);
            }
        });
    }
    let start = Instant::now();
    let mut last = u64::MAX;
    loop {
        thread::sleep(Duration::from_millis(500));
        let now = done.load(Relaxed);
        if now == 2 * PER_THREAD {
            println!("  finished in {:.2} s: lucky this time, run it again", start.elapsed().as_secs_f64());
            break;
        }
        if now == last {
            println!(
                "  stuck after {now} transfers: each thread holds one account and waits for the other's (a deadlock)"
            );
            break;
        }
        last = now;
    }

    println!("\nYour bank, the same two directions with four threads:");
    let bank = deadlocks::Bank::new(&[1_000_000_000, 1_000_000_000]);
    let start = Instant::now();
    thread::scope(|s| {
        for t in 0..4 {
            let bank = &bank;
            s.spawn(move || {
                let (from, to) = if t % 2 == 0 { (0, 1) } else { (1, 0) };
                for _ in 0..250_000 {
                    bank.transfer(from, to, 1).expect("plenty of money");
                }
            });
        }
    });
    println!(
        "  1,000,000 transfers in {:.2} s, total {} (started with 2000000000)",
        start.elapsed().as_secs_f64(),
        bank.total()
    );

    println!("\nYour dining philosophers: 5 at the table, 100,000 meals each");
    let start = Instant::now();
    let eaten = deadlocks::dine(5, 100_000, |_| {});
    println!("  meals {eaten:?} in {:.2} s", start.elapsed().as_secs_f64());
    // The naive bank's threads may still be stuck; leave without waiting for them.
    std::process::exit(0);
}
