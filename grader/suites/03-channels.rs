//! Hidden tests of kata 03: channels. Counts prove every message is handled once, sequence
//! numbers prove order, a gated worker proves the queue's bound and the number of workers,
//! thread counts and planted panics prove every thread is joined, and CPU time proves that
//! waiting threads sleep.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use channels::*;
use kit::{Gauge, Rendezvous, test};

const STEP: Duration = Duration::from_secs(5);
/// CPU seconds per wall second allowed while threads wait: sleeping threads use about 0.005, a
/// thread polling in a loop takes a core (or whatever share a busy machine leaves it).
const IDLE_CPU: f64 = 0.1;

fn main() {
    kit::suite(&[
        test!(counter_counts_every_message)
            .points(2)
            .hint("the manager adds every number it receives; `for amount in rx` ends when every sender is dropped, then return the count"),
        test!(counter_reports_each_count_in_order)
            .points(2)
            .hint("after each addition send format!(\"the count is {count}\") to the printer's Sender"),
        test!(printer_writes_every_line_whole_and_in_order)
            .points(2)
            .hint("one thread owns `out`: writeln!(out, \"{line}\") for each line received, flush, then return `out`"),
        test!(printer_flushes_before_it_returns)
            .hint("call out.flush() once the loop over the receiver ends, before the thread returns `out`: a buffered writer keeps what it was given until then"),
        test!(an_unused_manager_and_printer_stop_cleanly)
            .hint("with no message the count stays 0 and nothing is printed: send a line only after an addition"),
        test!(pipeline_handles_every_item_once)
            .points(2)
            .hint("each item must be received by exactly one worker; results go to one collector"),
        test!(pipeline_keeps_per_producer_order)
            .points(2)
            .hint("workers finish out of order: send (producer, index, result) and let the collector put each result in its place"),
        test!(pipeline_workers_run_at_once)
            .hint("start every worker before waiting for any; a worker must not hold the queue's lock while it works"),
        test!(no_more_workers_than_asked)
            .deadline(Duration::from_secs(20))
            .hint("spawn workers.max(1) worker threads and no more (`0..n` makes n, `0..=n` makes n + 1); only they call work, not the calling thread or the collector"),
        test!(pipeline_producers_run_at_once)
            .hint("spawn one thread per producer, each iterating its own items, before waiting for any of them"),
        test!(queue_never_exceeds_its_bound)
            .points(3)
            .hint("mpsc::sync_channel(bound): send blocks while the queue is full, so producers wait for the workers"),
        test!(a_queue_of_0_is_a_rendezvous)
            .points(2)
            .hint("pass the bound to sync_channel unchanged: sync_channel(0) is a rendezvous where each send waits for a worker, not a queue of 1"),
        test!(shutdown_does_not_hang)
            .points(2)
            .hint("drop every Sender you keep (your own original too): the workers' recv() returns Err only once the last one is gone"),
        test!(shutdown_joins_every_thread)
            .points(2)
            .hint("keep every JoinHandle (producers, workers, collector) and join them all before returning"),
        test!(a_producer_panic_reaches_the_caller).hint(
            "keep every producer's JoinHandle and join it with .expect(..): a producer that panicked must not pass for one that ran out of items",
        ),
        test!(a_work_panic_reaches_the_caller).hint(
            "keep every worker's JoinHandle and join it with .expect(..): the collector ends without a word when a worker dies, one result short",
        ),
        test!(waiting_workers_use_no_cpu)
            .points(2)
            .hint("recv() sleeps until an item arrives; a loop around try_recv() spins and burns a core"),
        test!(idle_manager_and_printer_use_no_cpu).hint("block in recv() (or a `for` over the receiver); never poll"),
    ]);
}

/// Drains a channel the test owns, as the printer would, and gives back every line.
fn collect_lines() -> (mpsc::Sender<String>, std::thread::JoinHandle<Vec<String>>) {
    let (tx, rx) = mpsc::channel();
    (tx, std::thread::spawn(move || rx.into_iter().collect()))
}

