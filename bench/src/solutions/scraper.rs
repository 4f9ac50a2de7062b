//! The scraper (12) against the physical limit: with every request taking one latency and at
//! most K in flight, the whole catalogue cannot take less than ceil(pages / K) latencies.

use std::time::Duration;

use bookstore::Bookstore;

use super::scraper_solution::{Config, scrape};
use super::{REPEATS, human, notes, ratio, time, verdict};
use crate::table::{Row, median};

const LATENCY: Duration = Duration::from_millis(50);
const K: usize = 4;
/// Rounds of K pages after page 1. Pages = 1 + K × ROUNDS, so ceil(pages / K) (the issue's
/// formula) and 1 + ceil((pages - 1) / K) (page 1 alone first: it says how many pages there
/// are) are the same number of latencies.
const ROUNDS: usize = 5;
const PER_PAGE: usize = 20;

pub fn rows() -> Vec<Row> {
    let pages = 1 + K * ROUNDS;
    let store =
        Bookstore::builder().seed(7).books(pages * PER_PAGE).per_page(PER_PAGE).latency(LATENCY).start();
    assert_eq!(store.page_count(), pages);
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    let base = store.base_url();
    let run = |k: usize| {
        let cfg = Config { concurrency: k, ..Config::default() };
        let mut samples = Vec::with_capacity(REPEATS);
        let mut trouble = String::new();
        for _ in 0..REPEATS {
            store.reset_counters();
            let mut report = None;
            samples.push(time(|| report = Some(runtime.block_on(scrape(&base, &cfg)))));
            match report.expect("scraped") {
                Ok(r) if r.books.len() == store.books().len() && r.failed.is_empty() => {}
                Ok(r) => {
                    trouble = format!(
                        "{} books of {}, {} pages failed",
                        r.books.len(),
                        store.books().len(),
                        r.failed.len()
                    )
                }
                Err(e) => trouble = format!("page 1 failed: {e}"),
            }
            if store.peak_in_flight() > k {
                trouble = format!("{} requests in flight, K = {k}", store.peak_in_flight());
            }
        }
        (median(&mut samples), trouble)
    };
    let limit = |k: usize| pages.div_ceil(k) as f64 * LATENCY.as_secs_f64();
    let mut rows = Vec::new();
    for k in [K, 1] {
        let (took, trouble) = run(k);
        let r = took / limit(k);
        let what = if k == 1 {
            "scraper (12), K = 1 (one page at a time)".to_string()
        } else {
            format!("scraper (12), K = {k}")
        };
        rows.push(
            Row::new(
                format!(
                    "{what}: {pages} pages at {} each, against ceil(pages / K) × latency",
                    human(LATENCY.as_secs_f64())
                ),
                format!("{} vs {}: {}", human(took), human(limit(k)), ratio(r)),
            )
            .goal("≤ 1.2×")
            .note(if trouble.is_empty() {
                notes(
                    if k > 1 {
                        format!(
                            "pages = 1 + K × {ROUNDS}, so this is also 1 + ceil((pages − 1) / K), the \
                             limit when page 1 (which gives the page count) must come first"
                        )
                    } else {
                        String::new()
                    },
                    verdict(
                        r <= 1.2,
                        "more than a fifth over the limit: connection set-up and parsing add up",
                    ),
                )
            } else {
                format!("**wrong result**: {trouble}")
            }),
        );
    }
    rows
}
