//! Hidden tests of kata 11: async basics. Each test starts its own mock bookstore (its own
//! thread and runtime, port 0) and reads its counters: the most requests in flight at once
//! proves that requests overlap. The code under test runs on a current-thread runtime next to
//! a heartbeat task that should tick every 5 ms: a long gap means something blocked the
//! runtime's only thread.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_basics::*;
use bookstore::Bookstore;
use kit::block_on as run;
use kit::test;

fn main() {
    kit::suite(&[
        test!(fetch_returns_the_body_or_the_status)
            .hint("http::get gives a Response: its body when the status is 200, else FetchError::Status"),
        test!(fetch_all_keeps_the_order)
            .points(2)
            .hint("join_all returns the outputs in the order of its input, whatever order they finish in"),
        test!(fetch_all_overlaps_requests)
            .points(2)
            .hint("make all the futures first, then await them together (join_all); awaiting each in a loop runs them one by one"),
        test!(fetch_all_reports_each_failure_in_its_place)
            .hint("one result per URL: a failed fetch is an Err in its own slot, the rest still come back"),
        test!(timeouts_hold_against_a_hanging_page)
            .points(2)
            .hint("tokio::time::timeout(each, fetch(url)) for every URL; Elapsed becomes FetchError::Timeout"),
        test!(the_timeout_is_per_request_not_per_batch)
            .points(2)
            .hint("put the timeout around each fetch, inside the join_all, not around the join_all"),
        test!(a_timed_out_request_is_cancelled_not_left_running).points(2).hint(
            "tokio::time::timeout(each, fetch(url)) drops the fetch when time is up, which closes its connection; a spawned task that is only timed out keeps running",
        ),
        test!(fetch_without_a_response_is_an_http_error)
            .hint("an Err from http::get (closed connection, nobody listening) is FetchError::Http"),
        test!(empty_inputs_give_empty_results).hint("no URLs, jobs or names: return an empty Vec (join_all of nothing is ready at once)"),
        test!(fetch_all_with_timeout_overlaps_requests).hint("the timed fetches must still run together"),
        test!(spawn_all_keeps_the_order).hint("keep the JoinHandles in job order and await them in that order"),
        test!(spawn_all_brings_back_panics)
            .points(2)
            .hint("a JoinHandle gives Err(JoinError) for a task that panicked: into_panic() has the message"),
        test!(spawn_all_runs_the_tasks_at_once)
            .hint("tokio::spawn every job first, then await the handles; spawn-then-await in one loop runs them in turn"),
        test!(first_answer_takes_the_faster_one)
            .points(2)
            .hint("tokio::select! over both fetches: the first to finish wins and the other is dropped"),
        test!(first_answer_cancels_the_loser_at_once).points(2).hint(
            "the losing fetch must be dropped when the race is decided (select! does that); a spawned loser keeps its request open",
        ),
        test!(first_answer_times_out_when_one_fails_and_one_hangs)
            .hint("a failed branch is disabled, not the end of the race: wait for the other until the limit, then Err(Timeout)"),
        test!(first_answer_survives_one_failure)
            .hint("a select! branch with the pattern Ok(body) = ... is disabled when its fetch fails"),
        test!(first_answer_times_out)
            .hint("bound the whole race with tokio::time::timeout (or a sleep branch): Err(Timeout)"),
        test!(first_answer_reports_both_failed).hint("select!'s else branch runs when every branch is disabled"),
        test!(greet_and_greet_all_give_the_greetings)
            .hint("greet returns format!(\"Hello, {name}!\") after its delay; greet_all returns one greeting per name, in the order of the names"),
        test!(greet_all_waits_together)
            .points(2)
            .timing()
            .hint("waits that overlap take as long as one: join_all the greets, and sleep with tokio::time::sleep"),
        test!(greeting_never_blocks_the_runtime)
            .points(2)
            .timing()
            .hint("std::thread::sleep blocks the whole thread, and every task on it; await tokio::time::sleep"),
        test!(compute_returns_the_result).hint("await the JoinHandle: Ok(value) is the result, Err(e) a panic to resume"),
        test!(compute_re_raises_the_work_s_own_panic)
            .hint("on a JoinError from a panic, std::panic::resume_unwind(e.into_panic()) re-raises the work's own panic"),
        test!(computing_leaves_the_runtime_free)
            .points(2)
            .timing()
            .hint("CPU work in async code blocks the runtime: run it in tokio::task::spawn_blocking and await that"),
    ]);
}