fn counter_counts_every_message() {
    let (sink, lines) = collect_lines();
    let (tx, manager) = spawn_counter(sink);
    std::thread::scope(|s| {
        for t in 0..8u64 {
            let tx = tx.clone();
            s.spawn(move || {
                for _ in 0..5_000 {
                    tx.send(1).expect("the manager hung up");
                }
                tx.send(t).expect("the manager hung up");
            });
        }
    });
    tx.send(1_000).expect("the manager hung up");
    drop(tx);
    let total = kit::within(STEP, "joining the manager after every sender was dropped", move || {
        manager.join().expect("the manager panicked")
    });
    let want = 8 * 5_000 + (0..8).sum::<u64>() + 1_000;
    kit::figure("final count", total, "");
    kit::at_most("final count off by", total.abs_diff(want), 0, "");
    let lines = kit::within(STEP, "the manager dropping its printer Sender", move || lines.join().unwrap());
    assert_eq!(lines.len(), 8 * 5_001 + 1, "one printed line per number received");
}

fn counter_reports_each_count_in_order() {
    let (sink, lines) = collect_lines();
    let (tx, manager) = spawn_counter(sink);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let tx = tx.clone();
            s.spawn(move || {
                for _ in 0..2_000 {
                    tx.send(1).expect("the manager hung up");
                }
            });
        }
    });
    drop(tx);
    let total =
        kit::within(STEP, "joining the manager", move || manager.join().expect("the manager panicked"));
    assert_eq!(total, 8_000);
    let lines = kit::within(STEP, "the manager dropping its printer Sender", move || lines.join().unwrap());
    assert_eq!(lines.len(), 8_000, "one line per message");
    for (i, line) in lines.iter().enumerate() {
        let want = format!("the count is {}", i + 1);
        assert_eq!(line, &want, "line {} of what the manager sent to the printer", i + 1);
    }
}

fn printer_writes_every_line_whole_and_in_order() {
    const PRODUCERS: usize = 6;
    const LINES: usize = 1_000;
    let (tx, printer) = spawn_printer(Vec::<u8>::new());
    std::thread::scope(|s| {
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            s.spawn(move || {
                for i in 0..LINES {
                    tx.send(format!("producer {p} line {i} {}", "=".repeat(i % 50)))
                        .expect("the printer hung up");
                }
            });
        }
    });
    drop(tx);
    let out = kit::within(STEP, "joining the printer", move || printer.join().expect("the printer panicked"));
    let text = String::from_utf8(out).expect("the output is UTF-8");
    assert!(text.ends_with('\n'), "every line ends with a newline");
    let mut next = [0usize; PRODUCERS];
    let mut count = 0;
    for line in text.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let parsed = match parts.as_slice() {
            ["producer", p, "line", i, bar] => p
                .parse::<usize>()
                .ok()
                .zip(i.parse::<usize>().ok())
                .filter(|(p, i)| *p < PRODUCERS && bar.len() == i % 50 && bar.chars().all(|c| c == '=')),
            _ => None,
        };
        let Some((p, i)) = parsed else { panic!("a line was not printed whole: {line:?}") };
        assert_eq!(i, next[p], "producer {p}'s lines are out of order or repeated");
        next[p] += 1;
        count += 1;
    }
    assert_eq!(count, PRODUCERS * LINES, "every line printed once");
}

/// Producers that count the items taken from them, for the bound and shutdown tests.
fn counted(n: usize, base: usize, taken: &Arc<AtomicUsize>) -> impl Iterator<Item = usize> + Send + 'static {
    let taken = Arc::clone(taken);
    (0..n).map(move |i| {
        taken.fetch_add(1, SeqCst);
        base + i
    })
}

