//! Kata 03, alternate "poison-pills": the pipeline runs inside `std::thread::scope` (no `Arc`:
//! workers borrow the shared receiver and `work`), the workers stop on a `Stop` message the
//! caller sends once per worker after joining the producers (the tutorial's sentinel pattern;
//! the reference relies on the channel closing), and the collector gathers `(lane, pos,
//! result)` triples and sorts them instead of placing each in a slot.

use std::io::Write;
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, JoinHandle};

/// Starts the manager thread, which alone owns a counter that starts at 0. Every number it
/// receives is added to the counter, and after each addition it sends the line
/// `the count is N` (N the new count) to `printer`. When every sender of its channel has been
/// dropped it stops, and its `JoinHandle` gives the final count.
pub fn spawn_counter(printer: Sender<String>) -> (Sender<u64>, JoinHandle<u64>) {
    let (tx, rx) = mpsc::channel();
    let manager = thread::Builder::new()
        .name("counter-manager".into())
        .spawn(move || manage(rx, printer))
        .expect("start the manager");
    (tx, manager)
}

fn manage(rx: Receiver<u64>, printer: Sender<String>) -> u64 {
    let mut count = 0u64;
    loop {
        match rx.recv() {
            Ok(n) => {
                count += n;
                let _ = printer.send(format!("the count is {count}"));
            }
            Err(_) => return count,
        }
    }
}

/// Starts the printer thread, which alone writes to `out`: each line it receives is written
/// whole, followed by a newline, in the order received. When every sender has been dropped it
/// flushes `out` and stops, and its `JoinHandle` gives `out` back.
pub fn spawn_printer<W: Write + Send + 'static>(out: W) -> (Sender<String>, JoinHandle<W>) {
    let (tx, rx) = mpsc::channel::<String>();
    let printer = thread::spawn(move || {
        let mut out = out;
        let mut line_buf = Vec::new();
        while let Ok(line) = rx.recv() {
            line_buf.clear();
            line_buf.extend_from_slice(line.as_bytes());
            line_buf.push(b'\n');
            // One write_all per line: the line and its newline go out together.
            out.write_all(&line_buf).expect("the printer could not write");
        }
        out.flush().expect("the printer could not flush");
        out
    });
    (tx, printer)
}

/// What travels on the work queue: an item, or the order to stop.
enum Msg<T> {
    Item { lane: usize, pos: usize, item: T },
    Stop,
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
    let crew = workers.max(1);
    let (queue_tx, queue_rx) = mpsc::sync_channel::<Msg<T>>(bound);
    let queue_rx = Mutex::new(queue_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, usize, R)>();
    let work = &work;
    let queue_rx = &queue_rx;

    thread::scope(|s| {
        let collector = s.spawn(move || {
            let mut all: Vec<(usize, usize, R)> = done_rx.into_iter().collect();
            all.sort_by_key(|&(lane, pos, _)| (lane, pos));
            let mut out: Vec<Vec<R>> = (0..lanes).map(|_| Vec::new()).collect();
            for (lane, _, result) in all {
                out[lane].push(result);
            }
            out
        });

        let crew_handles: Vec<_> = (0..crew)
            .map(|_| {
                let done_tx = done_tx.clone();
                s.spawn(move || {
                    loop {
                        let msg = queue_rx.lock().unwrap().recv();
                        match msg {
                            Ok(Msg::Item { lane, pos, item }) => {
                                done_tx.send((lane, pos, work(item))).expect("the collector stopped")
                            }
                            Ok(Msg::Stop) | Err(_) => break,
                        }
                    }
                })
            })
            .collect();
        drop(done_tx);

        let producer_handles: Vec<_> = producers
            .into_iter()
            .enumerate()
            .map(|(lane, items)| {
                let tx = queue_tx.clone();
                s.spawn(move || {
                    for (pos, item) in items.into_iter().enumerate() {
                        tx.send(Msg::Item { lane, pos, item }).expect("the workers stopped");
                    }
                })
            })
            .collect();
        for p in producer_handles {
            p.join().expect("a producer panicked");
        }
        // Every item is queued; one Stop per worker, behind the items, ends the crew.
        for _ in 0..crew {
            queue_tx.send(Msg::Stop).expect("the workers stopped");
        }
        drop(queue_tx);
        for w in crew_handles {
            w.join().expect("a worker panicked");
        }
        collector.join().expect("the collector panicked")
    })
}
