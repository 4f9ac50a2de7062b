//! Kata 03: channels. Share state by sending messages to the one thread that owns it: a
//! manager thread that alone holds a counter, a printer thread that alone writes the output,
//! and a bounded pipeline (producers, workers, one collector) that shuts down by itself when
//! the last sender is dropped.

use std::io::Write;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// Starts the manager thread, which alone owns a counter that starts at 0. Every number it
/// receives is added to the counter, and after each addition it sends the line
/// `the count is N` (N the new count) to `printer`. When every sender of its channel has been
/// dropped it stops, and its `JoinHandle` gives the final count.
pub fn spawn_counter(printer: Sender<String>) -> (Sender<u64>, JoinHandle<u64>) {
    let (tx, rx) = mpsc::channel::<u64>();
    let manager = thread::spawn(move || {
        let mut count = 0; // owned by this thread alone: no lock, no atomic, no race
        // `for` over a receiver blocks while the channel is empty and ends once it is empty
        // and every sender is gone.
        for amount in rx {
            count += amount;
            // If the printer has gone, the count still counts; the line is just not printed.
            let _ = printer.send(format!("the count is {count}"));
        }
        count
    });
    (tx, manager)
}

/// Starts the printer thread, which alone writes to `out`: each line it receives is written
/// whole, followed by a newline, in the order received. When every sender has been dropped it
/// flushes `out` and stops, and its `JoinHandle` gives `out` back.
pub fn spawn_printer<W: Write + Send + 'static>(mut out: W) -> (Sender<String>, JoinHandle<W>) {
    let (tx, rx) = mpsc::channel::<String>();
    let printer = thread::spawn(move || {
        for line in rx {
            writeln!(out, "{line}").expect("the printer could not write");
        }
        out.flush().expect("the printer could not flush");
        out
    });
    (tx, printer)
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
    // Items and results travel with their producer's number and their place in its order, so
    // the collector can put them back in order however the workers interleave.
    let (item_tx, item_rx) = mpsc::sync_channel::<(usize, usize, T)>(bound);
    // A Receiver has one owner; the workers share it behind a lock, taking turns to wait on it.
    let item_rx = Arc::new(Mutex::new(item_rx));
    let (result_tx, result_rx) = mpsc::channel::<(usize, usize, R)>();
    let work = Arc::new(work);
    let lanes = producers.len();

    let producer_threads: Vec<JoinHandle<()>> = producers
        .into_iter()
        .enumerate()
        .map(|(p, items)| {
            let tx = item_tx.clone();
            thread::spawn(move || {
                for (i, item) in items.into_iter().enumerate() {
                    // Blocks while the queue is full: back-pressure.
                    tx.send((p, i, item)).expect("every worker has stopped");
                }
            })
        })
        .collect();
    // Our own sender must go too, or the queue never closes and the workers wait for ever.
    drop(item_tx);

    let worker_threads: Vec<JoinHandle<()>> = (0..workers.max(1))
        .map(|_| {
            let (rx, tx, work) = (Arc::clone(&item_rx), result_tx.clone(), Arc::clone(&work));
            thread::spawn(move || {
                loop {
                    // The guard is a temporary, dropped at the end of this statement: the lock
                    // is held while waiting for an item, never while working on one.
                    let next = rx.lock().unwrap().recv();
                    // Err means the queue is empty and every sender is gone: time to stop.
                    let Ok((p, i, item)) = next else { break };
                    tx.send((p, i, work(item))).expect("the collector has stopped");
                }
            })
        })
        .collect();
    drop(result_tx);

    let collector = thread::spawn(move || {
        let mut out: Vec<Vec<Option<R>>> = (0..lanes).map(|_| Vec::new()).collect();
        // Ends when every worker has stopped and dropped its sender.
        for (p, i, result) in result_rx {
            let lane = &mut out[p];
            if lane.len() <= i {
                lane.resize_with(i + 1, || None);
            }
            lane[i] = Some(result);
        }
        out.into_iter()
            .map(|lane| lane.into_iter().map(|r| r.expect("a result went missing")).collect())
            .collect()
    });

    for producer in producer_threads {
        producer.join().expect("a producer panicked");
    }
    for worker in worker_threads {
        worker.join().expect("a worker panicked");
    }
    collector.join().expect("the collector panicked")
}