fn pipeline_handles_every_item_once() {
    const PER: usize = 2_000;
    let calls: Arc<Vec<AtomicU32>> = Arc::new((0..3 * PER).map(|_| AtomicU32::new(0)).collect());
    let producers: Vec<Vec<usize>> = (0..3).map(|p| (p * PER..(p + 1) * PER).collect()).collect();
    let seen = Arc::clone(&calls);
    let out = kit::within(STEP, "the pipeline", move || {
        pipeline(producers, 4, 8, move |x: usize| {
            seen[x].fetch_add(1, SeqCst);
            x as u64 * 3
        })
    });
    let twice = calls.iter().filter(|c| c.load(SeqCst) > 1).count();
    let never = calls.iter().filter(|c| c.load(SeqCst) == 0).count();
    kit::at_most("items worked on more than once", twice, 0, "items");
    kit::at_most("items never worked on", never, 0, "items");
    assert_eq!(out.len(), 3, "one Vec of results per producer");
    let mut results: Vec<u64> = out.into_iter().flatten().collect();
    results.sort_unstable();
    assert_eq!(results, (0..3 * PER as u64).map(|x| x * 3).collect::<Vec<_>>(), "every result, once");
}

fn pipeline_keeps_per_producer_order() {
    // Lanes of different lengths, one empty; some items are slow, so workers finish out of order.
    let lengths = [500usize, 0, 37, 800];
    let producers: Vec<Vec<(usize, usize)>> =
        lengths.iter().enumerate().map(|(p, &n)| (0..n).map(|i| (p, i)).collect()).collect();
    let out = kit::within(STEP, "the pipeline", move || {
        pipeline(producers, 4, 3, |(p, i): (usize, usize)| {
            if (i * 7 + p) % 23 == 0 {
                std::thread::sleep(Duration::from_millis(2));
            }
            format!("{p}:{i}")
        })
    });
    assert_eq!(out.len(), lengths.len(), "one Vec of results per producer, empty ones too");
    for (p, lane) in out.iter().enumerate() {
        let want: Vec<String> = (0..lengths[p]).map(|i| format!("{p}:{i}")).collect();
        assert_eq!(lane, &want, "producer {p}'s results must come back in its order");
    }
}

fn pipeline_workers_run_at_once() {
    const WORKERS: usize = 4;
    let latch = Arc::new(Rendezvous::new(WORKERS, Duration::from_secs(3)));
    let inside = Arc::clone(&latch);
    let out = kit::within(STEP, "the pipeline", move || {
        pipeline(vec![(0..8u32).collect::<Vec<_>>()], WORKERS, 8, move |x| {
            inside.wait();
            x
        })
    });
    kit::at_least("workers working at once", latch.most_inside(), WORKERS, "workers");
    assert_eq!(out, vec![(0..8).collect::<Vec<u32>>()]);
}

/// A gate the test opens; waiting at it gives up after a while so a test never hangs.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let guard = self.open.lock().unwrap();
        let _ = self.opened.wait_timeout_while(guard, STEP, |open| !*open).unwrap();
    }
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

fn queue_never_exceeds_its_bound() {
    bound_holds(4);
}

fn a_queue_of_0_is_a_rendezvous() {
    bound_holds(0);
}

