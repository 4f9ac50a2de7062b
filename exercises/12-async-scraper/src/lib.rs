//! Kata 12: an async scraper. Read page 1 of the bookstore's catalogue to learn how many pages
//! there are, fetch the rest with at most K requests in flight, retry a busy page (503) with
//! backoff, give up on a page that hangs past a timeout, and report what was found.

/// The tiny HTTP client you are given (the trusted `minihttp` crate).
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
    todo!(
        "split the HTML at each <article class=\"product_pod\">, pick out title, rating and price; find \"Page n of N\""
    )
}

/// GETs `url`, each request bounded by `cfg.timeout`. A 503 is asked again up to
/// `cfg.retries` times, waiting `cfg.backoff`, then twice that, and so on; any other outcome
/// is final.
pub async fn fetch_page(url: &str, cfg: &Config) -> Attempted {
    todo!("loop: tokio::time::timeout(cfg.timeout, http::get(url)); on a 503 sleep and try again")
}

/// Scrapes the whole catalogue of the store at `base`. Fails only if page 1 fails (without it
/// the page count is unknown); any other page that fails is listed in the report.
pub async fn scrape(base: &str, cfg: &Config) -> Result<Report, FetchError> {
    todo!("fetch and parse page 1, then pages 2..=count with at most cfg.concurrency in flight")
}
