//! Run it and see what happens: `cargo run -p async-basics --example demo`
//!
//! The tutorial's async_request.py fetches pages one by one and then all at once;
//! actually_async.py shows that a blocking sleep inside a coroutine stalls everything. Here
//! both, against the mock bookstore, with a heartbeat that shows when the runtime is stuck.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_basics::*;
use bookstore::Bookstore;

/// Runs `f` next to a task that ticks every 10 ms and prints how long `f` took and the
/// longest gap between ticks (a long gap: something blocked the runtime's thread).
async fn timed<T>(label: &str, f: impl std::future::Future<Output = T>) -> T {
    // (time of the last tick, longest gap so far)
    let beats = Arc::new(Mutex::new((Instant::now(), Duration::ZERO)));
    let b = beats.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let mut b = b.lock().unwrap();
            b.1 = b.1.max(b.0.elapsed());
            b.0 = Instant::now();
        }
    });
    let start = Instant::now();
    let out = f.await;
    ticker.abort();
    let (last, worst) = *beats.lock().unwrap();
    println!(
        "  {label:<44} {:>6.3} s   longest heartbeat gap {:>4} ms",
        start.elapsed().as_secs_f64(),
        worst.max(last.elapsed()).as_millis()
    );
    out
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let store = Bookstore::builder().latency(Duration::from_millis(300)).start();
    let urls: Vec<String> = (1..=8).map(|i| store.url(&format!("/catalogue/book-{i}.html"))).collect();
    println!("The mock bookstore answers every request after 0.3 s. Eight book pages:");
    timed("one by one (await each fetch)", async {
        for url in &urls {
            fetch(url).await.expect("a book page");
        }
    })
    .await;
    store.reset_counters();
    timed("all at once (fetch_all)", fetch_all(&urls)).await;
    println!("  the server saw at most {} requests at once\n", store.peak_in_flight());

    store.hang("/catalogue/book-3.html");
    let results = timed(
        "all at once, book 3 hangs, 0.5 s timeout",
        fetch_all_with_timeout(&urls, Duration::from_millis(500)),
    )
    .await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    println!("  {ok} pages came back; book 3: {:?}\n", results[2].as_ref().err());

    println!("Waiting and computing on a single-threaded runtime:");
    timed(
        "greet_all: 5 greetings of 0.3 s",
        greet_all(&["Ada", "Grace", "Hedy", "Ken", "Linus"], Duration::from_millis(300)),
    )
    .await;
    let count_primes = |limit: u64| {
        move || (2..limit).filter(|n| (2..).take_while(|d| d * d <= *n).all(|d| n % d != 0)).count()
    };
    let n = timed("compute: count primes on the blocking pool", compute(count_primes(300_000))).await;
    timed("the same count inside async code (blocks)", async { count_primes(300_000)() }).await;
    println!("  ({n} primes below 300000)");
}
