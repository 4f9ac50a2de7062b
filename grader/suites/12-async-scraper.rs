//! Hidden tests of kata 12: the async scraper. Each test starts its own mock bookstore (on its
//! own thread and runtime, port 0) and reads the server's own counters: which paths were asked
//! for and how often, and the most requests it ever held in flight at once. The scraper runs
//! on a current-thread runtime, so a blocking call inside it stalls every other fetch.

use std::time::{Duration, Instant};

use async_scraper::*;
use bookstore::Bookstore;
use kit::block_on as run;
use kit::test;

fn main() {
    kit::suite(&[
        test!(parse_page_reads_every_book).points(2).hint(
            "one book per <article class=\"product_pod\">: the title attribute, the word after star-rating, the £ price as pence",
        ),
        test!(parse_page_reads_the_page_count).hint("the pager says \"Page 2 of 5\": the last number is the count"),
        test!(parse_page_rejects_what_is_not_a_catalogue_page)
            .hint("no \"Page n of N\" means it is not a catalogue page: return an error, do not guess"),
        test!(scrape_finds_the_exact_catalogue)
            .points(3)
            .hint("page 1 gives the page count; fetch pages 2..=count, parse each, then sort all the books"),
        test!(peak_in_flight_never_exceeds_k).points(2).hint(
            "bound the fetches: buffer_unordered(k) on a stream of page fetches, or a Semaphore with k permits",
        ),
        test!(peak_in_flight_reaches_k).points(2).hint(
            "start the next fetch before the previous one ends (and use the async http::get, never a blocking client)",
        ),
        test!(each_page_is_fetched_once)
            .points(2)
            .hint("page 1 is already fetched: the rest are pages 2..=count, each once"),
        test!(scrape_time_is_near_the_limit)
            .points(2)
            .timing()
            .hint("keep k requests in flight all the time: each round of k pages should take one latency"),
        test!(a_slow_page_does_not_hold_up_the_others).points(3).hint(
            "a sliding window, not batches: each time one fetch finishes, start the next (buffer_unordered(k), or a Semaphore); waiting for a whole batch of k leaves slots empty behind a slow page",
        ),
        test!(a_concurrency_of_0_is_taken_as_1)
            .hint("use cfg.concurrency.max(1): buffer_unordered(0) or a Semaphore of 0 permits never starts anything"),
        test!(a_flaky_page_succeeds_after_retries)
            .points(2)
            .hint("on a 503, wait (tokio::time::sleep) and ask again, up to cfg.retries more times"),
        test!(retries_back_off).hint("wait cfg.backoff before the first retry and double the wait each time"),
        test!(backing_off_never_blocks_the_runtime).points(2).hint(
            "wait with tokio::time::sleep(..).await: std::thread::sleep blocks the runtime's thread, and every other fetch and task on it",
        ),
        test!(fetch_page_retries_only_a_503).hint(
            "retry a 503 only, at most cfg.retries times; a 404, a timeout or a closed connection is final, and attempts counts the requests sent",
        ),
        test!(a_page_that_stays_busy_is_given_up)
            .hint("after cfg.retries retries, stop and list the page as failed with its status"),
        test!(a_hanging_page_is_reported_and_does_not_stall_the_rest)
            .points(3)
            .hint("wrap each request in tokio::time::timeout(cfg.timeout, ...); a timed-out page is a Failure"),
        test!(a_closed_connection_is_reported).hint("an http::Error is a failure of that page, not of the scrape"),
        test!(failures_are_listed_in_page_order)
            .hint("pages finish in any order: sort Report::failed by page number before returning"),
        test!(a_one_page_catalogue_and_a_page_that_is_not_one).hint(
            "with a page count of 1 there is nothing more to fetch; HTML without \"Page n of N\" is FetchError::Parse",
        ),
        test!(a_failing_first_page_is_an_error)
            .hint("without page 1 there is no page count: scrape returns that error"),
    ]);
}

fn store(books: usize, per_page: usize, latency_ms: u64) -> Bookstore {
    Bookstore::builder()
        .seed(books as u64 * 31 + per_page as u64)
        .books(books)
        .per_page(per_page)
        .latency(Duration::from_millis(latency_ms))
        .start()
}

