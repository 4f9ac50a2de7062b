//! Quick checks you can run with `cargo test -p threads`. The grader's hidden tests go further:
//! they prove your threads really run at the same time.

use std::time::{Duration, Instant};

use threads::*;

#[test]
fn both_returns_both_results() {
    assert_eq!(both(|| 1 + 1, || "two"), (2, "two"));
}

#[test]
fn run_all_keeps_the_order_of_the_jobs() {
    let jobs: Vec<_> = (0..5u64).map(|i| move || i * 10).collect();
    assert_eq!(run_all(jobs), vec![0, 10, 20, 30, 40]);
}

#[test]
fn sleeping_jobs_overlap() {
    let start = Instant::now();
    let jobs: Vec<_> = (0..4).map(|_| || std::thread::sleep(Duration::from_millis(200))).collect();
    run_all(jobs);
    assert!(start.elapsed() < Duration::from_millis(700), "took {:?}", start.elapsed());
}

#[test]
fn map_scoped_borrows_the_items() {
    let words = vec!["one".to_string(), "three".to_string()];
    assert_eq!(map_scoped(&words, |w| w.len()), vec![3, 5]);
}

#[test]
fn sum_of_squares_matches_the_formula() {
    let data: Vec<u64> = (1..=100).collect();
    assert_eq!(sum_of_squares(&data, 3), 338_350);
}

#[test]
fn a_panicking_job_comes_back_as_an_error() {
    let jobs: Vec<Box<dyn FnOnce() -> u32 + Send>> = vec![Box::new(|| 1), Box::new(|| panic!("boom"))];
    let results = run_all_catching(jobs);
    assert_eq!(results[0], Ok(1));
    assert_eq!(results[1], Err(JobPanicked { message: "boom".into() }));
}