/// What the heartbeat saw while the code under test ran.
struct Heartbeat {
    /// Ticks while the code ran: one every 5 ms if nothing blocks the thread.
    ticks: u32,
    /// The longest time without a tick.
    longest_gap: Duration,
}

/// Runs `f` on a current-thread runtime next to a task that ticks every 5 ms; returns `f`'s
/// output and what the ticker saw meanwhile. Code that blocks the thread gets no tick at all
/// while it blocks; on a loaded machine the ticks slow down but do not stop.
fn run_with_heartbeat<F: Future>(f: F) -> (F::Output, Heartbeat) {
    run(async {
        // (ticks, time of the last tick, longest gap)
        let state = Arc::new(Mutex::new((0u32, Instant::now(), Duration::ZERO)));
        let beat = state.clone();
        let ticker = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(5)).await;
                let mut b = beat.lock().unwrap();
                let now = Instant::now();
                b.0 += 1;
                b.2 = b.2.max(now - b.1);
                b.1 = now;
            }
        });
        let out = f.await;
        ticker.abort();
        let b = state.lock().unwrap();
        (out, Heartbeat { ticks: b.0, longest_gap: b.2.max(b.1.elapsed()) })
    })
}

/// Records what the heartbeat saw and fails if it (nearly) stopped.
fn check_heartbeat(what: &str, beat: &Heartbeat) {
    kit::figure("longest time without a heartbeat", beat.longest_gap, "s");
    kit::at_least(&format!("heartbeat ticks while {what}"), f64::from(beat.ticks), 5, "ticks");
}

fn store() -> Bookstore {
    Bookstore::builder().seed(11).books(40).per_page(10).start()
}

fn book_path(id: usize) -> String {
    format!("/catalogue/book-{id}.html")
}

/// The store's URLs for books 1..=n, each with its own latency from `latency(i)`.
fn urls(store: &Bookstore, n: usize, latency: impl Fn(usize) -> u64) -> Vec<String> {
    (1..=n)
        .map(|i| {
            store.set_latency(&book_path(i), Duration::from_millis(latency(i)));
            store.url(&book_path(i))
        })
        .collect()
}

fn body(store: &Bookstore, id: usize) -> String {
    store.body(&book_path(id)).expect("a book page")
}

fn fetch_returns_the_body_or_the_status() {
    let store = store();
    let got = run(fetch(&store.url(&book_path(3)))).expect("book 3 is there");
    assert_eq!(got, body(&store, 3));
    match run(fetch(&store.url("/no/such/page"))) {
        Err(FetchError::Status(404)) => {}
        other => panic!("a missing page: expected Err(Status(404)), got {other:?}"),
    }
}

fn fetch_all_keeps_the_order() {
    let store = store();
    // Book 1 is the slowest, book 6 the fastest: they finish in reverse order.
    let urls = urls(&store, 6, |i| (7 - i as u64) * 40);
    let got = run(fetch_all(&urls));
    assert_eq!(got.len(), 6, "one result per URL");
    for (i, r) in got.iter().enumerate() {
        match r {
            Ok(b) => assert!(*b == body(&store, i + 1), "result {i} is not the body of URL {i}"),
            Err(e) => panic!("URL {i} failed: {e:?}"),
        }
    }
}

fn fetch_all_overlaps_requests() {
    let store = store();
    let urls = urls(&store, 8, |_| 300);
    let got = run(fetch_all(&urls));
    assert!(got.iter().all(Result::is_ok), "every fetch should succeed: {got:?}");
    kit::at_least("requests in flight at once", store.peak_in_flight(), 8, "requests");
}

