//! Run it and see what happens: `cargo run -p spin-lock --example demo --release`
//!
//! Threads take a lock in a loop for a fixed time: your SpinLock, your TicketLock and
//! std::sync::Mutex (which puts waiters to sleep). First as many threads as cores, then four
//! times as many. Compare the throughput, how evenly the threads shared the lock, and the CPU
//! the waiting cost.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use spin_lock::{SpinLock, TicketLock};

const WINDOW: Duration = Duration::from_millis(300);

/// Some work, so that a critical section and the time between two of them are not empty.
fn work(n: u32) -> u64 {
    (0..n).fold(0u64, |acc, i| std::hint::black_box(acc.wrapping_mul(31).wrapping_add(i as u64)))
}

/// `threads` threads call `take` in a loop for `WINDOW`; prints what happened.
fn round(name: &str, threads: usize, take: impl Fn() + Sync) {
    let stop = AtomicBool::new(false);
    let meter = kit::CpuMeter::start();
    let start = Instant::now();
    let counts: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        take();
                        work(50);
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        std::thread::sleep(WINDOW);
        stop.store(true, Ordering::Relaxed);
        handles.into_iter().map(|h| h.join().expect("a demo thread panicked")).collect()
    });
    let wall = start.elapsed().as_secs_f64();
    let total: u64 = counts.iter().sum();
    let (min, max) = (counts.iter().min().unwrap_or(&0), counts.iter().max().unwrap_or(&0));
    let cpu = meter.map_or("?".to_string(), |m| format!("{:.1}", m.stop().parallelism()));
    println!(
        "  {name:<11} {threads:>3} threads {:>10.0} locks/s   fewest/most per thread {:>7} / {:<7}   CPU s per wall s {cpu}",
        total as f64 / wall,
        min,
        max
    );
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let spin = SpinLock::new(0u64);
    let ticket = TicketLock::new(0u64);
    let mutex = Mutex::new(0u64);
    let critical = |v: &mut u64| *v = v.wrapping_add(work(20));

    for threads in [cores, 4 * cores] {
        println!("\n{threads} threads on {cores} cores, {} ms each:", WINDOW.as_millis());
        round("SpinLock", threads, || critical(&mut spin.lock()));
        round("TicketLock", threads, || critical(&mut ticket.lock()));
        round("Mutex", threads, || critical(&mut mutex.lock().unwrap()));
    }
    println!(
        "\nThe spin lock lets whichever thread is running win (see fewest/most); the ticket lock \
         serves threads in turn,\nso with more threads than cores it waits for the next thread in \
         line to be scheduled. Both burn CPU while\nwaiting; the Mutex sleeps instead."
    );
}