fn config(k: usize) -> Config {
    Config { concurrency: k, timeout: Duration::from_secs(3), retries: 3, backoff: Duration::from_millis(20) }
}

fn ours(books: &[bookstore::Book]) -> Vec<Book> {
    books
        .iter()
        .map(|b| Book { title: b.title.clone(), price_pence: b.price_pence, rating: b.rating })
        .collect()
}

/// The store's whole catalogue, sorted, leaving out the pages in `except`.
fn expected(store: &Bookstore, except: &[usize]) -> Vec<Book> {
    let mut all: Vec<Book> = (1..=store.page_count())
        .filter(|n| !except.contains(n))
        .flat_map(|n| ours(store.page_books(n)))
        .collect();
    all.sort();
    all
}

fn scrape_ok(store: &Bookstore, cfg: &Config) -> Report {
    match run(scrape(&store.base_url(), cfg)) {
        Ok(report) => report,
        Err(e) => panic!("scrape failed: {e:?}"),
    }
}

fn failed_pages(report: &Report) -> Vec<usize> {
    report.failed.iter().map(|f| f.page).collect()
}

fn parse_page_reads_every_book() {
    let store = store(25, 10, 0);
    for n in 1..=3 {
        let html = store.body(&Bookstore::page_path(n)).expect("a page");
        let page = parse_page(&html).unwrap_or_else(|e| panic!("page {n} did not parse: {e:?}"));
        assert_eq!(page.books, ours(store.page_books(n)), "the books of page {n}, in page order");
    }
}

fn parse_page_reads_the_page_count() {
    for (books, per_page, pages) in [(25, 10, 3), (7, 10, 1), (120, 10, 12)] {
        let store = store(books, per_page, 0);
        let html = store.body(&Bookstore::page_path(1)).expect("a page");
        let page = parse_page(&html).unwrap_or_else(|e| panic!("page 1 did not parse: {e:?}"));
        assert_eq!(page.page_count, pages, "{books} books at {per_page} a page");
    }
}

fn parse_page_rejects_what_is_not_a_catalogue_page() {
    let store = store(25, 10, 0);
    let home = store.body("/").expect("the home page");
    assert!(parse_page(&home).is_err(), "the home page has no page count, yet parse_page accepted it");
    assert!(parse_page("").is_err(), "an empty page was accepted");
}

fn scrape_finds_the_exact_catalogue() {
    let store = store(57, 8, 0);
    let report = scrape_ok(&store, &config(3));
    assert_eq!(report.pages, 8, "the page count");
    assert!(report.failed.is_empty(), "no page should fail: {:?}", report.failed);
    assert_eq!(report.books.len(), 57, "every book once");
    assert_eq!(report.books, expected(&store, &[]), "the catalogue, sorted by title");
}

fn peak_in_flight_never_exceeds_k() {
    let store = store(80, 8, 60);
    let report = scrape_ok(&store, &config(3));
    assert_eq!(report.books.len(), 80);
    kit::at_most("requests in flight at once", store.peak_in_flight(), 3, "requests");
}

fn peak_in_flight_reaches_k() {
    let store = store(80, 8, 100);
    let report = scrape_ok(&store, &config(4));
    assert_eq!(report.books.len(), 80);
    kit::at_least("requests in flight at once", store.peak_in_flight(), 4, "requests");
}

fn each_page_is_fetched_once() {
    let store = store(50, 5, 10);
    let report = scrape_ok(&store, &config(4));
    for n in 1..=10 {
        let hits = store.hits(&Bookstore::page_path(n));
        assert_eq!(hits, 1, "page {n} was asked for {hits} times");
    }
    assert_eq!(store.total_hits(), 10, "requests for anything but the 10 pages: {:?}", store.hits_by_path());
    assert_eq!(report.requests, 10, "Report::requests counts the requests sent");
}

fn scrape_time_is_near_the_limit() {
    const LATENCY: f64 = 0.15;
    let store = store(100, 10, (LATENCY * 1000.0) as u64);
    let start = Instant::now();
    let report = scrape_ok(&store, &config(3));
    let took = start.elapsed().as_secs_f64();
    assert_eq!(report.books.len(), 100);
    // Page 1 alone, then 9 pages 3 at a time: 4 latencies is as fast as this site allows.
    let limit = LATENCY * (1 + 9usize.div_ceil(3)) as f64;
    kit::figure("the fastest possible", limit, "s");
    kit::at_most("scrape time", took, limit * 1.5 + 0.3, "s");
}

