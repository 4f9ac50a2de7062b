//! A student's threads kata. The flaw: only a &str panic payload is read; a panic!("{x}") (a String payload) loses its message.

use std::thread;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

pub fn both<A, B, FA, FB>(a: FA, b: FB) -> (A, B)
where
    FA: FnOnce() -> A + Send + 'static,
    FB: FnOnce() -> B + Send + 'static,
    A: Send + 'static,
    B: Send + 'static,
{
    let ha = thread::spawn(a);
    let hb = thread::spawn(b);
    (ha.join().unwrap(), hb.join().unwrap())
}

pub fn run_all<T, F>(jobs: Vec<F>) -> Vec<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let mut handles = Vec::with_capacity(jobs.len());
    for job in jobs {
        handles.push(thread::spawn(job));
    }
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

pub fn map_scoped<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let f = &f;
    thread::scope(|s| {
        let handles: Vec<_> = items.iter().map(|item| s.spawn(move || f(item))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

pub fn sum_of_squares(data: &[u64], threads: usize) -> u64 {
    let threads = threads.max(1);
    if data.is_empty() {
        return 0;
    }
    let size = data.len().div_ceil(threads);
    thread::scope(|s| {
        let parts: Vec<_> = data
            .chunks(size)
            .map(|chunk| {
                s.spawn(move || chunk.iter().fold(0u64, |acc, x| acc.wrapping_add(x.wrapping_mul(*x))))
            })
            .collect();
        parts.into_iter().fold(0u64, |acc, h| acc.wrapping_add(h.join().unwrap()))
    })
}

fn text(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<&str>() {
        Ok(s) => s.to_string(),
        Err(_) => "a job panicked".to_string(),
    }
}

pub fn run_all_catching<T, F>(jobs: Vec<F>) -> Vec<Result<T, JobPanicked>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = jobs.into_iter().map(thread::spawn).collect();
    handles.into_iter().map(|h| h.join().map_err(|p| JobPanicked { message: text(p) })).collect()
}
