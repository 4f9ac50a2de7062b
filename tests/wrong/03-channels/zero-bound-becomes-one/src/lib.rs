//! A student's channels kata. The flaw: a bound of 0 is "fixed" to 1 for fear of a deadlock, so a rendezvous becomes a queue of one.

use std::io::Write;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

pub fn spawn_counter(printer: Sender<String>) -> (Sender<u64>, JoinHandle<u64>) {
    let (tx, rx) = mpsc::channel::<u64>();
    let handle = thread::spawn(move || {
        let mut count = 0u64;
        while let Ok(n) = rx.recv() {
            count += n;
            let _ = printer.send(format!("the count is {count}"));
        }
        count
    });
    (tx, handle)
}

pub fn spawn_printer<W: Write + Send + 'static>(mut out: W) -> (Sender<String>, JoinHandle<W>) {
    let (tx, rx) = mpsc::channel::<String>();
    let handle = thread::spawn(move || {
        for line in rx {
            out.write_all(line.as_bytes()).unwrap();
            out.write_all(b"\n").unwrap();
        }
        out.flush().unwrap();
        out
    });
    (tx, handle)
}

type Tagged<T> = (usize, usize, T);

pub fn pipeline<T, R, P, F>(producers: Vec<P>, workers: usize, bound: usize, work: F) -> Vec<Vec<R>>
where
    P: IntoIterator<Item = T> + Send + 'static,
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
{
    let lanes = producers.len();
    let (item_tx, item_rx) = mpsc::sync_channel::<Tagged<T>>(bound.max(1));
    let item_rx: Arc<Mutex<Receiver<Tagged<T>>>> = Arc::new(Mutex::new(item_rx));
    let (res_tx, res_rx) = mpsc::channel::<Tagged<R>>();
    let work = Arc::new(work);

    let mut worker_threads = Vec::new();
    for _ in 0..workers.max(1) {
        let rx = Arc::clone(&item_rx);
        let tx = res_tx.clone();
        let work = Arc::clone(&work);
        worker_threads.push(thread::spawn(move || {
            loop {
                let msg = rx.lock().unwrap().recv();
                let Ok((p, i, item)) = msg else { break };
                if tx.send((p, i, work(item))).is_err() {
                    break;
                }
            }
        }));
    }
    drop(res_tx);

    let collector = thread::spawn(move || {
        let mut lanes: Vec<Vec<Option<R>>> = (0..lanes).map(|_| Vec::new()).collect();
        for (p, i, r) in res_rx {
            let lane = &mut lanes[p];
            while lane.len() <= i {
                lane.push(None);
            }
            lane[i] = Some(r);
        }
        lanes
            .into_iter()
            .map(|lane| lane.into_iter().map(|r| r.expect("a result is missing")).collect())
            .collect::<Vec<Vec<R>>>()
    });

    let mut producer_threads = Vec::new();
    for (p, items) in producers.into_iter().enumerate() {
        let tx = item_tx.clone();
        producer_threads.push(thread::spawn(move || {
            for (i, item) in items.into_iter().enumerate() {
                tx.send((p, i, item)).unwrap();
            }
        }));
    }
    for t in producer_threads {
        t.join().unwrap();
    }
    drop(item_tx);

    for w in worker_threads {
        w.join().unwrap();
    }
    collector.join().unwrap()
}
