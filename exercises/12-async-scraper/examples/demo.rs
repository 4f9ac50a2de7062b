//! Run it and see what happens: `cargo run -p async-scraper --example demo`
//!
//! The tutorial's async scraper reads a whole catalogue. Here: the mock bookstore with 20
//! pages that each take 0.2 s, scraped with 1, 4 and 16 requests in flight, then once more
//! with a flaky page and a page that never answers.

use std::time::{Duration, Instant};

use async_scraper::*;
use bookstore::Bookstore;

#[tokio::main]
async fn main() {
    let store =
        Bookstore::builder().seed(2026).books(200).per_page(10).latency(Duration::from_millis(200)).start();
    println!(
        "{} books on {} pages, 0.2 s a request, at {}\n",
        store.books().len(),
        store.page_count(),
        store.base_url()
    );
    for k in [1, 4, 16] {
        store.reset_counters();
        let cfg = Config { concurrency: k, ..Config::default() };
        let start = Instant::now();
        let report = scrape(&store.base_url(), &cfg).await.expect("page 1 answers");
        println!(
            "  at most {k:>2} in flight: {:>3} books in {:>5.2} s, {} requests, server saw at most {} at once",
            report.books.len(),
            start.elapsed().as_secs_f64(),
            report.requests,
            store.peak_in_flight()
        );
    }

    store.fail_next(&Bookstore::page_path(5), 2);
    store.hang(&Bookstore::page_path(9));
    let cfg = Config { concurrency: 4, timeout: Duration::from_secs(1), ..Config::default() };
    let start = Instant::now();
    let report = scrape(&store.base_url(), &cfg).await.expect("page 1 answers");
    println!("\nPage 5 answers 503 twice, page 9 never answers (timeout 1 s):");
    println!(
        "  {} books in {:.2} s, {} requests",
        report.books.len(),
        start.elapsed().as_secs_f64(),
        report.requests
    );
    for failure in &report.failed {
        println!("  page {} failed: {}", failure.page, failure.error);
    }
    let mut best: Vec<&Book> = report.books.iter().collect();
    best.sort_by_key(|b| (std::cmp::Reverse(b.rating), b.price_pence));
    println!("\nFive-star books, cheapest first:");
    for b in best.iter().take(5) {
        println!("  £{}.{:02}  {}", b.price_pence / 100, b.price_pence % 100, b.title);
    }
}
