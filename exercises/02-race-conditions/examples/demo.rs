//! Run it and see what happens: `cargo run -p race-conditions --example demo --release`
//!
//! The tutorial's non_locked_threads.py lets threads bump a shared counter and prints a total
//! that changes from run to run. Here the racy counter does the same; then the two fixes, with
//! their timings, and an account that many threads withdraw from at once.

use std::time::Instant;

use race_conditions::*;

const THREADS: usize = 8;
const PER_THREAD: u64 = 1_000_000;

fn run(label: &str, counter: &dyn Counter) {
    let start = Instant::now();
    let total = hammer(counter, THREADS, PER_THREAD);
    let want = THREADS as u64 * PER_THREAD;
    let lost = want - total;
    println!("{label:<16} {total:>9} of {want} ({lost:>8} lost)  {:>7.3} s", start.elapsed().as_secs_f64());
}

fn main() {
    println!("{THREADS} threads each add 1 to a shared counter {PER_THREAD} times");
    for round in 1..=3 {
        run(&format!("racy, run {round}"), &RacyCounter::new());
    }
    run("Mutex", &LockedCounter::new());
    run("fetch_add", &AtomicCounter::new());

    let account = Account::new(100_000);
    let start = Instant::now();
    let withdrawn = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..50_000 {
                    if account.withdraw(1) {
                        withdrawn.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    println!(
        "\n{THREADS} threads try to withdraw 1 unit 50 000 times each from 100 000 units:\n\
         withdrew {}, balance {} (never below zero)  {:.3} s",
        withdrawn.into_inner(),
        account.balance(),
        start.elapsed().as_secs_f64()
    );
    println!("on {} cores", std::thread::available_parallelism().map_or(1, |n| n.get()));
}
