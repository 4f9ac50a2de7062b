//! Alternate: a sliding window of spawned tasks in a `tokio::task::JoinSet`: start K page
//! tasks, and each time one finishes start the next page, so at most K are ever running (the
//! reference polls K futures on one task with `buffer_unordered`; no semaphore, no shared
//! queue). Each book card is read by cutting the page at `</article>`; retries recurse through
//! a boxed future that carries the next backoff.

pub use minihttp as http;

use std::fmt;
use std::time::Duration;

/// A book as the catalogue lists it.
///
/// Fields are compared in order, so sorting books sorts them by title first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Book {
    pub title: String,
    /// The price in pence: `£51.77` is `5177`.
    pub price_pence: u32,
    /// Stars, 1 to 5.
    pub rating: u8,
}

/// What one catalogue page says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The books it lists, in the order it lists them.
    pub books: Vec<Book>,
    /// How many pages the catalogue has ("Page 2 of 5" says 5).
    pub page_count: usize,
}

/// How the scraper behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// At most this many requests in flight at once (0 is taken as 1).
    pub concurrency: usize,
    /// How long one request may take before the page is given up.
    pub timeout: Duration,
    /// How many times a page that answers 503 is asked again.
    pub retries: u32,
    /// The wait before the first retry; it doubles before each further one.
    pub backoff: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            concurrency: 4,
            timeout: Duration::from_secs(2),
            retries: 3,
            backoff: Duration::from_millis(50),
        }
    }
}

/// Why a page was not scraped.
#[derive(Debug)]
pub enum FetchError {
    /// No response: the connection failed or closed.
    Http(http::Error),
    /// A response with a status other than 200 (after any retries).
    Status(u16),
    /// No response within the timeout.
    Timeout,
    /// A 200 whose HTML is not a catalogue page.
    Parse(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Http(e) => write!(f, "{e}"),
            FetchError::Status(code) => write!(f, "status {code}"),
            FetchError::Timeout => write!(f, "timed out"),
            FetchError::Parse(why) => write!(f, "unreadable page: {why}"),
        }
    }
}

/// The result of fetching one URL, with how many requests it took.
#[derive(Debug)]
pub struct Attempted {
    pub result: Result<String, FetchError>,
    /// Requests sent: 1, plus one per retry.
    pub attempts: u32,
}

/// A page that could not be scraped, and why.
#[derive(Debug)]
pub struct Failure {
    pub page: usize,
    pub error: FetchError,
}

/// What a scrape found.
#[derive(Debug)]
pub struct Report {
    /// Every book from every page scraped, sorted (by title, then price, then rating).
    pub books: Vec<Book>,
    /// How many pages the catalogue says it has.
    pub pages: usize,
    /// The pages given up on, sorted by page number.
    pub failed: Vec<Failure>,
    /// Requests sent in all, retries included.
    pub requests: u32,
}

/// The URL of catalogue page `n` of the store at `base` (`http://127.0.0.1:8000`).
pub fn page_url(base: &str, n: usize) -> String {
    format!("{}/catalogue/page-{n}.html", base.trim_end_matches('/'))
}

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::task::JoinSet;

fn not_a_catalogue(why: String) -> FetchError {
    FetchError::Parse(why)
}

/// The text after `open` and before the following `close`, within `text`.
fn extract<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let (_, rest) = text.split_once(open)?;
    rest.split_once(close).map(|(inside, _)| inside)
}