fn fetch_all_reports_each_failure_in_its_place() {
    let store = store();
    let mut urls = urls(&store, 3, |_| 0);
    store.fail_next(&book_path(2), 1);
    urls.push(store.url("/missing"));
    let got = run(fetch_all(&urls));
    assert_eq!(got.len(), 4, "one result per URL");
    assert!(got[0].as_ref().is_ok_and(|b| *b == body(&store, 1)), "URL 0: {:?}", got[0]);
    assert!(matches!(got[1], Err(FetchError::Status(503))), "URL 1 answers 503: {:?}", got[1]);
    assert!(got[2].as_ref().is_ok_and(|b| *b == body(&store, 3)), "URL 2: {:?}", got[2]);
    assert!(matches!(got[3], Err(FetchError::Status(404))), "URL 3 is a 404: {:?}", got[3]);
}

fn timeouts_hold_against_a_hanging_page() {
    let store = store();
    let urls = urls(&store, 3, |_| 0);
    store.hang(&book_path(2));
    let start = Instant::now();
    let got = run(fetch_all_with_timeout(&urls, Duration::from_millis(300)));
    let took = start.elapsed().as_secs_f64();
    assert!(
        matches!(got[1], Err(FetchError::Timeout)),
        "URL 1 hangs: expected Err(Timeout), got {:?}",
        got[1]
    );
    assert!(got[0].is_ok() && got[2].is_ok(), "the other URLs answer at once: {:?}, {:?}", got[0], got[2]);
    kit::at_most("time with a 0.3 s timeout", took, 1.5, "s");
    assert!(store.wait_idle(Duration::from_secs(2)), "the timed-out request's connection was never closed");
}

fn the_timeout_is_per_request_not_per_batch() {
    let store = store();
    let urls = urls(&store, 6, |_| 150);
    store.hang(&book_path(6));
    let got = run(fetch_all_with_timeout(&urls, Duration::from_secs(1)));
    for (i, r) in got.iter().take(5).enumerate() {
        assert!(r.is_ok(), "URL {i} answers in 0.15 s, well within its 1 s, yet got {r:?}");
    }
    assert!(matches!(got[5], Err(FetchError::Timeout)), "URL 5 hangs: {:?}", got[5]);
}

fn fetch_all_with_timeout_overlaps_requests() {
    let store = store();
    let urls = urls(&store, 6, |_| 300);
    let got = run(fetch_all_with_timeout(&urls, Duration::from_secs(3)));
    assert!(got.iter().all(Result::is_ok), "every fetch should succeed: {got:?}");
    kit::at_least("requests in flight at once", store.peak_in_flight(), 6, "requests");
}

fn spawn_all_keeps_the_order() {
    let jobs: Vec<_> = (0..6u64)
        .map(|i| async move {
            tokio::time::sleep(Duration::from_millis((6 - i) * 20)).await;
            i * 10
        })
        .collect();
    let got: Vec<_> = run(spawn_all(jobs)).into_iter().map(|r| r.expect("no job panics")).collect();
    assert_eq!(got, vec![0, 10, 20, 30, 40, 50], "results in the order of the jobs");
}

fn spawn_all_brings_back_panics() {
    let jobs: Vec<_> = (0..4u32)
        .map(|i| async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if i == 1 {
                panic!("job one gives up");
            }
            i
        })
        .collect();
    let got = run(spawn_all(jobs));
    assert_eq!(got.len(), 4, "one result per job");
    assert_eq!(got[1], Err(TaskFailed { message: "job one gives up".into() }), "the panicking job");
    assert_eq!(got[0], Ok(0));
    assert_eq!(got[2], Ok(2));
    assert_eq!(got[3], Ok(3));
}

fn spawn_all_runs_the_tasks_at_once() {
    let store = store();
    let jobs: Vec<_> =
        urls(&store, 6, |_| 300).into_iter().map(|url| async move { fetch(&url).await }).collect();
    let got = run(spawn_all(jobs));
    assert!(got.iter().all(|r| matches!(r, Ok(Ok(_)))), "every job should succeed: {got:?}");
    kit::at_least("requests in flight at once", store.peak_in_flight(), 6, "requests");
}

fn first_answer_takes_the_faster_one() {
    let store = store();
    let urls = urls(&store, 2, |i| if i == 1 { 1500 } else { 50 });
    let start = Instant::now();
    let got = run(first_answer(&urls[0], &urls[1], Duration::from_secs(5)));
    let took = start.elapsed().as_secs_f64();
    assert!(got.as_ref().is_ok_and(|b| *b == body(&store, 2)), "the mirror answers first: {got:?}");
    kit::at_most("time to the first answer", took, 0.8, "s");
    assert!(
        store.wait_idle(Duration::from_millis(500)),
        "the slower request was still open after the race was decided: drop the loser"
    );
}

