//! Quick checks you can run with `cargo test -p gil`. The grader's hidden tests go further:
//! fairness between spinning threads, CPU use of waiters, panics and overlap.

use std::thread;
use std::time::{Duration, Instant};

use gil::*;

#[test]
fn the_state_is_reached_through_the_token() {
    let interp = Interpreter::new(0u32);
    assert_eq!(interp.switch_interval(), Duration::from_millis(5));
    assert_eq!(
        interp.with_gil(|py| {
            *py.state() += 1;
            *py.state()
        }),
        Ok(1)
    );
    assert_eq!(interp.into_inner(), 1);
}

#[test]
fn threads_take_turns_and_lose_no_update() {
    let interp = Interpreter::new(0u64);
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                interp
                    .with_gil(|py| {
                        for _ in 0..10_000 {
                            *py.state() += 1;
                            py.check_switch();
                        }
                    })
                    .unwrap()
            });
        }
    });
    assert_eq!(interp.into_inner(), 40_000);
}

#[test]
fn sleeping_in_allow_threads_overlaps() {
    let interp = Interpreter::new(());
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| interp.with_gil(|py| py.allow_threads(|| thread::sleep(Duration::from_millis(200)))));
        }
    });
    assert!(start.elapsed() < Duration::from_millis(700), "took {:?}", start.elapsed());
}

#[test]
fn a_nested_acquire_is_refused() {
    // If this test hangs, your nested with_gil waits for the lock its own thread holds.
    let interp = Interpreter::new(0u32);
    let nested = interp.with_gil(|_| interp.with_gil(|_| ())).unwrap();
    assert_eq!(nested, Err(AlreadyHeld));
}

#[test]
fn a_panic_gives_the_lock_back() {
    let interp = Interpreter::new(0u32);
    let crashed = thread::scope(|s| s.spawn(|| interp.with_gil(|_| panic!("expected by the test"))).join());
    assert!(crashed.is_err());
    assert_eq!(interp.with_gil(|py| *py.state()), Ok(0));
}