fn a_flaky_page_succeeds_after_retries() {
    let store = store(40, 8, 0);
    let flaky = Bookstore::page_path(4);
    store.fail_next(&flaky, 2);
    let report = scrape_ok(&store, &config(3));
    assert!(report.failed.is_empty(), "page 4 answers 503 twice, then 200; failed: {:?}", report.failed);
    assert_eq!(report.books, expected(&store, &[]));
    assert_eq!(store.hits(&flaky), 3, "page 4: two 503s and one success");
    assert_eq!(report.requests, 7, "5 pages and 2 retries");
}

fn retries_back_off() {
    let store = store(16, 8, 0);
    store.fail_next(&Bookstore::page_path(2), 2);
    let cfg = Config { backoff: Duration::from_millis(150), ..config(2) };
    let start = Instant::now();
    let report = scrape_ok(&store, &cfg);
    let took = start.elapsed().as_secs_f64();
    assert!(report.failed.is_empty(), "failed: {:?}", report.failed);
    kit::at_least("time with two retries after 0.15 s and 0.3 s", took, 0.43, "s");
}

fn a_page_that_stays_busy_is_given_up() {
    let store = store(24, 8, 0);
    let busy = Bookstore::page_path(2);
    store.fail_next(&busy, 1000);
    let cfg = Config { retries: 2, ..config(2) };
    let report = scrape_ok(&store, &cfg);
    assert_eq!(failed_pages(&report), vec![2], "page 2 never stops answering 503");
    assert!(matches!(report.failed[0].error, FetchError::Status(503)), "got {:?}", report.failed[0].error);
    assert_eq!(store.hits(&busy), 3, "one request and 2 retries");
    assert_eq!(report.books, expected(&store, &[2]));
}

fn a_hanging_page_is_reported_and_does_not_stall_the_rest() {
    let store = store(48, 8, 20);
    store.hang(&Bookstore::page_path(3));
    let cfg = Config { timeout: Duration::from_millis(400), ..config(2) };
    let start = Instant::now();
    let report = scrape_ok(&store, &cfg);
    let took = start.elapsed().as_secs_f64();
    assert_eq!(failed_pages(&report), vec![3], "page 3 hangs; failed: {:?}", report.failed);
    assert!(matches!(report.failed[0].error, FetchError::Timeout), "got {:?}", report.failed[0].error);
    assert_eq!(report.books, expected(&store, &[3]), "every other page's books");
    kit::at_most("scrape time with one page hanging (timeout 0.4 s)", took, 2, "s");
    assert!(store.wait_idle(Duration::from_secs(2)), "the timed-out request was never dropped");
}

fn a_closed_connection_is_reported() {
    let store = store(24, 8, 0);
    store.close_connection(&Bookstore::page_path(2));
    let report = scrape_ok(&store, &config(2));
    assert_eq!(failed_pages(&report), vec![2], "page 2 closes the connection; failed: {:?}", report.failed);
    assert!(matches!(report.failed[0].error, FetchError::Http(_)), "got {:?}", report.failed[0].error);
    assert_eq!(report.books, expected(&store, &[2]));
}

fn a_failing_first_page_is_an_error() {
    let store = store(24, 8, 0);
    store.fail_next(&Bookstore::page_path(1), 1000);
    let cfg = Config { retries: 1, ..config(2) };
    match run(scrape(&store.base_url(), &cfg)) {
        Err(FetchError::Status(503)) => {}
        other => panic!("page 1 always answers 503, so scrape must fail with Status(503); got {other:?}"),
    }
    assert_eq!(store.total_hits(), 2, "page 1 and its one retry, nothing else");
}

/// What a sampler thread saw of the store while a scrape ran.
struct Slots {
    /// Time during which fewer than `k` requests were in flight although some pages had not
    /// been asked for yet (page 1 already answered).
    idle: Duration,
    /// Time during which page 1 was answered and some pages were not yet asked for.
    open: Duration,
}

