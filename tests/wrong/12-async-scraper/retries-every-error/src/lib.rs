//! A student's scraper that retries any failed request, not only a 503.

pub use minihttp as http;

use std::fmt;
use std::time::Duration;

use futures_util::{StreamExt, stream};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Book {
    pub title: String,
    pub price_pence: u32,
    pub rating: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub books: Vec<Book>,
    pub page_count: usize,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub concurrency: usize,
    pub timeout: Duration,
    pub retries: u32,
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

#[derive(Debug)]
pub enum FetchError {
    Http(http::Error),
    Status(u16),
    Timeout,
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

#[derive(Debug)]
pub struct Attempted {
    pub result: Result<String, FetchError>,
    pub attempts: u32,
}

#[derive(Debug)]
pub struct Failure {
    pub page: usize,
    pub error: FetchError,
}

#[derive(Debug)]
pub struct Report {
    pub books: Vec<Book>,
    pub pages: usize,
    pub failed: Vec<Failure>,
    pub requests: u32,
}

pub fn page_url(base: &str, n: usize) -> String {
    format!("{}/catalogue/page-{n}.html", base.trim_end_matches('/'))
}

fn after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    text.find(marker).map(|i| &text[i + marker.len()..])
}

fn upto<'a>(text: &'a str, end: &str) -> Option<&'a str> {
    text.find(end).map(|i| &text[..i])
}

fn parse_book(card: &str) -> Result<Book, FetchError> {
    let title =
        after(card, "title=\"").and_then(|t| upto(t, "\"")).ok_or(FetchError::Parse("title".into()))?;
    let stars =
        after(card, "star-rating ").and_then(|t| upto(t, "\"")).ok_or(FetchError::Parse("rating".into()))?;
    let rating = match stars {
        "One" => 1,
        "Two" => 2,
        "Three" => 3,
        "Four" => 4,
        "Five" => 5,
        other => return Err(FetchError::Parse(format!("rating {other}"))),
    };
    let price =
        after(card, "price_color\">").and_then(|t| upto(t, "<")).ok_or(FetchError::Parse("price".into()))?;
    let digits: String = price.chars().filter(|c| c.is_ascii_digit()).collect();
    let price_pence = digits.parse().map_err(|_| FetchError::Parse(format!("price {price}")))?;
    Ok(Book { title: title.to_string(), price_pence, rating })
}

pub fn parse_page(html: &str) -> Result<Page, FetchError> {
    let pager = after(html, "<li class=\"current\">")
        .and_then(|t| upto(t, "</li>"))
        .ok_or(FetchError::Parse("no pager".into()))?;
    let page_count = pager
        .split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .ok_or(FetchError::Parse(format!("pager {pager}")))?;
    let mut books = Vec::new();
    let mut rest = html;
    while let Some(card) = after(rest, "<article class=\"product_pod\">") {
        let end = card.find("<article class=\"product_pod\">").unwrap_or(card.len());
        books.push(parse_book(&card[..end])?);
        rest = &card[end..];
    }
    Ok(Page { books, page_count })
}

pub async fn fetch_page(url: &str, cfg: &Config) -> Attempted {
    let mut attempts = 0;
    let mut wait = cfg.backoff;
    loop {
        attempts += 1;
        let result = match tokio::time::timeout(cfg.timeout, http::get(url)).await {
            Err(_) => Err(FetchError::Timeout),
            Ok(Err(e)) => Err(FetchError::Http(e)),
            Ok(Ok(r)) if r.status == 200 => Ok(r.body),
            Ok(Ok(r)) => Err(FetchError::Status(r.status)),
        };
        if result.is_err() && attempts <= cfg.retries {
            tokio::time::sleep(wait).await;
            wait *= 2;
            continue;
        }
        return Attempted { result, attempts };
    }
}

async fn get_page(base: &str, n: usize, cfg: &Config) -> (usize, u32, Result<Page, FetchError>) {
    let got = fetch_page(&page_url(base, n), cfg).await;
    (n, got.attempts, got.result.and_then(|html| parse_page(&html)))
}

pub async fn scrape(base: &str, cfg: &Config) -> Result<Report, FetchError> {
    let (_, mut requests, first) = get_page(base, 1, cfg).await;
    let first = first?;
    let pages = first.page_count;
    let mut books = first.books;
    let mut failed = Vec::new();
    let k = cfg.concurrency.max(1);
    let mut results = stream::iter(2..=pages).map(|n| get_page(base, n, cfg)).buffer_unordered(k);
    while let Some((n, attempts, result)) = results.next().await {
        requests += attempts;
        match result {
            Ok(page) => books.extend(page.books),
            Err(error) => failed.push(Failure { page: n, error }),
        }
    }
    books.sort();
    failed.sort_by_key(|f| f.page);
    Ok(Report { books, pages, failed, requests })
}
