//! Kata 12: an async scraper. Read page 1 of the bookstore's catalogue to learn how many pages
//! there are, fetch the rest with at most K requests in flight, retry a busy page (503) with
//! backoff, give up on a page that hangs past a timeout, and report what was found.

/// The tiny HTTP client you are given (the trusted `minihttp` crate).
pub use minihttp as http;

use std::fmt;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream;

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

/// Reads the books and the page count out of a catalogue page. Each book is listed as
///
/// ```html
/// <article class="product_pod">
/// <h3><a href="book-7.html" title="The Silent River">The Silent River</a></h3>
/// <p class="star-rating Three"></p>
/// <div class="product_price">
/// <p class="price_color">£51.77</p>
/// ...
/// ```
///
/// and the pager says `<li class="current">Page 2 of 5</li>`. A page without that line is not
/// a catalogue page: return [`FetchError::Parse`].
pub fn parse_page(html: &str) -> Result<Page, FetchError> {
    let mut books = Vec::new();
    // Everything after each `<article class="product_pod">` up to the next one is one book.
    for card in html.split("<article class=\"product_pod\">").skip(1) {
        let title = between(card, "title=\"", "\"").ok_or_else(|| bad("a book without a title"))?;
        let stars = between(card, "star-rating ", "\"").ok_or_else(|| bad("a book without a rating"))?;
        let rating = ["One", "Two", "Three", "Four", "Five"]
            .iter()
            .position(|w| *w == stars)
            .ok_or_else(|| bad("an unknown rating"))? as u8
            + 1;
        let price = between(card, "<p class=\"price_color\">", "</p>").ok_or_else(|| bad("no price"))?;
        books.push(Book { title: title.to_string(), price_pence: pence(price)?, rating });
    }
    let pager = between(html, "<li class=\"current\">", "</li>").ok_or_else(|| bad("no page count"))?;
    let page_count = pager
        .rsplit(' ')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| bad("unreadable page count"))?;
    Ok(Page { books, page_count })
}

fn bad(why: &str) -> FetchError {
    FetchError::Parse(why.to_string())
}

/// The text between the first `start` in `s` and the `end` that follows it.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// `£51.77` as 5177.
fn pence(price: &str) -> Result<u32, FetchError> {
    let digits = price.trim().trim_start_matches('£');
    let (pounds, pennies) = digits.split_once('.').ok_or_else(|| bad("a price without pence"))?;
    let value = |s: &str| s.parse::<u32>().map_err(|_| bad("unreadable price"));
    Ok(value(pounds)? * 100 + value(pennies)?)
}

/// GETs `url`, each request bounded by `cfg.timeout`. A 503 is asked again up to
/// `cfg.retries` times, waiting `cfg.backoff`, then twice that, and so on; any other outcome
/// is final.
pub async fn fetch_page(url: &str, cfg: &Config) -> Attempted {
    let mut attempts = 0;
    let mut wait = cfg.backoff;
    loop {
        attempts += 1;
        let result = match tokio::time::timeout(cfg.timeout, http::get(url)).await {
            Err(_elapsed) => Err(FetchError::Timeout),
            Ok(Err(e)) => Err(FetchError::Http(e)),
            Ok(Ok(r)) if r.status == 200 => Ok(r.body),
            Ok(Ok(r)) => Err(FetchError::Status(r.status)),
        };
        let busy = matches!(result, Err(FetchError::Status(503)));
        if !busy || attempts > cfg.retries {
            return Attempted { result, attempts };
        }
        // tokio's sleep, not std's: the other fetches go on while this one waits.
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
}

/// Scrapes the whole catalogue of the store at `base`. Fails only if page 1 fails (without it
/// the page count is unknown); any other page that fails is listed in the report.
pub async fn scrape(base: &str, cfg: &Config) -> Result<Report, FetchError> {
    let first = fetch_page(&page_url(base, 1), cfg).await;
    let mut requests = first.attempts;
    let page1 = parse_page(&first.result?)?;
    let pages = page1.page_count;
    let mut books = page1.books;
    let mut failed = Vec::new();

    // Pages 2..=pages, each fetched once, at most `concurrency` at a time: buffer_unordered
    // keeps that many fetches going and starts the next as soon as one finishes.
    let mut results = stream::iter(2..=pages)
        .map(|n| async move { (n, fetch_page(&page_url(base, n), cfg).await) })
        .buffer_unordered(cfg.concurrency.max(1));
    while let Some((page, fetched)) = results.next().await {
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
