//! Quick checks you can run with `cargo test -p thread-pool`. The grader's hidden tests go
//! further: they count your workers, storm the pool with panics and watch its CPU while idle.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use thread_pool::*;

#[test]
fn submit_gives_back_the_result() {
    let pool = ThreadPool::new(2);
    let handle = pool.submit(|| 6 * 7);
    assert_eq!(handle.join(), Ok(42));
}

#[test]
fn a_panicking_job_comes_back_as_an_error() {
    let pool = ThreadPool::new(2);
    let handle = pool.submit(|| -> u32 { panic!("boom") });
    assert_eq!(handle.join(), Err(JobPanicked { message: "boom".into() }));
    // The pool still works afterwards.
    assert_eq!(pool.submit(|| 1).join(), Ok(1));
}

#[test]
fn map_keeps_the_order_of_the_items() {
    let pool = ThreadPool::new(3);
    let squares = pool.map(0..10u64, |x| {
        std::thread::sleep(Duration::from_millis(10 - x)); // later items finish first
        x * x
    });
    assert_eq!(squares, vec![0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
}

#[test]
fn sleeping_jobs_share_the_workers() {
    let pool = ThreadPool::new(4);
    let start = Instant::now();
    let handles: Vec<_> =
        (0..4).map(|_| pool.submit(|| std::thread::sleep(Duration::from_millis(200)))).collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(start.elapsed() < Duration::from_millis(700), "took {:?}", start.elapsed());
}

#[test]
fn drop_finishes_the_queued_jobs() {
    let done = Arc::new(AtomicUsize::new(0));
    let pool = ThreadPool::new(2);
    for _ in 0..10 {
        let done = done.clone();
        pool.execute(move || {
            std::thread::sleep(Duration::from_millis(10));
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    drop(pool);
    assert_eq!(done.load(Ordering::SeqCst), 10);
}
