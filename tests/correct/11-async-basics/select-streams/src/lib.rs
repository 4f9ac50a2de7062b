//! Alternate: timeouts are a `select!` against `tokio::time::sleep` (no `timeout`); ordered
//! gathering is a `FuturesOrdered` stream (also over the spawned tasks' handles);
//! `first_answer` is a `select!` loop over two pinned fetches with `if` guards and one shared
//! deadline; `compute` runs the work on a plain OS thread and gets the result (or the panic)
//! back through a `tokio::sync::oneshot`, instead of `spawn_blocking`.

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

use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;

/// GETs `url`: its body if the status is 200, otherwise why not.
pub async fn fetch(url: &str) -> Result<String, FetchError> {
    let response = http::get(url).await.map_err(FetchError::Http)?;
    if response.status != 200 {
        return Err(FetchError::Status(response.status));
    }
    Ok(response.body)
}

/// Fetches every URL at the same time; result `i` belongs to `urls[i]`.
pub async fn fetch_all(urls: &[String]) -> Vec<Result<String, FetchError>> {
    urls.iter().map(|u| fetch(u)).collect::<FuturesOrdered<_>>().collect().await
}

/// `fetch(url)`, or `Timeout` if `each` passes first (the fetch is then dropped).
async fn fetch_within(url: &str, each: Duration) -> Result<String, FetchError> {
    tokio::select! {
        result = fetch(url) => result,
        () = tokio::time::sleep(each) => Err(FetchError::Timeout),
    }
}

/// Like [`fetch_all`], but each request gets at most `each`.
pub async fn fetch_all_with_timeout(urls: &[String], each: Duration) -> Vec<Result<String, FetchError>> {
    urls.iter().map(|u| fetch_within(u, each)).collect::<FuturesOrdered<_>>().collect().await
}

/// Runs each job as its own tokio task and returns their outputs in the order of `jobs`.
pub async fn spawn_all<T, F>(jobs: Vec<F>) -> Vec<Result<T, TaskFailed>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: FuturesOrdered<_> = jobs.into_iter().map(tokio::spawn).collect();
    let joined: Vec<_> = handles.collect().await;
    joined
        .into_iter()
        .map(|r| {
            r.map_err(|e| {
                let message = if e.is_panic() { panic_text(e.into_panic()) } else { "cancelled".into() };
                TaskFailed { message }
            })
        })
        .collect()
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// Asks `primary` and `mirror` at the same time and returns the first good body.
pub async fn first_answer(primary: &str, mirror: &str, limit: Duration) -> Result<String, FetchError> {
    let a = fetch(primary);
    let b = fetch(mirror);
    let deadline = tokio::time::sleep(limit);
    tokio::pin!(a, b, deadline);
    let (mut a_running, mut b_running) = (true, true);
    while a_running || b_running {
        tokio::select! {
            result = &mut a, if a_running => match result {
                Ok(body) => return Ok(body),
                Err(_) => a_running = false,
            },
            result = &mut b, if b_running => match result {
                Ok(body) => return Ok(body),
                Err(_) => b_running = false,
            },
            () = &mut deadline => return Err(FetchError::Timeout),
        }
    }
    Err(FetchError::BothFailed)
}

/// Waits `delay` (without blocking the thread), then returns `"Hello, {name}!"`.
pub async fn greet(name: &str, delay: Duration) -> String {
    tokio::time::sleep(delay).await;
    format!("Hello, {name}!")
}

/// Greets every name at the same time: all the waits overlap.
pub async fn greet_all(names: &[&str], delay: Duration) -> Vec<String> {
    names.iter().map(|n| greet(n, delay)).collect::<FuturesOrdered<_>>().collect().await
}

/// Runs `work` on a thread of its own and awaits its result; re-raises its panic.
pub async fn compute<T, F>(work: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        let _ = tx.send(outcome);
    });
    match rx.await.expect("the worker thread always sends") {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
