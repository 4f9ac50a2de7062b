//! Kata 03: channels. Share state by sending messages to the one thread that owns it: a
//! manager thread that alone holds a counter, a printer thread that alone writes the output,
//! and a bounded pipeline (producers, workers, one collector) that shuts down by itself when
//! the last sender is dropped.
//!
//! Read README.md first. Replace each `todo!()`; `std::sync::mpsc` and `std::thread` have
//! everything you need. Check your work with `cargo test -p channels`, then
//! `cargo run -p grader -- 03`.

use std::io::Write;
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;

/// Starts the manager thread, which alone owns a counter that starts at 0. Every number it
/// receives is added to the counter, and after each addition it sends the line
/// `the count is N` (N the new count) to `printer`. When every sender of its channel has been
/// dropped it stops, and its `JoinHandle` gives the final count.
pub fn spawn_counter(printer: Sender<String>) -> (Sender<u64>, JoinHandle<u64>) {
    todo!("mpsc::channel(), then a thread that owns the count and loops over the receiver")
}

/// Starts the printer thread, which alone writes to `out`: each line it receives is written
/// whole, followed by a newline, in the order received. When every sender has been dropped it
/// flushes `out` and stops, and its `JoinHandle` gives `out` back.
pub fn spawn_printer<W: Write + Send + 'static>(out: W) -> (Sender<String>, JoinHandle<W>) {
    todo!("a thread that owns `out`: writeln! each line it receives, flush, return `out`")
}

/// Runs `work` over every item of every producer and returns the results, one `Vec` per
/// producer, each in that producer's order.
///
/// One thread per producer sends its items into a queue that holds at most `bound` items, so a
/// producer that gets ahead blocks until a worker catches up (back-pressure). `workers` threads
/// (0 counts as 1) take items from the queue and send the results to one collector thread.
/// When every producer is done the queue closes, the workers drain it and stop, the collector
/// stops, and every thread is joined before this returns: a panic in a producer or in `work` comes out of it.
pub fn pipeline<T, R, P, F>(producers: Vec<P>, workers: usize, bound: usize, work: F) -> Vec<Vec<R>>
where
    P: IntoIterator<Item = T> + Send + 'static,
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
{
    todo!(
        "mpsc::sync_channel(bound) for the items, Arc<Mutex<Receiver>> for the workers, mpsc::channel() for the results"
    )
}
