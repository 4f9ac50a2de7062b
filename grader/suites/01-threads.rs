//! Hidden tests of kata 01: threads. Concurrency is proved by rendezvous and thread counts;
//! only the sleep test and the speedup test look at the clock.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kit::{Rendezvous, test};
use threads::*;

const MEET: Duration = Duration::from_secs(3);

fn main() {
    kit::suite(&[
        test!(both_returns_both_results).hint("return (a's result, b's result) in that order"),
        test!(both_runs_the_jobs_at_once)
            .points(2)
            .hint("spawn both threads before joining either; a join waits for that thread to finish"),
        test!(run_all_keeps_the_order_of_the_jobs)
            .points(2)
            .hint("keep the JoinHandles in a Vec in job order and join them in that order"),
        test!(run_all_runs_every_job_at_once)
            .points(2)
            .hint("spawn every job first (collect the handles), then join; joining inside the spawning loop runs them one by one"),
        test!(sleeping_jobs_take_about_one_sleep)
            .points(2)
            .timing()
            .hint("waiting jobs on their own threads wait together: 8 sleeps of 0.3 s should take about 0.3 s"),
        test!(map_scoped_borrows_and_keeps_order)
            .points(2)
            .hint("std::thread::scope: spawn one scoped thread per item, collect the handles, join in order"),
        test!(sum_of_squares_is_exact).points(2).hint(
            "every element in exactly one chunk: data.chunks(len.div_ceil(threads)); mind empty data and threads = 0",
        ),
        test!(sum_of_squares_uses_several_threads)
            .points(2)
            .hint("spawn all the chunk threads before joining any of them"),
        test!(sum_of_squares_speeds_up_on_cores)
            .points(2)
            .timing()
            .deadline(Duration::from_secs(20))
            .hint("computing work speeds up only if the chunks run on different cores at the same time"),
        test!(a_panicking_job_comes_back_as_an_error)
            .points(2)
            .hint("join() gives Err(payload) for a panicked thread: downcast the payload to &str or String"),
        test!(run_all_catching_runs_every_job_at_once)
            .points(2)
            .hint("run_all_catching is run_all with the joins matched instead of unwrapped: spawn every job first, then join"),
        test!(no_jobs_give_no_results).hint("with no jobs or no items, return an empty Vec (and start no thread)"),
        test!(no_thread_is_left_running).hint("join every thread you start before returning"),
    ]);
}

fn both_returns_both_results() {
    let (a, b) = both(|| vec![1, 2, 3], || String::from("done"));
    assert_eq!(a, vec![1, 2, 3]);
    assert_eq!(b, "done");
}

fn both_runs_the_jobs_at_once() {
    let latch = Arc::new(Rendezvous::new(2, MEET));
    let (l1, l2) = (latch.clone(), latch.clone());
    let (a, b) = both(move || l1.wait(), move || l2.wait());
    kit::at_least("jobs inside at once", latch.most_inside(), 2, "jobs");
    assert!(a && b, "the rendezvous opened, yet a job saw it shut");
}

fn run_all_keeps_the_order_of_the_jobs() {
    // Later jobs finish first, so completion order is the reverse of job order.
    let jobs: Vec<_> = (0..6u64)
        .map(|i| {
            move || {
                std::thread::sleep(Duration::from_millis((6 - i) * 25));
                format!("job {i}")
            }
        })
        .collect();
    let got = run_all(jobs);
    let want: Vec<String> = (0..6).map(|i| format!("job {i}")).collect();
    assert_eq!(got, want, "results must follow the order of the jobs, not the order they finished in");
}

fn run_all_runs_every_job_at_once() {
    const N: usize = 8;
    let latch = Arc::new(Rendezvous::new(N, MEET));
    let gauge = Arc::new(kit::Gauge::new());
    let jobs: Vec<_> = (0..N)
        .map(|i| {
            let (latch, gauge) = (latch.clone(), gauge.clone());
            move || {
                let _inside = gauge.enter();
                latch.wait();
                i
            }
        })
        .collect();
    let got = run_all(jobs);
    kit::at_least("jobs running at once", gauge.peak(), N, "jobs");
    assert_eq!(got, (0..N).collect::<Vec<_>>());
}

fn sleeping_jobs_take_about_one_sleep() {
    const NAP: Duration = Duration::from_millis(300);
    let start = Instant::now();
    let jobs: Vec<_> = (0..8).map(|_| || std::thread::sleep(NAP)).collect();
    run_all(jobs);
    let took = start.elapsed().as_secs_f64();
    kit::at_most("8 jobs sleeping 0.3 s each took", took, 3.0 * NAP.as_secs_f64(), "s");
}

fn map_scoped_borrows_and_keeps_order() {
    let words: Vec<String> =
        ["alpha", "be", "gam", "d", "epsilon", "zeta"].iter().map(|s| s.to_string()).collect();
    let latch = Rendezvous::new(words.len(), MEET); // borrowed by every thread: no Arc needed
    let lens = map_scoped(&words, |w| {
        latch.wait();
        w.len()
    });
    assert_eq!(lens, vec![5, 2, 3, 1, 7, 4], "results must follow the order of the items");
    kit::at_least("items processed at once", latch.most_inside(), words.len(), "threads");
}