fn first_answer_survives_one_failure() {
    let store = store();
    let urls = urls(&store, 2, |i| if i == 1 { 0 } else { 150 });
    store.fail_next(&book_path(1), 1);
    let got = run(first_answer(&urls[0], &urls[1], Duration::from_secs(5)));
    assert!(
        got.as_ref().is_ok_and(|b| *b == body(&store, 2)),
        "the primary fails fast, the mirror answers: {got:?}"
    );
}

fn first_answer_times_out() {
    let store = store();
    let urls = urls(&store, 2, |_| 0);
    store.hang(&book_path(1));
    store.hang(&book_path(2));
    let start = Instant::now();
    let got = run(first_answer(&urls[0], &urls[1], Duration::from_millis(300)));
    let took = start.elapsed().as_secs_f64();
    assert!(matches!(got, Err(FetchError::Timeout)), "both hang: expected Err(Timeout), got {got:?}");
    kit::at_most("time with a 0.3 s limit", took, 1.2, "s");
}

fn first_answer_reports_both_failed() {
    let store = store();
    let start = Instant::now();
    let got = run(first_answer(&store.url("/gone"), &store.url("/also/gone"), Duration::from_secs(5)));
    assert!(
        matches!(got, Err(FetchError::BothFailed)),
        "both are 404: expected Err(BothFailed), got {got:?}"
    );
    kit::at_most("time to notice both failed (limit 5 s)", start.elapsed(), 1, "s");
}

fn greet_and_greet_all_give_the_greetings() {
    let one = run(greet("Ada", Duration::from_millis(10)));
    assert_eq!(one, "Hello, Ada!", "greet(\"Ada\", ..) returns");
    let all = run(greet_all(&["Grace", "Ada", "Linus"], Duration::from_millis(10)));
    assert_eq!(
        all,
        ["Hello, Grace!", "Hello, Ada!", "Hello, Linus!"],
        "greet_all(&[\"Grace\", \"Ada\", \"Linus\"], ..) returns one greeting per name, in the order of the names"
    );
}

fn greet_all_waits_together() {
    let names = ["Ada", "Brian", "Claude", "Dennis", "Edsger", "Frances", "Grace", "Hedy", "Ken", "Linus"];
    let start = Instant::now();
    let got = run(greet_all(&names, Duration::from_millis(300)));
    let took = start.elapsed().as_secs_f64();
    let want: Vec<String> = names.iter().map(|n| format!("Hello, {n}!")).collect();
    assert_eq!(got, want, "one greeting per name, in order");
    kit::at_least("time for 10 greetings of 0.3 s", took, 0.29, "s");
    kit::at_most("time for 10 greetings of 0.3 s", took, 0.7, "s");
}

fn greeting_never_blocks_the_runtime() {
    // 0.4 s of waiting: about 80 ticks, unless the waiting blocks the thread.
    let (got, beat) = run_with_heartbeat(greet_all(&["Ada", "Grace", "Hedy"], Duration::from_millis(400)));
    assert_eq!(got.len(), 3);
    check_heartbeat("greeting", &beat);
}

fn compute_returns_the_result() {
    let data: Vec<u64> = (1..=1000).collect();
    assert_eq!(run(compute(move || data.iter().sum::<u64>())), 500_500);
    let caught = std::panic::catch_unwind(|| run(compute(|| -> u32 { panic!("the work failed") })));
    assert!(caught.is_err(), "a panic in the work must come back out of compute");
}

fn computing_leaves_the_runtime_free() {
    // CPU work that keeps its thread busy for 0.6 s, whatever the machine's speed.
    let busy = || {
        let end = Instant::now() + Duration::from_millis(600);
        let mut spins = 0u64;
        while Instant::now() < end {
            spins = std::hint::black_box(spins + 1);
        }
        spins
    };
    let (spins, beat) = run_with_heartbeat(compute(busy));
    assert!(spins > 0);
    check_heartbeat("computing", &beat);
}

