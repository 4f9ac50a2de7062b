//! Quick checks you can run with `cargo test -p async-scraper`. The hidden tests check more
//! (see the README). Each test starts its own mock bookstore on a free port.

use std::time::Duration;

use async_scraper::*;
use bookstore::Bookstore;

fn small_store() -> Bookstore {
    Bookstore::builder().seed(5).books(30).per_page(10).start()
}

fn quick() -> Config {
    Config { concurrency: 2, timeout: Duration::from_secs(2), retries: 2, backoff: Duration::from_millis(10) }
}

#[test]
fn parse_page_reads_page_one() {
    let store = small_store();
    let html = store.body(&Bookstore::page_path(1)).unwrap();
    let page = parse_page(&html).expect("page 1 parses");
    assert_eq!(page.page_count, 3);
    assert_eq!(page.books.len(), 10);
    let first = &store.books()[0];
    assert_eq!(page.books[0].title, first.title);
    assert_eq!(page.books[0].price_pence, first.price_pence);
    assert_eq!(page.books[0].rating, first.rating);
}

#[tokio::test]
async fn scrape_finds_every_book() {
    let store = small_store();
    let report = scrape(&store.base_url(), &quick()).await.expect("the scrape succeeds");
    assert_eq!(report.pages, 3);
    assert_eq!(report.books.len(), 30);
    assert!(report.books.windows(2).all(|w| w[0] <= w[1]), "the books come back sorted");
    assert!(report.failed.is_empty());
}

#[tokio::test]
async fn scrape_keeps_at_most_k_requests_in_flight() {
    let store = Bookstore::builder().books(60).per_page(10).latency(Duration::from_millis(50)).start();
    let report = scrape(&store.base_url(), &quick()).await.expect("the scrape succeeds");
    assert_eq!(report.books.len(), 60);
    assert!(store.peak_in_flight() <= 2, "peak {} in flight, K is 2", store.peak_in_flight());
}

#[tokio::test]
async fn a_busy_page_is_asked_again() {
    let store = small_store();
    store.fail_next(&Bookstore::page_path(2), 1);
    let report = scrape(&store.base_url(), &quick()).await.expect("the scrape succeeds");
    assert_eq!(report.books.len(), 30, "page 2 answers 503 once, then its books");
    assert_eq!(store.hits(&Bookstore::page_path(2)), 2);
}
