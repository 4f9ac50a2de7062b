//! Run it and see what happens: `cargo run -p thread-pool --example demo --release`
//!
//! The tutorial's threads_with_pool.py hands a batch of jobs to a `ThreadPoolExecutor`. Here:
//! the same batch of waiting jobs on pools of different sizes, then many tiny jobs to compare
//! the cost of a pool against a new thread per job.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use thread_pool::ThreadPool;

fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = f();
    println!("{label:<44} {:>8.3} s", start.elapsed().as_secs_f64());
    value
}

fn main() {
    println!("Waiting work: 8 jobs that each sleep 0.25 s");
    for workers in [1, 2, 4, 8] {
        timed(&format!("  pool of {workers} worker(s)"), || {
            let pool = ThreadPool::new(workers);
            let naps = pool.map(0..8, |i| {
                std::thread::sleep(Duration::from_millis(250));
                i
            });
            assert_eq!(naps, (0..8).collect::<Vec<_>>());
        });
    }

    const TINY: usize = 100_000;
    println!("\nTiny work: {TINY} jobs that each add 1 to a counter");
    let counter = Arc::new(AtomicUsize::new(0));
    timed("  a pool of 4 workers", || {
        let pool = ThreadPool::new(4);
        for _ in 0..TINY {
            let counter = counter.clone();
            pool.execute(move || {
                counter.fetch_add(1, Ordering::Relaxed);
            });
        }
        // Dropping the pool waits for every queued job.
    });
    timed("  a new thread for every job", || {
        for _ in 0..TINY {
            let counter = counter.clone();
            std::thread::spawn(move || {
                counter.fetch_add(1, Ordering::Relaxed);
            })
            .join()
            .unwrap();
        }
    });
    assert_eq!(counter.load(Ordering::Relaxed), 2 * TINY);

    println!("\nPanics: 1000 jobs that panic, then 4 jobs that sleep 0.2 s on a pool of 4");
    std::panic::set_hook(Box::new(|_| {})); // keep the screen quiet
    let pool = ThreadPool::new(4);
    for _ in 0..1000 {
        pool.execute(|| panic!("a failing job"));
    }
    timed("  the 4 sleeping jobs after the storm", || {
        pool.map(0..4, |_| std::thread::sleep(Duration::from_millis(200)));
    });
    let _ = std::panic::take_hook();
    println!("  about 0.2 s means every worker survived; 0.8 s would mean one was left.");
}
