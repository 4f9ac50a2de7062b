//! Alternate: K worker futures, joined on the caller's task, each take the next page number
//! from a shared counter until none is left (the reference streams page futures through
//! `buffer_unordered`); the parser collects titles, ratings and prices with `match_indices`
//! and zips them; a request's timeout is a `select!` against a sleep; the backoff doubles in a
//! `loop`.

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

use std::cell::Cell;

use futures_util::future::join_all;

fn unreadable(why: &str) -> FetchError {
    FetchError::Parse(why.to_string())
}

/// Every piece of `html` that follows `marker`, up to the next `end`.
fn all_after<'a>(html: &'a str, marker: &str, end: char) -> Vec<&'a str> {
    html.match_indices(marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            &rest[..rest.find(end).unwrap_or(rest.len())]
        })
        .collect()
}

fn stars(word: &str) -> Option<u8> {
    let words = ["One", "Two", "Three", "Four", "Five"];
    words.iter().zip(1u8..).find(|(w, _)| **w == word).map(|(_, n)| n)
}

fn price(text: &str) -> Option<u32> {
    let digits: String = text.chars().filter(|c| c.is_ascii_digit() || *c == '.').collect();
    let (pounds, pence) = digits.split_once('.')?;
    if pence.len() != 2 {
        return None;
    }
    Some(pounds.parse::<u32>().ok()? * 100 + pence.parse::<u32>().ok()?)
}

/// Reads the books and the page count out of a catalogue page.
pub fn parse_page(html: &str) -> Result<Page, FetchError> {
    let pager = all_after(html, "<li class=\"current\">", '<');
    let page_count = pager
        .first()
        .and_then(|text| text.strip_prefix("Page "))
        .and_then(|text| text.split_once(" of "))
        .and_then(|(_, count)| count.trim().parse::<usize>().ok())
        .ok_or_else(|| unreadable("no \"Page n of N\" pager: not a catalogue page"))?;
    let cards = html.matches("<article class=\"product_pod\">").count();
    let titles = all_after(html, "<h3><a ", '>')
        .into_iter()
        .map(|anchor| all_after(anchor, "title=\"", '"').first().map(|t| t.to_string()))
        .collect::<Option<Vec<String>>>()
        .ok_or_else(|| unreadable("a book link without a title"))?;
    let ratings = all_after(html, "star-rating ", '"')
        .into_iter()
        .map(stars)
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| unreadable("an unknown star rating"))?;
    let prices = all_after(html, "<p class=\"price_color\">", '<')
        .into_iter()
        .map(price)
        .collect::<Option<Vec<u32>>>()
        .ok_or_else(|| unreadable("an unreadable price"))?;
    if titles.len() != cards || ratings.len() != cards || prices.len() != cards {
        return Err(unreadable("a book without a title, a rating or a price"));
    }
    let books = titles
        .into_iter()
        .zip(ratings)
        .zip(prices)
        .map(|((title, rating), price_pence)| Book { title, price_pence, rating })
        .collect();
    Ok(Page { books, page_count })
}

/// GETs `url`, each request bounded by `cfg.timeout`; a 503 is retried up to `cfg.retries`
/// times after `cfg.backoff`, `2 × cfg.backoff`, ...
pub async fn fetch_page(url: &str, cfg: &Config) -> Attempted {
    let mut attempts = 0;
    let mut pause = cfg.backoff;
    loop {
        attempts += 1;
        let result = tokio::select! {
            got = http::get(url) => match got {
                Ok(r) if r.status == 200 => Ok(r.body),
                Ok(r) => Err(FetchError::Status(r.status)),
                Err(e) => Err(FetchError::Http(e)),
            },
            () = tokio::time::sleep(cfg.timeout) => Err(FetchError::Timeout),
        };
        match result {
            Err(FetchError::Status(503)) if attempts <= cfg.retries => {
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2);
            }
            result => return Attempted { result, attempts },
        }
    }
}

/// Scrapes the whole catalogue of the store at `base`. Fails only if page 1 fails.
pub async fn scrape(base: &str, cfg: &Config) -> Result<Report, FetchError> {
    let first = fetch_page(&page_url(base, 1), cfg).await;
    let page1 = match first.result {
        Ok(html) => parse_page(&html)?,
        Err(e) => return Err(e),
    };
    let pages = page1.page_count;

    // The next page to fetch: every worker takes one, fetches it, and comes back for more.
    // All workers run on this one task, so a Cell is enough.
    let next_page = Cell::new(2usize);
    let take = || {
        let n = next_page.get();
        next_page.set(n + 1);
        (n <= pages).then_some(n)
    };
    let workers = (0..cfg.concurrency.max(1)).map(|_| async {
        let mut done = Vec::new();
        while let Some(n) = take() {
            done.push((n, fetch_page(&page_url(base, n), cfg).await));
        }
        done
    });
    let mut fetched: Vec<(usize, Attempted)> = join_all(workers).await.into_iter().flatten().collect();
    fetched.sort_by_key(|(n, _)| *n);

    let mut report = Report { books: page1.books, pages, failed: Vec::new(), requests: first.attempts };
    for (page, attempt) in fetched {
        report.requests += attempt.attempts;
        match attempt.result.and_then(|html| parse_page(&html)) {
            Ok(p) => report.books.extend(p.books),
            Err(error) => report.failed.push(Failure { page, error }),
        }
    }
    report.books.sort();
    Ok(report)
}
