//! Quick checks you can run with `cargo test -p channels`. The grader's hidden tests go further:
//! they hold the workers back to measure the queue, count threads after shutdown, and measure
//! the CPU time of threads that should be asleep.

use std::time::{Duration, Instant};

use channels::*;

#[test]
fn the_manager_counts_and_reports() {
    let (printer, lines) = std::sync::mpsc::channel();
    let (tx, manager) = spawn_counter(printer);
    for amount in [1, 2, 3] {
        tx.send(amount).unwrap();
    }
    drop(tx); // the last sender: the manager stops and hands back the count
    assert_eq!(manager.join().unwrap(), 6);
    let lines: Vec<String> = lines.iter().collect();
    assert_eq!(lines, ["the count is 1", "the count is 3", "the count is 6"]);
}

#[test]
fn the_printer_writes_lines_and_gives_back_its_output() {
    let (tx, printer) = spawn_printer(Vec::new());
    tx.send("hello".to_string()).unwrap();
    tx.send("world".to_string()).unwrap();
    drop(tx);
    assert_eq!(printer.join().unwrap(), b"hello\nworld\n");
}

#[test]
fn counter_and_printer_together() {
    let (printer_tx, printer) = spawn_printer(Vec::new());
    let (tx, manager) = spawn_counter(printer_tx);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let tx = tx.clone();
            s.spawn(move || (0..100).for_each(|_| tx.send(1).unwrap()));
        }
    });
    drop(tx);
    assert_eq!(manager.join().unwrap(), 400);
    let text = String::from_utf8(printer.join().unwrap()).unwrap();
    assert_eq!(text.lines().count(), 400);
    assert_eq!(text.lines().last(), Some("the count is 400"));
}

#[test]
fn the_pipeline_keeps_each_producers_order() {
    let producers = vec![vec![1, 2, 3], vec![], vec![10, 20]];
    let out = pipeline(producers, 3, 2, |x: i32| x * x);
    assert_eq!(out, vec![vec![1, 4, 9], vec![], vec![100, 400]]);
}

#[test]
fn the_workers_work_at_the_same_time() {
    let start = Instant::now();
    let out = pipeline(vec![(0..8u64).collect::<Vec<_>>()], 4, 4, |x| {
        std::thread::sleep(Duration::from_millis(100));
        x
    });
    assert_eq!(out, vec![(0..8).collect::<Vec<_>>()]);
    assert!(
        start.elapsed() < Duration::from_millis(600),
        "8 x 0.1 s on 4 workers took {:?}",
        start.elapsed()
    );
}