fn sequential_sum(data: &[u64]) -> u64 {
    data.iter().fold(0u64, |acc, x| acc.wrapping_add(x.wrapping_mul(*x)))
}

fn sum_of_squares_is_exact() {
    for len in [0usize, 1, 2, 7, 1000, 10_001] {
        let data: Vec<u64> = (0..len as u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).collect();
        for threads in [0usize, 1, 2, 3, 5, 64] {
            assert_eq!(
                sum_of_squares(&data, threads),
                sequential_sum(&data),
                "wrong sum for {len} numbers on {threads} threads"
            );
        }
    }
}

fn sum_of_squares_uses_several_threads() {
    kit::require_some(kit::Needs::Threads, kit::procs::thread_count());
    let data: Vec<u64> = (0..6_000_000).collect();
    // A watcher may miss short-lived threads on a busy machine, so up to five sums are
    // watched; one that runs its chunks one at a time never shows two, however many.
    let mut peak = 0;
    for _ in 0..5 {
        peak = peak.max(summing_threads_at_once(&data));
        if peak >= 2 {
            break;
        }
    }
    kit::at_least("summing threads alive at once", peak, 2, "threads");
}

/// Sums `data` on 4 threads while a watcher counts this process's threads; the most seen
/// at once beyond the watcher and this thread.
fn summing_threads_at_once(data: &[u64]) -> usize {
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = done.clone();
    let watcher = std::thread::spawn(move || {
        let mut peak = 0;
        while !flag.load(std::sync::atomic::Ordering::SeqCst) {
            peak = peak.max(kit::procs::thread_count().unwrap_or(0));
            std::thread::sleep(Duration::from_micros(200));
        }
        peak
    });
    std::thread::sleep(Duration::from_millis(20));
    let baseline = kit::procs::thread_count().unwrap_or(0); // this thread and the watcher
    let got = sum_of_squares(data, 4);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let peak = watcher.join().expect("watcher");
    assert_eq!(got, sequential_sum(data));
    peak.saturating_sub(baseline)
}

fn sum_of_squares_speeds_up_on_cores() {
    let threads = kit::cores().min(4);
    let data: Vec<u64> = (0..30_000_000).collect();
    let want = sequential_sum(&data);
    let got = kit::expect_threads_compute_at_once(|| sum_of_squares(&data, threads));
    assert_eq!(got, want);
}

fn a_panicking_job_comes_back_as_an_error() {
    let jobs: Vec<Box<dyn FnOnce() -> u32 + Send>> = vec![
        Box::new(|| 1),
        Box::new(|| panic!("job 2 failed")),
        Box::new(|| {
            std::thread::sleep(Duration::from_millis(50));
            3
        }),
        Box::new(|| panic!("{}", String::from("job 4 failed too"))),
    ];
    let results = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_all_catching(jobs)))
        .unwrap_or_else(|_| {
            panic!("a job's panic reached the caller: run_all_catching must return it as Err")
        });
    assert_eq!(results.len(), 4, "one result per job");
    assert_eq!(results[0], Ok(1));
    assert_eq!(results[1], Err(JobPanicked { message: "job 2 failed".into() }), "a &str panic message");
    assert_eq!(results[2], Ok(3), "the other jobs' results still arrive");
    assert_eq!(results[3], Err(JobPanicked { message: "job 4 failed too".into() }), "a String panic message");
}

fn no_thread_is_left_running() {
    let baseline = kit::procs::baseline_threads();
    let nap = || std::thread::sleep(Duration::from_millis(30));
    both(nap, nap);
    run_all(vec![nap, nap, nap]);
    map_scoped(&[1, 2, 3], |_| nap());
    sum_of_squares(&[1, 2, 3, 4], 2);
    fn quiet() {
        panic!("quiet")
    }
    let _ = run_all_catching(vec![Box::new(quiet) as Box<dyn FnOnce() + Send>, Box::new(nap)]);
    let left = kit::procs::threads_left(baseline, Duration::from_secs(1));
    kit::at_most("threads still alive after the functions returned", left, 0, "threads");
}

fn run_all_catching_runs_every_job_at_once() {
    const N: usize = 6;
    let latch = Arc::new(Rendezvous::new(N, MEET));
    let jobs: Vec<_> = (0..N)
        .map(|i| {
            let latch = latch.clone();
            move || {
                latch.wait();
                i
            }
        })
        .collect();
    let got = run_all_catching(jobs);
    kit::at_least("jobs running at once in run_all_catching", latch.most_inside(), N, "jobs");
    assert_eq!(got, (0..N).map(Ok).collect::<Vec<_>>(), "every result, in job order");
}

fn no_jobs_give_no_results() {
    assert_eq!(run_all(vec![|| 1u8]), vec![1], "one job, one result"); // a stub stops here
    assert!(run_all(Vec::<fn() -> u8>::new()).is_empty(), "run_all of no jobs");
    assert!(map_scoped(&[] as &[u8], |x| *x).is_empty(), "map_scoped of no items");
    assert!(run_all_catching(Vec::<fn() -> u8>::new()).is_empty(), "run_all_catching of no jobs");
}
