//! Quick checks you can run with `cargo test -p async-basics`. The hidden tests check more
//! (see the README). Each test that needs a server starts its own mock bookstore.

use std::time::{Duration, Instant};

use async_basics::*;
use bookstore::Bookstore;

fn book_urls(store: &Bookstore, n: usize) -> Vec<String> {
    (1..=n).map(|i| store.url(&format!("/catalogue/book-{i}.html"))).collect()
}

#[tokio::test]
async fn fetch_all_returns_the_pages_in_order() {
    let store = Bookstore::start();
    let urls = book_urls(&store, 4);
    let got = fetch_all(&urls).await;
    for (i, result) in got.iter().enumerate() {
        let body = result.as_ref().expect("every book page is there");
        assert!(body.contains(&store.books()[i].title), "result {i} is book {}", i + 1);
    }
}

#[tokio::test]
async fn fetch_all_sends_the_requests_together() {
    let store = Bookstore::builder().latency(Duration::from_millis(100)).start();
    fetch_all(&book_urls(&store, 5)).await;
    assert_eq!(store.peak_in_flight(), 5, "the server saw them one by one");
}

#[tokio::test]
async fn a_hanging_page_times_out() {
    let store = Bookstore::start();
    let urls = book_urls(&store, 2);
    store.hang("/catalogue/book-2.html");
    let got = fetch_all_with_timeout(&urls, Duration::from_millis(200)).await;
    assert!(got[0].is_ok());
    assert!(matches!(got[1], Err(FetchError::Timeout)), "got {:?}", got[1]);
}

#[tokio::test]
async fn spawn_all_survives_a_panic() {
    let jobs = vec![
        Box::pin(async { 1 }) as std::pin::Pin<Box<dyn std::future::Future<Output = i32> + Send>>,
        Box::pin(async { panic!("oops") }),
    ];
    let got = spawn_all(jobs).await;
    assert_eq!(got[0], Ok(1));
    assert_eq!(got[1], Err(TaskFailed { message: "oops".into() }));
}

#[tokio::test]
async fn the_faster_mirror_wins() {
    let store = Bookstore::start();
    let urls = book_urls(&store, 2);
    store.set_latency("/catalogue/book-1.html", Duration::from_secs(2));
    let body = first_answer(&urls[0], &urls[1], Duration::from_secs(5)).await.expect("an answer");
    assert!(body.contains(&store.books()[1].title));
}

#[tokio::test]
async fn greetings_wait_together() {
    let start = Instant::now();
    let got = greet_all(&["Ada", "Grace", "Hedy"], Duration::from_millis(200)).await;
    assert_eq!(got, ["Hello, Ada!", "Hello, Grace!", "Hello, Hedy!"]);
    assert!(start.elapsed() < Duration::from_millis(500), "took {:?}", start.elapsed());
}

#[tokio::test]
async fn compute_gives_back_the_result() {
    assert_eq!(compute(|| (1..=10u64).product::<u64>()).await, 3_628_800);
}