/// Holds every worker inside `work` and counts the items the producers let go of: at most
/// `bound` may wait in the queue, plus one in the hand of each producer blocked in `send`.
fn bound_holds(bound: usize) {
    const PRODUCERS: usize = 2;
    const WORKERS: usize = 2;
    let (name, lead) = if bound == 0 {
        (
            "a queue of size 0",
            "items waiting for a worker (a rendezvous holds none: one per blocked producer)",
        )
    } else {
        ("the queue", "items waiting for a worker (queue + one per blocked producer)")
    };
    const PER: usize = 500;
    let taken = Arc::new(AtomicUsize::new(0));
    let working = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Gate::default());
    let producers: Vec<_> = (0..PRODUCERS).map(|p| counted(PER, p * PER, &taken)).collect();
    let (w, g) = (Arc::clone(&working), Arc::clone(&gate));
    let run = std::thread::spawn(move || {
        pipeline(producers, WORKERS, bound, move |x| {
            w.fetch_add(1, SeqCst);
            g.wait();
            x
        })
    });
    // With the workers held at the gate, the producers run ahead until the queue is full and
    // every producer is blocked in send. Wait until a worker is at the gate and nothing more is
    // taken for 0.3 s (a busy machine may not have run the pipeline's threads at all yet).
    let until = Instant::now() + Duration::from_secs(3);
    let mut last = (usize::MAX, Instant::now());
    while Instant::now() < until && !run.is_finished() {
        let now = taken.load(SeqCst);
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > Duration::from_millis(300) && working.load(SeqCst) > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let (taken_now, working_now) = (taken.load(SeqCst), working.load(SeqCst));
    gate.open();
    let out =
        kit::within(STEP, &format!("the pipeline with {name}, after the gate opened"), move || {
            match run.join() {
                Ok(out) => out,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        });
    // Taken from the producers but not yet being worked on: in the queue, or in a producer's
    // hand while it waits for room.
    let waiting = taken_now.saturating_sub(working_now);
    kit::at_most(lead, waiting, bound + PRODUCERS, "items");
    kit::at_least("workers busy while the queue filled", working_now, 1, "workers");
    let flat: Vec<usize> = out.into_iter().flatten().collect();
    assert_eq!(flat, (0..PRODUCERS * PER).collect::<Vec<_>>(), "every item, in order");
}

fn shutdown_does_not_hang() {
    let cases: [(&str, Vec<Vec<u8>>, usize, usize); 6] = [
        ("no producers", vec![], 2, 2),
        ("every producer empty", vec![vec![], vec![]], 3, 2),
        ("more workers than items", vec![vec![1, 2]], 8, 4),
        ("a queue of size 0 (a rendezvous)", vec![vec![1, 2, 3], vec![4, 5, 6]], 2, 0),
        ("0 workers, which counts as 1", vec![vec![7, 8]], 0, 1),
        ("one worker, one slot", (0..4).map(|p| (p * 10..p * 10 + 10).collect()).collect(), 1, 1),
    ];
    for (what, producers, workers, bound) in cases {
        let want: Vec<Vec<u16>> =
            producers.iter().map(|l| l.iter().map(|&x| x as u16 + 1).collect()).collect();
        let got = kit::within(STEP, &format!("the pipeline with {what}"), move || {
            pipeline(producers, workers, bound, |x: u8| x as u16 + 1)
        });
        assert_eq!(got, want, "the pipeline with {what}");
    }
    let (printer, printed) = spawn_printer(Vec::new());
    let (tx, manager) = spawn_counter(printer);
    tx.send(2).expect("the manager hung up");
    drop(tx);
    let total = kit::within(STEP, "joining the manager after its last sender was dropped", move || {
        manager.join().expect("the manager panicked")
    });
    assert_eq!(total, 2);
    let out = kit::within(STEP, "joining the printer after its last sender was dropped", move || {
        printed.join().expect("the printer panicked")
    });
    assert_eq!(String::from_utf8_lossy(&out), "the count is 2\n");
}

/// Holds every worker inside `work` while items wait in the queue: a worker thread more than
/// asked for would take one of them and enter too. Fewer workers would pass here (other tests
/// prove they work at once).
fn no_more_workers_than_asked() {
    for (workers, allowed) in [(3usize, 3usize), (0, 1)] {
        let gauge = Arc::new(Gauge::new());
        let gate = Arc::new(Gate::default());
        let producers: Vec<Vec<u32>> = (0..2).map(|p| (p * 100..p * 100 + 20).collect()).collect();
        let want = producers.clone();
        let (inside, g) = (Arc::clone(&gauge), Arc::clone(&gate));
        let run = std::thread::spawn(move || {
            pipeline(producers, workers, 2, move |x| {
                let _in = inside.enter();
                g.wait();
                x
            })
        });
        // Items wait in the queue while the workers are held, so every worker thread there is
        // comes in: wait until `allowed` are inside and no other has come for 1 s.
        let until = Instant::now() + Duration::from_secs(4);
        let mut last = (usize::MAX, Instant::now());
        while Instant::now() < until && !run.is_finished() && gauge.now() <= allowed {
            let now = gauge.now();
            if now != last.0 {
                last = (now, Instant::now());
            } else if now >= allowed && last.1.elapsed() >= Duration::from_secs(1) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        gate.open();
        let out = kit::within(
            STEP,
            &format!("the pipeline with {workers} workers, after the gate opened"),
            move || match run.join() {
                Ok(out) => out,
                Err(panic) => std::panic::resume_unwind(panic),
            },
        );
        let asked = if workers == 0 {
            "0 workers (which counts as 1)".to_string()
        } else {
            format!("{workers} workers")
        };
        kit::at_most(
            &format!("threads inside `work` at once, with {asked} asked for"),
            gauge.peak() as f64,
            allowed as f64,
            "threads",
        );
        assert_eq!(out, want, "every item, in order");
    }
}

/// Runs `pipeline` expecting it to panic: a planted panic in one of its threads must come out.
/// That is the one trace of a producer or worker left unjoined that a test may fairly look for:
/// the queue and the results channel close only after its last act (dropping its sender), and
/// the thread-local destructors that run after it are not waited for by `thread::scope`'s
/// implicit join, which is a correct way to join.
fn expect_panic_out(what: &str, run: impl FnOnce() -> Vec<Vec<u32>> + Send + 'static, lost: &str) {
    let outcome = kit::within(STEP, what, move || catch_unwind(AssertUnwindSafe(run)));
    // A stub's todo!() is a panic too, but not the one planted here: it is still not written.
    if let Err(payload) = &outcome {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned());
        if text.is_some_and(|t| t.starts_with("not yet implemented") || t.starts_with("not implemented")) {
            std::panic::resume_unwind(outcome.err().expect("checked above"));
        }
    }
    if let Ok(out) = outcome {
        let lengths: Vec<usize> = out.iter().map(Vec::len).collect();
        panic!(
            "{what}: pipeline returned normally (results per producer: {lengths:?}), so the panic was lost: {lost}. Join every thread and pass its panic on (`join().expect(..)`)"
        );
    }
}

fn a_producer_panic_reaches_the_caller() {
    // Producer 1 hands out 6 of its 10 items, then panics.
    let producers: Vec<_> = (0..3u32)
        .map(|p| {
            (0..10u32).map(move |i| {
                if p == 1 && i == 6 {
                    panic!("producer 1 panics at its item 6, on purpose");
                }
                p * 100 + i
            })
        })
        .collect();
    expect_panic_out(
        "the pipeline whose producer 1 panics after 6 of its 10 items",
        move || pipeline(producers, 2, 2, |x| x),
        "the caller cannot tell a producer that failed from one that had fewer items",
    );
}

fn a_work_panic_reaches_the_caller() {
    // `work` panics on the last item of producer 1, so no result is missing in the middle.
    let producers: Vec<Vec<u32>> = (0..3u32).map(|p| (p * 100..p * 100 + 10).collect()).collect();
    expect_panic_out(
        "the pipeline whose `work` panics on item 109 (producer 1's last)",
        move || {
            pipeline(producers, 3, 2, |x| {
                if x == 109 {
                    panic!("work panics on item 109, on purpose");
                }
                x
            })
        },
        "the worker died, and with it a result, without a word to the caller",
    );
}

fn shutdown_joins_every_thread() {
    let baseline = kit::procs::baseline_threads();
    for (workers, bound) in [(3, 2), (1, 0), (6, 10)] {
        let producers = vec![0..50u32, 100..130, 0..0];
        let out = kit::within(STEP, "the pipeline", move || pipeline(producers, workers, bound, |x| x + 1));
        assert_eq!(out[1], (101..131).collect::<Vec<_>>());
    }
    let left = kit::procs::threads_left(baseline, Duration::from_secs(1));
    kit::at_most("threads still alive after pipeline returned", left, 0, "threads");
}

fn waiting_workers_use_no_cpu() {
    let meter = kit::require_some(kit::Needs::ProcessCpu, kit::CpuMeter::start());
    // Two slow producers: the workers spend most of the run waiting on an empty queue.
    let slow = |base: u32| {
        (0..3).map(move |i| {
            std::thread::sleep(Duration::from_millis(150));
            base + i
        })
    };
    let out = kit::within(STEP, "the pipeline", move || pipeline(vec![slow(0), slow(10)], 4, 2, |x| x));
    let span = meter.stop();
    assert_eq!(out, vec![vec![0, 1, 2], vec![10, 11, 12]]);
    kit::at_most("CPU seconds per wall second while workers waited", span.parallelism(), IDLE_CPU, "x");
}

fn idle_manager_and_printer_use_no_cpu() {
    let (printer, printed) = spawn_printer(Vec::new());
    let (tx, manager) = spawn_counter(printer);
    let meter = kit::CpuMeter::start();
    std::thread::sleep(Duration::from_millis(400));
    let span = meter.map(|m| m.stop());
    tx.send(5).expect("the manager hung up");
    drop(tx);
    let total =
        kit::within(STEP, "joining the manager", move || manager.join().expect("the manager panicked"));
    assert_eq!(total, 5);
    kit::within(STEP, "joining the printer", move || printed.join().expect("the printer panicked"));
    let span = kit::require_some(kit::Needs::ProcessCpu, span);
    kit::at_most("CPU seconds per wall second while nothing was sent", span.parallelism(), IDLE_CPU, "x");
}

/// A writer that keeps what it is given until it is flushed, as a `BufWriter` or a pipe does.
struct Buffered {
    pending: Vec<u8>,
    flushed: Vec<u8>,
    flushes: usize,
}

impl std::io::Write for Buffered {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.flushed.append(&mut self.pending);
        self.flushes += 1;
        Ok(())
    }
}

