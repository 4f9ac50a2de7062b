//! Alternate: every concurrent operation runs as spawned tasks in a `tokio::task::JoinSet`
//! (results put back in order by index, panics matched to their job by task id), and
//! `first_answer` is a loop over `join_next` bounded by `timeout_at`, instead of the
//! reference's `join_all`, handles awaited in order, and `select!`. Dropping the set aborts
//! whatever still runs, which is how losers and timed-out requests are cancelled.

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

use std::collections::HashMap;

use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;

/// GETs `url`: its body if the status is 200, otherwise why not.
pub async fn fetch(url: &str) -> Result<String, FetchError> {
    match http::get(url).await {
        Err(e) => Err(FetchError::Http(e)),
        Ok(response) if response.status == 200 => Ok(response.body),
        Ok(response) => Err(FetchError::Status(response.status)),
    }
}

/// Runs one task per URL (`each` bounds each one, if given) and puts the results in order.
async fn fetch_tasks(urls: &[String], each: Option<Duration>) -> Vec<Result<String, FetchError>> {
    let mut set = JoinSet::new();
    for (i, url) in urls.iter().cloned().enumerate() {
        set.spawn(async move {
            let result = match each {
                None => fetch(&url).await,
                Some(limit) => match tokio::time::timeout(limit, fetch(&url)).await {
                    Ok(result) => result,
                    Err(_elapsed) => Err(FetchError::Timeout),
                },
            };
            (i, result)
        });
    }
    let mut slots: Vec<Option<Result<String, FetchError>>> = urls.iter().map(|_| None).collect();
    while let Some(done) = set.join_next().await {
        let (i, result) = done.expect("a fetch task does not panic");
        slots[i] = Some(result);
    }
    slots.into_iter().map(|s| s.expect("every task reported")).collect()
}

/// Fetches every URL at the same time; result `i` belongs to `urls[i]`.
pub async fn fetch_all(urls: &[String]) -> Vec<Result<String, FetchError>> {
    fetch_tasks(urls, None).await
}

/// Like [`fetch_all`], but each request gets at most `each`.
pub async fn fetch_all_with_timeout(urls: &[String], each: Duration) -> Vec<Result<String, FetchError>> {
    fetch_tasks(urls, Some(each)).await
}

fn failure(e: JoinError) -> TaskFailed {
    let message = match e.try_into_panic() {
        Err(_) => "the task was cancelled".to_string(),
        Ok(payload) => match payload.downcast::<String>() {
            Ok(s) => *s,
            Err(payload) => match payload.downcast::<&'static str>() {
                Ok(s) => s.to_string(),
                Err(_) => "panicked with a non-text payload".to_string(),
            },
        },
    };
    TaskFailed { message }
}

/// Runs each job as its own tokio task and returns their outputs in the order of `jobs`.
pub async fn spawn_all<T, F>(jobs: Vec<F>) -> Vec<Result<T, TaskFailed>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut set = JoinSet::new();
    let mut index_of = HashMap::new();
    for (i, job) in jobs.into_iter().enumerate() {
        let handle = set.spawn(job);
        index_of.insert(handle.id(), i);
    }
    let mut slots: Vec<Option<Result<T, TaskFailed>>> = (0..index_of.len()).map(|_| None).collect();
    while let Some(done) = set.join_next_with_id().await {
        let (id, result) = match done {
            Ok((id, value)) => (id, Ok(value)),
            Err(e) => (e.id(), Err(failure(e))),
        };
        slots[index_of[&id]] = Some(result);
    }
    slots.into_iter().map(|s| s.expect("every task reported")).collect()
}

/// Asks `primary` and `mirror` at the same time and returns the first good body.
pub async fn first_answer(primary: &str, mirror: &str, limit: Duration) -> Result<String, FetchError> {
    let deadline = Instant::now() + limit;
    let mut race = JoinSet::new();
    for url in [primary.to_string(), mirror.to_string()] {
        race.spawn(async move { fetch(&url).await });
    }
    loop {
        match tokio::time::timeout_at(deadline, race.join_next()).await {
            Err(_elapsed) => return Err(FetchError::Timeout),
            Ok(None) => return Err(FetchError::BothFailed),
            Ok(Some(Ok(Ok(body)))) => return Ok(body), // dropping `race` aborts the loser
            Ok(Some(_failed)) => continue,
        }
    }
}

/// Waits `delay` (without blocking the thread), then returns `"Hello, {name}!"`.
pub async fn greet(name: &str, delay: Duration) -> String {
    tokio::time::sleep_until(Instant::now() + delay).await;
    format!("Hello, {name}!")
}

/// Greets every name at the same time: all the waits overlap.
pub async fn greet_all(names: &[&str], delay: Duration) -> Vec<String> {
    let handles: Vec<_> = names
        .iter()
        .map(|name| {
            let name = name.to_string();
            tokio::spawn(async move { greet(&name, delay).await })
        })
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.expect("a greeting does not panic"));
    }
    out
}

/// Runs `work` on tokio's blocking pool and returns its result; re-raises its panic.
pub async fn compute<T, F>(work: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}