/// Reads the books and the page count out of a catalogue page.
pub fn parse_page(html: &str) -> Result<Page, FetchError> {
    let pager = extract(html, "<li class=\"current\">", "</li>")
        .ok_or_else(|| not_a_catalogue("no pager: not a catalogue page".into()))?;
    let page_count = match pager.trim().split_whitespace().collect::<Vec<_>>()[..] {
        ["Page", _, "of", count] => count.parse::<usize>().ok(),
        _ => None,
    }
    .ok_or_else(|| not_a_catalogue(format!("a pager that says {pager:?}")))?;

    let mut books = Vec::new();
    for chunk in html.split("</article>") {
        let Some((_, card)) = chunk.split_once("<article class=\"product_pod\">") else { continue };
        let title = extract(card, "title=\"", "\"").ok_or_else(|| not_a_catalogue("untitled book".into()))?;
        let word = extract(card, "class=\"star-rating ", "\"").unwrap_or("");
        let rating = match word {
            "One" => 1,
            "Two" => 2,
            "Three" => 3,
            "Four" => 4,
            "Five" => 5,
            _ => return Err(not_a_catalogue(format!("the rating {word:?}"))),
        };
        let price = extract(card, "class=\"price_color\">", "</p>").unwrap_or("");
        let price_pence = price
            .strip_prefix('£')
            .and_then(|p| p.split_once('.'))
            .filter(|(_, pence)| pence.len() == 2)
            .and_then(|(pounds, pence)| Some(pounds.parse::<u32>().ok()? * 100 + pence.parse::<u32>().ok()?))
            .ok_or_else(|| not_a_catalogue(format!("the price {price:?}")))?;
        books.push(Book { title: title.to_string(), price_pence, rating });
    }
    Ok(Page { books, page_count })
}

/// One request and, on a 503 with retries left, the wait and the rest of the attempts.
fn attempt<'a>(
    url: &'a str,
    cfg: &'a Config,
    retries_left: u32,
    wait: Duration,
    sent: u32,
) -> Pin<Box<dyn Future<Output = Attempted> + Send + 'a>> {
    Box::pin(async move {
        let result = match tokio::time::timeout(cfg.timeout, http::get(url)).await {
            Ok(Ok(response)) if response.status == 200 => Ok(response.body),
            Ok(Ok(response)) => Err(FetchError::Status(response.status)),
            Ok(Err(e)) => Err(FetchError::Http(e)),
            Err(_) => Err(FetchError::Timeout),
        };
        match result {
            Err(FetchError::Status(503)) if retries_left > 0 => {
                tokio::time::sleep(wait).await;
                attempt(url, cfg, retries_left - 1, wait.saturating_mul(2), sent + 1).await
            }
            result => Attempted { result, attempts: sent + 1 },
        }
    })
}

/// GETs `url`, each request bounded by `cfg.timeout`; a 503 is retried up to `cfg.retries`
/// times after `cfg.backoff`, `2 × cfg.backoff`, ...
pub async fn fetch_page(url: &str, cfg: &Config) -> Attempted {
    attempt(url, cfg, cfg.retries, cfg.backoff, 0).await
}

/// Scrapes the whole catalogue of the store at `base`. Fails only if page 1 fails.
pub async fn scrape(base: &str, cfg: &Config) -> Result<Report, FetchError> {
    let first = fetch_page(&page_url(base, 1), cfg).await;
    let mut requests = first.attempts;
    let page1 = parse_page(&first.result?)?;
    let pages = page1.page_count;
    let mut books = page1.books;
    let mut failed = Vec::new();

    let shared = Arc::new((base.to_string(), cfg.clone()));
    let mut waiting = 2..=pages;
    let mut running = JoinSet::new();
    let mut start_next = |running: &mut JoinSet<(usize, Attempted)>| {
        if let Some(n) = waiting.next() {
            let shared = Arc::clone(&shared);
            running.spawn(async move {
                let (base, cfg) = &*shared;
                (n, fetch_page(&page_url(base, n), cfg).await)
            });
        }
    };
    for _ in 0..cfg.concurrency.max(1) {
        start_next(&mut running);
    }
    while let Some(done) = running.join_next().await {
        start_next(&mut running); // one finished: the window has room for the next page
        let (page, fetched) = done.expect("a page task does not panic");
        requests += fetched.attempts;
        match fetched.result.and_then(|html| parse_page(&html)) {
            Ok(p) => books.extend(p.books),
            Err(error) => failed.push(Failure { page, error }),
        }
    }
    books.sort();
    failed.sort_by_key(|f| f.page);
    Ok(Report { books, pages, failed, requests })
}
