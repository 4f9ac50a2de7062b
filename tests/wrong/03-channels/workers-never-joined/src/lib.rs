//! A student's channels kata. The flaw: the workers are never joined ("the results channel closes only when every worker is gone, so they are done"), so a worker that panics is lost, and its result with it.

use std::io::Write;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

pub fn spawn_counter(printer: Sender<String>) -> (Sender<u64>, JoinHandle<u64>) {
    let (tx, rx) = mpsc::channel();
    let manager = thread::spawn(move || {
        let mut total: u64 = 0;
        for n in rx.iter() {
            total += n;
            printer.send(format!("the count is {total}")).ok();
        }
        total
    });
    (tx, manager)
}

pub fn spawn_printer<W: Write + Send + 'static>(out: W) -> (Sender<String>, JoinHandle<W>) {
    let (tx, rx) = mpsc::channel::<String>();
    let printer = thread::spawn(move || {
        let mut out = out;
        while let Ok(line) = rx.recv() {
            let mut whole = line;
            whole.push('\n');
            out.write_all(whole.as_bytes()).expect("write");
        }
        out.flush().expect("flush");
        out
    });
    (tx, printer)
}

struct Job<T> {
    producer: usize,
    index: usize,
    item: T,
}

pub fn pipeline<T, R, P, F>(producers: Vec<P>, workers: usize, bound: usize, work: F) -> Vec<Vec<R>>
where
    P: IntoIterator<Item = T> + Send + 'static,
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
{
    let count = producers.len();
    let (jobs_tx, jobs_rx) = mpsc::sync_channel::<Job<T>>(bound);
    let jobs_rx = Arc::new(Mutex::new(jobs_rx));
    let (done_tx, done_rx) = mpsc::channel::<(usize, usize, R)>();
    let work = Arc::new(work);

    let mut handles = Vec::new();
    for (producer, items) in producers.into_iter().enumerate() {
        let jobs_tx = jobs_tx.clone();
        handles.push(thread::spawn(move || {
            for (index, item) in items.into_iter().enumerate() {
                jobs_tx.send(Job { producer, index, item }).expect("queue closed");
            }
        }));
    }
    drop(jobs_tx);

    let n = if workers == 0 { 1 } else { workers };
    for _ in 0..n {
        let jobs_rx = jobs_rx.clone();
        let done_tx = done_tx.clone();
        let work = work.clone();
        // No need to keep the handle: when every worker is gone, done_rx runs dry below.
        thread::spawn(move || {
            loop {
                let job = {
                    let rx = jobs_rx.lock().unwrap();
                    rx.recv()
                };
                match job {
                    Ok(Job { producer, index, item }) => {
                        let result = work(item);
                        done_tx.send((producer, index, result)).expect("collector gone");
                    }
                    Err(_) => return,
                }
            }
        });
    }
    drop(done_tx);

    let collector = thread::spawn(move || {
        let mut got: Vec<(usize, usize, R)> = done_rx.into_iter().collect();
        got.sort_by_key(|(p, i, _)| (*p, *i));
        let mut out: Vec<Vec<R>> = Vec::new();
        for _ in 0..count {
            out.push(Vec::new());
        }
        for (p, _, r) in got {
            out[p].push(r);
        }
        out
    });

    for h in handles {
        h.join().expect("producer panicked");
    }
    collector.join().expect("collector panicked")
}
