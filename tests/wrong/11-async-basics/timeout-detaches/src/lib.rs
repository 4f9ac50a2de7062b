//! A student's tokio basics whose per-request timeout waits on a spawned task's JoinHandle: the task outlives the timeout.

pub use minihttp as http;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use futures_util::future::{self, Either};

#[derive(Debug)]
pub enum FetchError {
    Http(http::Error),
    Status(u16),
    Timeout,
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFailed {
    pub message: String,
}

pub async fn fetch(url: &str) -> Result<String, FetchError> {
    match http::get(url).await {
        Ok(resp) if resp.status == 200 => Ok(resp.body),
        Ok(resp) => Err(FetchError::Status(resp.status)),
        Err(e) => Err(FetchError::Http(e)),
    }
}

pub async fn fetch_all(urls: &[String]) -> Vec<Result<String, FetchError>> {
    future::join_all(urls.iter().map(|u| fetch(u))).await
}

pub async fn fetch_all_with_timeout(urls: &[String], each: Duration) -> Vec<Result<String, FetchError>> {
    let timed = urls.iter().map(|u| {
        let url = u.clone();
        let task = tokio::spawn(async move { fetch(&url).await });
        async move {
            match tokio::time::timeout(each, task).await {
                Ok(Ok(r)) => r,
                Ok(Err(_)) => Err(FetchError::BothFailed),
                Err(_) => Err(FetchError::Timeout),
            }
        }
    });
    future::join_all(timed).await
}

fn message_of(err: tokio::task::JoinError) -> String {
    if err.is_cancelled() {
        return "cancelled".to_string();
    }
    let payload = err.into_panic();
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panicked".to_string()
    }
}

pub async fn spawn_all<T, F>(jobs: Vec<F>) -> Vec<Result<T, TaskFailed>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut handles = Vec::new();
    for job in jobs {
        handles.push(tokio::spawn(job));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.map_err(|e| TaskFailed { message: message_of(e) }));
    }
    out
}

pub async fn first_answer(primary: &str, mirror: &str, limit: Duration) -> Result<String, FetchError> {
    let race = async {
        let a = Box::pin(fetch(primary));
        let b = Box::pin(fetch(mirror));
        match future::select(a, b).await {
            Either::Left((Ok(body), _)) | Either::Right((Ok(body), _)) => Ok(body),
            Either::Left((Err(_), other)) => other.await.map_err(|_| FetchError::BothFailed),
            Either::Right((Err(_), other)) => other.await.map_err(|_| FetchError::BothFailed),
        }
    };
    match tokio::time::timeout(limit, race).await {
        Ok(r) => r,
        Err(_) => Err(FetchError::Timeout),
    }
}

pub async fn greet(name: &str, delay: Duration) -> String {
    tokio::time::sleep(delay).await;
    format!("Hello, {name}!")
}

pub async fn greet_all(names: &[&str], delay: Duration) -> Vec<String> {
    future::join_all(names.iter().map(|n| greet(n, delay))).await
}

pub async fn compute<T, F>(work: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
