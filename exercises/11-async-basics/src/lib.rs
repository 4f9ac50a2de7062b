//! Kata 11: async basics with tokio. Fetch many pages at once (Python's `asyncio.gather`),
//! bound each request with a timeout, spawn tasks and collect what they return (or how they
//! died), race two mirrors with `select!`, sleep without blocking, and move CPU work off the
//! runtime with `spawn_blocking`.

/// The tiny HTTP client you are given (the trusted `minihttp` crate).
pub use minihttp as http;

use std::fmt;
use std::future::Future;
use std::time::Duration;

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
    todo!("http::get(url).await, then look at response.status")
}

/// Fetches every URL at the same time; result `i` belongs to `urls[i]`.
pub async fn fetch_all(urls: &[String]) -> Vec<Result<String, FetchError>> {
    todo!("make one fetch future per URL, then await them together with futures_util::future::join_all")
}

/// Like [`fetch_all`], but each request gets at most `each`; a slow one becomes
/// `Err(FetchError::Timeout)` without holding up the others' results.
pub async fn fetch_all_with_timeout(urls: &[String], each: Duration) -> Vec<Result<String, FetchError>> {
    todo!("like fetch_all, with tokio::time::timeout(each, ...) around each fetch")
}

/// Runs each job as its own tokio task and returns their outputs in the order of `jobs`; a
/// job that panics comes back as `Err` and the others are unaffected.
pub async fn spawn_all<T, F>(jobs: Vec<F>) -> Vec<Result<T, TaskFailed>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    todo!("tokio::spawn every job, then await the JoinHandles in order; a JoinError holds the panic")
}

/// Asks `primary` and `mirror` at the same time and returns the first good body (status
/// 200). A failure of one leaves the other in the race; `BothFailed` if both fail, `Timeout`
/// if neither succeeds within `limit`. The loser is cancelled.
pub async fn first_answer(primary: &str, mirror: &str, limit: Duration) -> Result<String, FetchError> {
    todo!("tokio::select! over fetch(primary) and fetch(mirror), bounded by tokio::time::timeout")
}

/// Waits `delay` (without blocking the thread), then returns `"Hello, {name}!"`.
pub async fn greet(name: &str, delay: Duration) -> String {
    todo!("await tokio::time::sleep(delay), then format the greeting")
}

/// Greets every name at the same time: all the waits overlap.
pub async fn greet_all(names: &[&str], delay: Duration) -> Vec<String> {
    todo!("join_all the greets")
}

/// Runs `work`, a long computation, on tokio's blocking pool and returns its result. The
/// runtime's own threads stay free for other tasks meanwhile. If `work` panics, so does this.
pub async fn compute<T, F>(work: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    todo!("tokio::task::spawn_blocking(work), then await its JoinHandle")
}
