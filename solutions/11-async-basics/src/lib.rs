//! Kata 11: async basics with tokio. Fetch many pages at once (Python's `asyncio.gather`),
//! bound each request with a timeout, spawn tasks and collect what they return (or how they
//! died), race two mirrors with `select!`, sleep without blocking, and move CPU work off the
//! runtime with `spawn_blocking`.

/// The tiny HTTP client you are given (the trusted `minihttp` crate).
pub use minihttp as http;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use futures_util::future::join_all;

/// Why a fetch gave no body.
#[derive(Debug)]
pub enum FetchError {
    /// No response: the connection failed or closed.
    Http(http::Error),
    /// A response with a status other than 200.
    Status(u16),
    /// No response within the time allowed.
    Timeout,
    /// [`first_answer`]: both URLs failed before the time was up.
    BothFailed,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Http(e) => write!(f, "{e}"),
            FetchError::Status(code) => write!(f, "status {code}"),
            FetchError::Timeout => write!(f, "timed out"),
            FetchError::BothFailed => write!(f, "both failed"),
        }
    }
}

/// A spawned task that panicked (or was cancelled), with its panic message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFailed {
    pub message: String,
}

/// GETs `url`: its body if the status is 200, otherwise why not.
pub async fn fetch(url: &str) -> Result<String, FetchError> {
    let response = http::get(url).await.map_err(FetchError::Http)?;
    match response.status {
        200 => Ok(response.body),
        code => Err(FetchError::Status(code)),
    }
}

/// Fetches every URL at the same time; result `i` belongs to `urls[i]`.
pub async fn fetch_all(urls: &[String]) -> Vec<Result<String, FetchError>> {
    // Creating the futures starts nothing; join_all polls them all, so all the requests are
    // on the wire at once, and it returns the outputs in the order of its input.
    join_all(urls.iter().map(|url| fetch(url))).await
}

/// Like [`fetch_all`], but each request gets at most `each`; a slow one becomes
/// `Err(FetchError::Timeout)` without holding up the others' results.
pub async fn fetch_all_with_timeout(urls: &[String], each: Duration) -> Vec<Result<String, FetchError>> {
    let bounded = urls.iter().map(|url| async move {
        // The timeout wraps one request: when it fires, the request's future is dropped,
        // which closes its connection.
        tokio::time::timeout(each, fetch(url)).await.unwrap_or(Err(FetchError::Timeout))
    });
    join_all(bounded).await
}

/// Runs each job as its own tokio task and returns their outputs in the order of `jobs`; a
/// job that panics comes back as `Err` and the others are unaffected.
pub async fn spawn_all<T, F>(jobs: Vec<F>) -> Vec<Result<T, TaskFailed>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    // Spawn them all first: each starts running now, on any worker thread.
    let handles: Vec<_> = jobs.into_iter().map(tokio::spawn).collect();
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(handle.await.map_err(|e| TaskFailed { message: panic_message(e) }));
    }
    results
}

fn panic_message(e: tokio::task::JoinError) -> String {
    if !e.is_panic() {
        return "cancelled".to_string();
    }
    let payload = e.into_panic();
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Asks `primary` and `mirror` at the same time and returns the first good body (status
/// 200). A failure of one leaves the other in the race; `BothFailed` if both fail, `Timeout`
/// if neither succeeds within `limit`. The loser is cancelled.
pub async fn first_answer(primary: &str, mirror: &str, limit: Duration) -> Result<String, FetchError> {
    let race = async {
        tokio::select! {
            // A branch whose pattern does not match (here: an Err) is disabled, and select!
            // waits on the others; the first Ok wins and the other fetch is dropped.
            Ok(body) = fetch(primary) => Ok(body),
            Ok(body) = fetch(mirror) => Ok(body),
            // Every branch is disabled: both failed.
            else => Err(FetchError::BothFailed),
        }
    };
    tokio::time::timeout(limit, race).await.unwrap_or(Err(FetchError::Timeout))
}

/// Waits `delay` (without blocking the thread), then returns `"Hello, {name}!"`.
pub async fn greet(name: &str, delay: Duration) -> String {
    tokio::time::sleep(delay).await;
    format!("Hello, {name}!")
}

/// Greets every name at the same time: all the waits overlap.
pub async fn greet_all(names: &[&str], delay: Duration) -> Vec<String> {
    join_all(names.iter().map(|name| greet(name, delay))).await
}

/// Runs `work`, a long computation, on tokio's blocking pool and returns its result. The
/// runtime's own threads stay free for other tasks meanwhile. If `work` panics, so does this.
pub async fn compute<T, F>(work: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
