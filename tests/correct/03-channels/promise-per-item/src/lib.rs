//! Kata 03, alternate "promise-per-item": no item carries its producer's number or position.
//! Each producer makes a one-shot result channel per item, queues the item with the sending
//! half and passes the receiving half down a channel of its own, in order; the collector reads
//! each producer's receivers in order and waits on each, so order comes from the channels
//! (the reference tags items with (producer, index) and slots the results). The manager folds
//! over its receiver, and the printer formats each line with its newline before one write.

use std::io::Write;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// Starts the manager thread, which alone owns a counter that starts at 0. Every number it
/// receives is added to the counter, and after each addition it sends the line
/// `the count is N` (N the new count) to `printer`. When every sender of its channel has been
/// dropped it stops, and its `JoinHandle` gives the final count.
pub fn spawn_counter(printer: Sender<String>) -> (Sender<u64>, JoinHandle<u64>) {
    let (tx, rx) = mpsc::channel::<u64>();
    let handle = thread::spawn(move || {
        rx.into_iter().fold(0u64, |count, n| {
            let count = count + n;
            printer.send(format!("the count is {count}")).ok();
            count
        })
    });
    (tx, handle)
}

/// Starts the printer thread, which alone writes to `out`: each line it receives is written
/// whole, followed by a newline, in the order received. When every sender has been dropped it
/// flushes `out` and stops, and its `JoinHandle` gives `out` back.
pub fn spawn_printer<W: Write + Send + 'static>(mut out: W) -> (Sender<String>, JoinHandle<W>) {
    let (tx, rx) = mpsc::channel::<String>();
    let handle = thread::spawn(move || {
        for mut line in rx {
            line.push('\n');
            out.write_all(line.as_bytes()).expect("write");
        }
        out.flush().expect("flush");
        out
    });
    (tx, handle)
}

/// An item to work on, and where its result goes.
type Task<T, R> = (T, Sender<R>);

/// Runs `work` over every item of every producer and returns the results, one `Vec` per
/// producer, each in that producer's order.
pub fn pipeline<T, R, P, F>(producers: Vec<P>, workers: usize, bound: usize, work: F) -> Vec<Vec<R>>
where
    P: IntoIterator<Item = T> + Send + 'static,
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
{
    let (queue, tasks) = mpsc::sync_channel::<Task<T, R>>(bound);
    let tasks = Arc::new(Mutex::new(tasks));
    let work = Arc::new(work);

    let mut lanes: Vec<Receiver<Receiver<R>>> = Vec::new();
    let mut producer_threads = Vec::new();
    for items in producers {
        let (promises, lane) = mpsc::channel::<Receiver<R>>();
        lanes.push(lane);
        let queue = queue.clone();
        producer_threads.push(thread::spawn(move || {
            for item in items {
                let (result_tx, result_rx) = mpsc::channel();
                // The promise goes down this producer's lane first, in order; then the item
                // waits for room in the bounded queue.
                promises.send(result_rx).expect("the collector stopped");
                queue.send((item, result_tx)).expect("the workers stopped");
            }
        }));
    }
    drop(queue);

    let worker_threads: Vec<JoinHandle<()>> = (0..workers.max(1))
        .map(|_| {
            let (tasks, work) = (Arc::clone(&tasks), Arc::clone(&work));
            thread::spawn(move || {
                loop {
                    let next = tasks.lock().unwrap().recv();
                    match next {
                        Ok((item, reply)) => {
                            let _ = reply.send(work(item));
                        }
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();

    let collector = thread::spawn(move || {
        lanes
            .into_iter()
            .map(|lane| {
                lane.into_iter().map(|promise| promise.recv().expect("a worker lost a result")).collect()
            })
            .collect::<Vec<Vec<R>>>()
    });

    for p in producer_threads {
        p.join().expect("a producer panicked");
    }
    for w in worker_threads {
        w.join().expect("a worker panicked");
    }
    collector.join().expect("the collector panicked")
}
