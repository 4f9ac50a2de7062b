//! Alternate: pages 2..=N are spawned as tokio tasks that each hold a permit of a
//! `tokio::sync::Semaphore` with K permits while they fetch, and the handles are awaited in
//! page order (the reference keeps K futures going with `buffer_unordered` on one task); the
//! parser walks the page line by line; retries are a counted `for` loop with the backoff
//! computed from the attempt number.

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

use std::sync::Arc;

use tokio::sync::Semaphore;

fn parse_error(why: impl Into<String>) -> FetchError {
    FetchError::Parse(why.into())
}

/// The value of attribute `name` in `line`, if the line has one.
fn attribute<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let start = line.find(&format!("{name}=\""))? + name.len() + 2;
    let len = line[start..].find('"')?;
    Some(&line[start..start + len])
}

/// Reads the books and the page count out of a catalogue page, one line at a time.
pub fn parse_page(html: &str) -> Result<Page, FetchError> {
    let mut books = Vec::new();
    let mut page_count = None;
    // The book being read: its title and rating arrive before its price.
    let mut title: Option<String> = None;
    let mut rating: Option<u8> = None;
    for line in html.lines().map(str::trim) {
        if line.starts_with("<h3>") {
            title = Some(
                attribute(line, "title").ok_or_else(|| parse_error("a book heading without a title"))?.into(),
            );
        } else if let Some(rest) = line.strip_prefix("<p class=\"star-rating ") {
            let word = rest.split('"').next().unwrap_or("");
            rating = Some(match word {
                "One" => 1,
                "Two" => 2,
                "Three" => 3,
                "Four" => 4,
                "Five" => 5,
                other => return Err(parse_error(format!("rating {other:?}"))),
            });
        } else if let Some(rest) = line.strip_prefix("<p class=\"price_color\">") {
            let text = rest.strip_suffix("</p>").ok_or_else(|| parse_error("an unclosed price"))?;
            let price_pence = pence(text)?;
            let (Some(title), Some(rating)) = (title.take(), rating.take()) else {
                return Err(parse_error("a price without a title and a rating before it"));
            };
            books.push(Book { title, price_pence, rating });
        } else if let Some(rest) = line.strip_prefix("<li class=\"current\">") {
            // "Page 2 of 5</li>"
            let text = rest.trim_end_matches("</li>");
            let count = text.split(" of ").nth(1).and_then(|n| n.trim().parse::<usize>().ok());
            page_count = Some(count.ok_or_else(|| parse_error(format!("pager {text:?}")))?);
        }
    }
    if title.is_some() || rating.is_some() {
        return Err(parse_error("a book without a price"));
    }
    let page_count = page_count.ok_or_else(|| parse_error("no \"Page n of N\": not a catalogue page"))?;
    Ok(Page { books, page_count })
}

/// `£51.77` in pence.
fn pence(text: &str) -> Result<u32, FetchError> {
    let amount = text.trim().strip_prefix('£').ok_or_else(|| parse_error(format!("price {text:?}")))?;
    match amount.split_once('.') {
        Some((pounds, p)) if p.len() == 2 => {
            let pounds: u32 = pounds.parse().map_err(|_| parse_error(format!("price {text:?}")))?;
            let p: u32 = p.parse().map_err(|_| parse_error(format!("price {text:?}")))?;
            Ok(pounds * 100 + p)
        }
        _ => Err(parse_error(format!("price {text:?}"))),
    }
}

/// One request, bounded by the timeout.
async fn get_once(url: &str, limit: Duration) -> Result<String, FetchError> {
    let response = tokio::time::timeout(limit, http::get(url))
        .await
        .map_err(|_| FetchError::Timeout)?
        .map_err(FetchError::Http)?;
    match response.status {
        200 => Ok(response.body),
        status => Err(FetchError::Status(status)),
    }
}

/// GETs `url`, each request bounded by `cfg.timeout`; a 503 is retried up to `cfg.retries`
/// times after `cfg.backoff`, `2 × cfg.backoff`, ...
pub async fn fetch_page(url: &str, cfg: &Config) -> Attempted {
    let mut result = Err(FetchError::Timeout);
    let mut attempts = 0;
    for attempt in 0..=cfg.retries {
        if attempt > 0 {
            let factor = 2u32.saturating_pow(attempt - 1);
            tokio::time::sleep(cfg.backoff.saturating_mul(factor)).await;
        }
        attempts += 1;
        result = get_once(url, cfg.timeout).await;
        if !matches!(result, Err(FetchError::Status(503))) {
            break;
        }
    }
    Attempted { result, attempts }
}

/// Scrapes the whole catalogue of the store at `base`. Fails only if page 1 fails.
pub async fn scrape(base: &str, cfg: &Config) -> Result<Report, FetchError> {
    let first = fetch_page(&page_url(base, 1), cfg).await;
    let mut requests = first.attempts;
    let first_page = parse_page(&first.result?)?;
    let pages = first_page.page_count;
    let mut books = first_page.books;

    let permits = Arc::new(Semaphore::new(cfg.concurrency.max(1)));
    let handles: Vec<_> = (2..=pages)
        .map(|n| {
            let (permits, url, cfg) = (permits.clone(), page_url(base, n), cfg.clone());
            tokio::spawn(async move {
                // Held for the whole fetch, retries included: at most K pages in flight.
                let _permit = permits.acquire_owned().await.expect("the semaphore is never closed");
                fetch_page(&url, &cfg).await
            })
        })
        .collect();

    let mut failed = Vec::new();
    for (page, handle) in (2..=pages).zip(handles) {
        let fetched = handle.await.expect("a page task does not panic");
        requests += fetched.attempts;
        match fetched.result.and_then(|html| parse_page(&html)) {
            Ok(p) => books.extend(p.books),
            Err(error) => failed.push(Failure { page, error }),
        }
    }
    books.sort();
    Ok(Report { books, pages, failed, requests })
}