/// Runs `scrape` on a current-thread runtime while a thread samples the store every
/// millisecond. A sample's state counts for the time until the next one, at most 5 ms, so a
/// sampler that was kept off the CPU for a while does not inflate either figure.
fn scrape_sampling(store: &Bookstore, cfg: &Config, pages: u64) -> (Report, Slots, Duration) {
    let done = std::sync::atomic::AtomicBool::new(false);
    let k = cfg.concurrency.max(1);
    std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let (mut idle, mut open) = (Duration::ZERO, Duration::ZERO);
            let mut last = Instant::now();
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let (hits, in_flight) = (store.total_hits(), store.in_flight());
                std::thread::sleep(Duration::from_millis(1));
                let now = Instant::now();
                let dt = (now - last).min(Duration::from_millis(5));
                last = now;
                // hits >= 2: page 1 has been answered and the rest have begun.
                if hits >= 2 && hits < pages {
                    open += dt;
                    if in_flight < k {
                        idle += dt;
                    }
                }
            }
            Slots { idle, open }
        });
        /// Stops the sampler however the scrape ends: a panic in it must not leave the scope
        /// waiting for the sampler until the deadline.
        struct Stop<'a>(&'a std::sync::atomic::AtomicBool);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let stop = Stop(&done);
        let start = Instant::now();
        let report = run(scrape(&store.base_url(), cfg));
        let took = start.elapsed();
        drop(stop);
        let slots = sampler.join().expect("the sampler");
        (report.unwrap_or_else(|e| panic!("scrape failed: {e:?}")), slots, took)
    })
}

fn a_slow_page_does_not_hold_up_the_others() {
    // 13 pages, 3 in flight. Pages 2, 5, 8 and 11 take 0.4 s, the others 20 ms: a scraper that
    // goes in fixed batches of 3 waits out a slow page with two of its three slots empty.
    const K: usize = 3;
    let store = store(104, 8, 20);
    for n in [2, 5, 8, 11] {
        store.set_latency(&Bookstore::page_path(n), Duration::from_millis(400));
    }
    let (report, slots, took) = scrape_sampling(&store, &config(K), 13);
    assert_eq!(report.books, expected(&store, &[]), "the catalogue");
    kit::figure("scrape time", took, "s");
    // Any schedule that starts a page whenever a slot frees: page 1, then at most the work
    // spread over K slots plus the longest page.
    let bound = 0.02 + (4.0 * 0.4 + 8.0 * 0.02) / K as f64 + 0.4;
    kit::figure("a sliding window needs at most", bound, "s");
    kit::figure("time pages were waiting to be asked for", slots.open, "s");
    kit::at_most(
        &format!("time with fewer than {K} requests in flight while pages were waiting"),
        slots.idle.as_secs_f64(),
        0.3,
        "s",
    );
}

fn backing_off_never_blocks_the_runtime() {
    // A page that answers 503 twice, with long waits before its retries, among slow pages.
    let store = store(40, 8, 100);
    store.fail_next(&Bookstore::page_path(2), 2);
    let cfg = Config { backoff: Duration::from_millis(300), ..config(2) };
    let delay_before = kit::procs::run_delay();
    let (report, ticks, gap) = run(async {
        let beat = std::sync::Arc::new(std::sync::Mutex::new((0u32, Instant::now(), Duration::ZERO)));
        let b = beat.clone();
        let ticker = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(5)).await;
                let mut b = b.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                b.0 += 1;
                b.2 = b.2.max(now - b.1);
                b.1 = now;
            }
        });
        let report = scrape(&store.base_url(), &cfg).await;
        ticker.abort();
        let b = *beat.lock().unwrap_or_else(|p| p.into_inner());
        (report, b.0, b.2.max(b.1.elapsed()))
    });
    let report = report.unwrap_or_else(|e| panic!("scrape failed: {e:?}"));
    assert!(report.failed.is_empty(), "page 2 answers 503 twice, then 200; failed: {:?}", report.failed);
    kit::figure("heartbeat ticks (one every 5 ms)", f64::from(ticks), "ticks");
    // The runtime's thread (this one) kept waiting for a core is the machine's doing, not a
    // blocking call's: a gap it explains cannot be judged.
    let waited =
        kit::procs::run_delay().zip(delay_before).map_or(Duration::ZERO, |(a, b)| a.saturating_sub(b));
    if gap > Duration::from_millis(250) && gap.saturating_sub(waited) <= Duration::from_millis(250) {
        kit::unmeasured(
            "the runtime's thread was kept waiting for a core about as long as the heartbeat stopped",
        );
    }
    kit::at_most(
        "longest time the runtime's thread was blocked (no heartbeat) while backing off 0.3 s and 0.6 s",
        gap.as_secs_f64(),
        0.25,
        "s",
    );
}

