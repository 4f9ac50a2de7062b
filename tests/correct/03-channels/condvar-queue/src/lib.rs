//! Kata 03, alternate "condvar-queue": the pipeline's bounded queue is written by hand, a
//! `Mutex<VecDeque>` with two `Condvar`s (not empty, not full) and a count of producers still
//! open, instead of `mpsc::sync_channel`; the calling thread is the collector; the printer
//! writes through a `BufWriter` it unwraps at the end; the manager loops on `recv()`.

use std::collections::VecDeque;
use std::io::{BufWriter, Write};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};

/// Starts the manager thread, which alone owns a counter that starts at 0. Every number it
/// receives is added to the counter, and after each addition it sends the line
/// `the count is N` (N the new count) to `printer`. When every sender of its channel has been
/// dropped it stops, and its `JoinHandle` gives the final count.
pub fn spawn_counter(printer: Sender<String>) -> (Sender<u64>, JoinHandle<u64>) {
    let (tx, rx) = mpsc::channel::<u64>();
    let handle = thread::spawn(move || {
        let mut total: u64 = 0;
        while let Ok(n) = rx.recv() {
            total += n;
            if printer.send(format!("the count is {total}")).is_err() {
                // Nobody prints any more; keep counting anyway.
            }
        }
        total
    });
    (tx, handle)
}

/// Starts the printer thread, which alone writes to `out`: each line it receives is written
/// whole, followed by a newline, in the order received. When every sender has been dropped it
/// flushes `out` and stops, and its `JoinHandle` gives `out` back.
pub fn spawn_printer<W: Write + Send + 'static>(out: W) -> (Sender<String>, JoinHandle<W>) {
    let (tx, rx) = mpsc::channel::<String>();
    let handle = thread::spawn(move || {
        let mut buffered = BufWriter::new(out);
        for line in rx.iter() {
            buffered.write_all(line.as_bytes()).expect("write a line");
            buffered.write_all(b"\n").expect("write a newline");
        }
        buffered.flush().expect("flush the printer");
        match buffered.into_inner() {
            Ok(out) => out,
            Err(e) => panic!("the printer could not flush: {}", e.error()),
        }
    });
    (tx, handle)
}

/// A bounded first-in first-out queue shared by producers and workers.
struct Bounded<T> {
    state: Mutex<State<T>>,
    not_empty: Condvar,
    not_full: Condvar,
    bound: usize,
}

struct State<T> {
    items: VecDeque<T>,
    /// Producers that have not finished yet: when this reaches 0 and the queue is empty,
    /// the workers stop.
    open_producers: usize,
    /// Items taken out so far, so a producer on a queue of size 0 can wait until its item
    /// has been taken (a rendezvous).
    taken: u64,
    /// Items put in so far.
    put: u64,
}

impl<T> Bounded<T> {
    fn new(bound: usize, producers: usize) -> Self {
        Bounded {
            state: Mutex::new(State { items: VecDeque::new(), open_producers: producers, taken: 0, put: 0 }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            bound,
        }
    }

    /// Puts `item` in, waiting while the queue holds `bound` items. With a bound of 0 the item
    /// is handed over: this returns only once a worker has taken it.
    fn push(&self, item: T) {
        let room = self.bound.max(1);
        let mut state =
            self.not_full.wait_while(self.state.lock().unwrap(), |s| s.items.len() >= room).unwrap();
        state.items.push_back(item);
        state.put += 1;
        let ticket = state.put;
        self.not_empty.notify_one();
        if self.bound == 0 {
            let _taken = self.not_full.wait_while(state, |s| s.taken < ticket).unwrap();
        }
    }

    /// Takes the oldest item, waiting while the queue is empty; `None` once it is empty and
    /// every producer has finished.
    fn pop(&self) -> Option<T> {
        let mut state = self
            .not_empty
            .wait_while(self.state.lock().unwrap(), |s| s.items.is_empty() && s.open_producers > 0)
            .unwrap();
        let item = state.items.pop_front()?;
        state.taken += 1;
        // Producers waiting for room, or for their hand-over, check again.
        self.not_full.notify_all();
        Some(item)
    }

    fn producer_done(&self) {
        let mut state = self.state.lock().unwrap();
        state.open_producers -= 1;
        if state.open_producers == 0 {
            self.not_empty.notify_all();
        }
    }
}

/// Marks its producer finished when dropped, even if the producer's iterator panics.
struct Done<'a, T>(&'a Bounded<T>);

impl<T> Drop for Done<'_, T> {
    fn drop(&mut self) {
        self.0.producer_done();
    }
}

/// Runs `work` over every item of every producer and returns the results, one `Vec` per
/// producer, each in that producer's order.
pub fn pipeline<T, R, P, F>(producers: Vec<P>, workers: usize, bound: usize, work: F) -> Vec<Vec<R>>
where
    P: IntoIterator<Item = T> + Send + 'static,
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
{
    let lanes = producers.len();
    let queue: Arc<Bounded<(usize, usize, T)>> = Arc::new(Bounded::new(bound, lanes));
    let work = Arc::new(work);
    let (results_tx, results_rx) = mpsc::channel::<(usize, usize, R)>();

    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    for (lane, items) in producers.into_iter().enumerate() {
        let queue = Arc::clone(&queue);
        threads.push(thread::spawn(move || {
            let _done = Done(&queue);
            for (pos, item) in items.into_iter().enumerate() {
                queue.push((lane, pos, item));
            }
        }));
    }
    for _ in 0..workers.max(1) {
        let queue = Arc::clone(&queue);
        let work = Arc::clone(&work);
        let results = results_tx.clone();
        threads.push(thread::spawn(move || {
            while let Some((lane, pos, item)) = queue.pop() {
                let result = work(item);
                results.send((lane, pos, result)).expect("the collector stopped");
            }
        }));
    }
    drop(results_tx);

    // This thread collects: the loop ends once every worker has dropped its sender.
    let mut out: Vec<Vec<Option<R>>> = (0..lanes).map(|_| Vec::new()).collect();
    for (lane, pos, result) in results_rx {
        let slots = &mut out[lane];
        while slots.len() <= pos {
            slots.push(None);
        }
        slots[pos] = Some(result);
    }
    for t in threads {
        t.join().expect("a pipeline thread panicked");
    }
    out.into_iter().map(|lane| lane.into_iter().map(|r| r.expect("a result is missing")).collect()).collect()
}
