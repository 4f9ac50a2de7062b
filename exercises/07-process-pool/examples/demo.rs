//! Run it and see what happens: `cargo run -p process-pool --example demo --release`
//!
//! The tutorial's processes_with_pool.py maps a function over a list with a pool of
//! processes. Here: the same CPU-heavy job on a pool of one worker and on a pool of one worker
//! per core, the workers' process ids, and a worker that crashes mid-task.
//!
//! Try this: comment out the first line of `main` (the re-exec guard) and run it again, with
//! `ps --forest` ready in another terminal and your finger on Ctrl-C. Each worker is this same
//! program, so without the guard each worker runs `main` from the top and starts a pool of its
//! own...

use std::time::Instant;

use process_pool::*;

const JOBS: &[Job] =
    &[Job::new("primes_below", primes_below), Job::new("pid", pid), Job::new("flaky", flaky)];

/// How many primes are below n, by trial division: slow on purpose.
fn primes_below(n: &str) -> String {
    let n: u64 = n.parse().unwrap_or(0);
    let is_prime = |k: u64| k >= 2 && (2..).take_while(|d| d * d <= k).all(|d| !k.is_multiple_of(d));
    (0..n).filter(|&k| is_prime(k)).count().to_string()
}

fn pid(_: &str) -> String {
    std::process::id().to_string()
}

/// Crashes the worker on "boom", answers anything else.
fn flaky(x: &str) -> String {
    if x == "boom" {
        eprintln!("    (worker {} crashes on purpose)", std::process::id());
        std::process::exit(1);
    }
    x.to_uppercase()
}

fn main() -> std::io::Result<()> {
    worker_main_if_requested(JOBS); // the re-exec guard: a worker serves tasks and exits here

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let inputs: Vec<String> = (0..8).map(|i| (1_000_000 + i * 1000).to_string()).collect();
    println!("Counting primes below ~1 million, 8 times");
    for workers in [1, cores] {
        let mut pool = Pool::new(workers)?;
        let start = Instant::now();
        let got = pool.map("primes_below", &inputs);
        println!(
            "  {workers} worker(s): {:>7.3} s   (first answer {})",
            start.elapsed().as_secs_f64(),
            got[0].as_deref().unwrap_or("?")
        );
    }

    let mut pool = Pool::new(3)?;
    println!("\nThis process is {}; its workers are {:?}", std::process::id(), pool.worker_pids());
    let ran: Vec<String> = pool.map("pid", &["a", "b", "c", "d", "e", "f"]).into_iter().flatten().collect();
    println!("  six tasks ran in: {}", ran.join(", "));

    println!("\nA worker that crashes mid-task");
    let got = pool.map("flaky", &["one", "boom", "three"]);
    println!("  results: {got:?}");
    println!("  workers now: {:?} (the crashed one was replaced)", pool.worker_pids());
    Ok(())
}
