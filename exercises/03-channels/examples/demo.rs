//! Run it and see what happens: `cargo run -p channels --example demo --release`
//!
//! The tutorial's queued_threads.py has workers send increments to a counter manager, which
//! sends lines to a printer. Here: the same, then a pipeline whose workers each need 20 ms per
//! item, with 1, 2 and 8 workers, and a slow worker that makes a fast producer wait.

use std::io::Write;
use std::time::{Duration, Instant};

use channels::*;

fn main() {
    // A printer that writes to the terminal; the manager sends it a line per increment.
    let (printer_tx, printer) = spawn_printer(std::io::stdout());
    let (tx, manager) = spawn_counter(printer_tx.clone());
    std::thread::scope(|s| {
        for worker in 0..5 {
            let (tx, say) = (tx.clone(), printer_tx.clone());
            s.spawn(move || {
                say.send(format!("worker {worker} adds 1")).unwrap();
                tx.send(1).unwrap();
            });
        }
    });
    drop(tx);
    let total = manager.join().unwrap();
    printer_tx.send(format!("the manager finished with {total}")).unwrap();
    drop(printer_tx);
    let _ = printer.join().unwrap().flush();

    println!("\nA pipeline: 2 producers x 20 items, each item takes a worker 20 ms");
    for workers in [1, 2, 8] {
        let start = Instant::now();
        let out = pipeline(vec![0..20u32, 100..120], workers, 4, |x| {
            std::thread::sleep(Duration::from_millis(20));
            x * 2
        });
        assert_eq!(out[1][0], 200);
        println!("  {workers} worker(s): {:>6.3} s", start.elapsed().as_secs_f64());
    }

    println!("\nBack-pressure: a queue of 2, one slow worker; the producer waits for room");
    let start = Instant::now();
    let producer = (0..6).inspect(move |i| {
        println!("  {:>5.2} s  producer makes item {i}", start.elapsed().as_secs_f64());
    });
    pipeline(vec![producer], 1, 2, move |i| {
        std::thread::sleep(Duration::from_millis(200));
        println!("  {:>5.2} s  worker finished item {i}", start.elapsed().as_secs_f64());
    });
}