/// On the runtime that ran the code under test, while it is still alive: waits up to `limit`
/// for the store to have no request in flight and returns how many still are. A request left
/// running as a detached task keeps its connection open here (dropping the runtime later would
/// cancel it, and hide it).
async fn in_flight_after(store: &Bookstore, limit: Duration) -> usize {
    let start = Instant::now();
    while store.in_flight() > 0 && start.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    store.in_flight()
}

fn a_timed_out_request_is_cancelled_not_left_running() {
    let store = store();
    let urls = urls(&store, 3, |_| 0);
    store.hang(&book_path(2));
    let (got, left) = run(async {
        let got = fetch_all_with_timeout(&urls, Duration::from_millis(300)).await;
        (got, in_flight_after(&store, Duration::from_secs(1)).await)
    });
    assert!(
        matches!(got[1], Err(FetchError::Timeout)),
        "URL 1 hangs: expected Err(Timeout), got {:?}",
        got[1]
    );
    kit::at_most("requests still open 1 s after the timeout, runtime still running", left, 0, "requests");
}

fn first_answer_cancels_the_loser_at_once() {
    let store = store();
    let urls = urls(&store, 2, |i| if i == 1 { 2000 } else { 50 });
    let (got, left) = run(async {
        let got = first_answer(&urls[0], &urls[1], Duration::from_secs(5)).await;
        (got, in_flight_after(&store, Duration::from_millis(500)).await)
    });
    assert!(got.as_ref().is_ok_and(|b| *b == body(&store, 2)), "the mirror answers first: {got:?}");
    kit::at_most(
        "losing requests still open 0.5 s after the race was decided, runtime still running",
        left,
        0,
        "requests",
    );
}

fn fetch_without_a_response_is_an_http_error() {
    let store = store();
    store.close_connection(&book_path(4));
    match run(fetch(&store.url(&book_path(4)))) {
        Err(FetchError::Http(_)) => {}
        other => panic!(
            "the server closed the connection without a response: expected Err(Http(..)), got {other:?}"
        ),
    }
    // A port where nobody listens (bound, then let go).
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    match run(fetch(&format!("http://127.0.0.1:{port}/"))) {
        Err(FetchError::Http(_)) => {}
        other => panic!("nobody listens there: expected Err(Http(..)), got {other:?}"),
    }
}

fn first_answer_times_out_when_one_fails_and_one_hangs() {
    let store = store();
    let urls = urls(&store, 2, |_| 0);
    store.fail_next(&book_path(1), 1);
    store.hang(&book_path(2));
    let start = Instant::now();
    let got = run(first_answer(&urls[0], &urls[1], Duration::from_millis(300)));
    let took = start.elapsed().as_secs_f64();
    assert!(
        matches!(got, Err(FetchError::Timeout)),
        "the primary fails, the mirror hangs: nothing succeeded within the limit, so Err(Timeout), got {got:?}"
    );
    kit::figure("time with a 0.3 s limit", took, "s");
    assert!(
        took >= 0.25,
        "a failure of one leaves the other in the race: gave up after {took:.2} s of 0.3 s"
    );
    kit::at_most("time with a 0.3 s limit", took, 1.2, "s");
}

fn compute_re_raises_the_work_s_own_panic() {
    let caught = std::panic::catch_unwind(|| run(compute(|| -> u32 { panic!("the work failed") })));
    let payload = caught.expect_err("a panic in the work must come back out of compute");
    let text = kit::harness::payload_text(&*payload);
    assert_eq!(
        text, "the work failed",
        "compute must re-raise the work's own panic (std::panic::resume_unwind(join_error.into_panic())), not a panic of its own"
    );
}

fn empty_inputs_give_empty_results() {
    let none: Vec<String> = Vec::new();
    let (a, b, c, d) = run(async {
        let a = fetch_all(&none).await;
        let b = fetch_all_with_timeout(&none, Duration::from_millis(100)).await;
        let c = spawn_all(Vec::<std::future::Ready<u8>>::new()).await;
        let d = greet_all(&[], Duration::from_millis(100)).await;
        (a.len(), b.len(), c.len(), d)
    });
    assert_eq!(
        (a, b, c),
        (0, 0, 0),
        "no URLs or jobs, no results (fetch_all, fetch_all_with_timeout, spawn_all)"
    );
    assert!(d.is_empty(), "greet_all of no names: {d:?}");
}