fn printer_flushes_before_it_returns() {
    let out = Buffered { pending: Vec::new(), flushed: Vec::new(), flushes: 0 };
    let (tx, printer) = spawn_printer(out);
    for i in 0..100 {
        tx.send(format!("line {i}")).expect("the printer hung up");
    }
    drop(tx);
    let out = kit::within(STEP, "joining the printer", move || printer.join().expect("the printer panicked"));
    let want: String = (0..100).map(|i| format!("line {i}\n")).collect();
    kit::figure("flushes", out.flushes, "");
    if !out.pending.is_empty() {
        panic!(
            "the printer returned `out` with {} bytes written but never flushed: flush it before the thread ends",
            out.pending.len()
        );
    }
    assert_eq!(String::from_utf8_lossy(&out.flushed), want, "every line, flushed, in order");
}

fn an_unused_manager_and_printer_stop_cleanly() {
    let (printer, printed) = spawn_printer(Vec::new());
    let (tx, manager) = spawn_counter(printer);
    drop(tx);
    let total = kit::within(STEP, "joining a manager that received nothing", move || {
        manager.join().expect("the manager panicked")
    });
    assert_eq!(total, 0, "a manager that received nothing counts 0");
    let out = kit::within(STEP, "joining the printer of that manager", move || {
        printed.join().expect("the printer panicked")
    });
    assert_eq!(String::from_utf8_lossy(&out), "", "nothing was counted, so nothing is printed");
}

fn pipeline_producers_run_at_once() {
    const PRODUCERS: usize = 4;
    let latch = Arc::new(Rendezvous::new(PRODUCERS, Duration::from_secs(3)));
    // Each producer's first item waits until every producer is handing out its first item.
    let producers: Vec<_> = (0..PRODUCERS as u32)
        .map(|p| {
            let latch = Arc::clone(&latch);
            (0..5u32).map(move |i| {
                if i == 0 {
                    latch.wait();
                }
                p * 10 + i
            })
        })
        .collect();
    let out = kit::within(STEP, "the pipeline", move || pipeline(producers, 2, 8, |x| x));
    kit::at_least("producers handing out items at once", latch.most_inside(), PRODUCERS, "producers");
    let want: Vec<Vec<u32>> = (0..PRODUCERS as u32).map(|p| (0..5).map(|i| p * 10 + i).collect()).collect();
    assert_eq!(out, want);
}
