//! Run it and see what happens: `cargo run -p threads --example demo --release`
//!
//! The tutorial's threads.py times one thread against two. Here: two waiting jobs (sleeps)
//! and two computing jobs (sums), each first one after the other, then on two threads.

use std::time::{Duration, Instant};

fn timed<T>(label: &str, f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    let took = start.elapsed();
    println!("{label:<38} {:>8.3} s", took.as_secs_f64());
    (value, took)
}

fn main() {
    let nap = || std::thread::sleep(Duration::from_millis(500));
    println!("Waiting work: two jobs that each sleep 0.5 s");
    timed("  one after the other", || {
        nap();
        nap();
    });
    timed("  on two threads (threads::both)", || threads::both(nap, nap));

    let data: Vec<u64> = (0..40_000_000).collect();
    println!("\nComputing work: the sum of x*x for 40 million numbers");
    let (one, t1) = timed("  one thread", || threads::sum_of_squares(&data, 1));
    let (two, t2) = timed("  two threads", || threads::sum_of_squares(&data, 2));
    assert_eq!(one, two);
    println!(
        "  speedup {:.2}x on {} cores. Python's GIL would keep this near 1x; Rust has no GIL.",
        t1.as_secs_f64() / t2.as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
}