fn a_concurrency_of_0_is_taken_as_1() {
    let store = store(32, 8, 20);
    let cfg = Config { concurrency: 0, ..config(0) };
    let report = kit::within(Duration::from_secs(5), "scrape with concurrency 0", move || {
        let report = run(scrape(&store.base_url(), &cfg));
        (report, store)
    });
    let (report, store) = report;
    let report = report.unwrap_or_else(|e| panic!("scrape failed: {e:?}"));
    assert_eq!(report.books, expected(&store, &[]), "the catalogue, fetched one page at a time");
    kit::at_most("requests in flight at once with concurrency 0", store.peak_in_flight(), 1, "requests");
}

fn fetch_page_retries_only_a_503() {
    let store = store(24, 8, 0);
    let page = |n| store.url(&Bookstore::page_path(n));
    let cfg = Config { timeout: Duration::from_millis(300), backoff: Duration::from_millis(10), ..config(2) };
    store.fail_next(&Bookstore::page_path(1), 2);
    let got = run(fetch_page(&page(1), &cfg));
    assert_eq!(got.attempts, 3, "two 503s, then a 200: 3 requests");
    assert!(
        got.result.as_ref().is_ok_and(|b| Some(b.clone()) == store.body(&Bookstore::page_path(1))),
        "the body of page 1 after its retries: {:?}",
        got.result.as_ref().map(|b| b.len())
    );
    let got = run(fetch_page(&store.url("/catalogue/no-such-page.html"), &cfg));
    assert!(matches!(got.result, Err(FetchError::Status(404))), "a 404: {:?}", got.result);
    assert_eq!(got.attempts, 1, "a 404 is final: not retried");
    store.hang(&Bookstore::page_path(2));
    let got = run(fetch_page(&page(2), &cfg));
    assert!(matches!(got.result, Err(FetchError::Timeout)), "a hanging page: {:?}", got.result);
    assert_eq!(
        (got.attempts, store.hits(&Bookstore::page_path(2))),
        (1, 1),
        "a timeout is final: not retried"
    );
    store.close_connection(&Bookstore::page_path(3));
    let got = run(fetch_page(&page(3), &cfg));
    assert!(matches!(got.result, Err(FetchError::Http(_))), "a closed connection: {:?}", got.result);
    assert_eq!(got.attempts, 1, "a closed connection is final: not retried");
    store.fail_next(&Bookstore::page_path(1), 100);
    let got = run(fetch_page(&page(1), &Config { retries: 0, ..cfg }));
    assert!(matches!(got.result, Err(FetchError::Status(503))), "no retries allowed: {:?}", got.result);
    assert_eq!(got.attempts, 1, "retries: 0 means one request");
}

fn failures_are_listed_in_page_order() {
    let store = store(56, 8, 10);
    store.close_connection(&Bookstore::page_path(6));
    store.close_connection(&Bookstore::page_path(3));
    store.fail_next(&Bookstore::page_path(2), 1000);
    let cfg = Config { retries: 1, ..config(3) };
    let report = scrape_ok(&store, &cfg);
    assert_eq!(failed_pages(&report), vec![2, 3, 6], "the failed pages, sorted by page number");
    assert_eq!(report.books, expected(&store, &[2, 3, 6]), "every other page's books");
    assert_eq!(report.pages, 7, "the page count");
    assert_eq!(report.requests, 8, "7 pages and one retry of page 2");
}

fn a_one_page_catalogue_and_a_page_that_is_not_one() {
    let store = store(7, 10, 0);
    let report = scrape_ok(&store, &config(3));
    assert_eq!((report.pages, report.books.len()), (1, 7), "one page of 7 books");
    assert_eq!(store.total_hits(), 1, "a one-page catalogue needs one request: {:?}", store.hits_by_path());
    assert_eq!(report.requests, 1);
    let home = store.body("/").expect("the home page");
    assert!(matches!(parse_page(&home), Err(FetchError::Parse(_))), "the home page is FetchError::Parse");
}
