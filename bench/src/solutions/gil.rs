//! The GIL (08): how long a waiter waits for a thread that runs bytecode and checks for a
//! switch, against the 5 ms switch interval; and what the check costs per bytecode, against no
//! check and against the fine-grained alternative, a `std::sync::Mutex` taken per bytecode.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::Instant;

use super::gil_solution::{DEFAULT_SWITCH_INTERVAL, Interpreter};
use super::{human, interleaved, ratio, time, verdict};
use crate::table::{Row, median};

/// Switches measured; the figure is their median.
const SWITCHES: usize = 41;
const BYTECODES: u64 = 20_000_000;

/// One tiny "bytecode" on the interpreter's state.
#[inline(always)]
fn bytecode(x: &mut u64) {
    *x = black_box(x.rotate_left(5) ^ 0x9E37).wrapping_mul(0x100_0000_01B3);
}

/// Seconds from a waiter asking for the lock to getting it, while another thread holds it and
/// runs bytecode with `check_switch` between them.
fn switch_latency() -> f64 {
    let interp = Interpreter::new(0u64);
    let holding = Barrier::new(2);
    let stop = AtomicBool::new(false);
    let mut waits = Vec::with_capacity(SWITCHES);
    thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..SWITCHES {
                interp
                    .with_gil(|py| {
                        holding.wait();
                        while !stop.load(Ordering::Relaxed) {
                            bytecode(py.state());
                            py.check_switch();
                        }
                    })
                    .expect("not held");
                holding.wait(); // out of the lock: the waiter may clear `stop`
            }
        });
        for _ in 0..SWITCHES {
            holding.wait(); // the holder is running bytecode
            let asked = Instant::now();
            let waited = interp
                .with_gil(|_| {
                    stop.store(true, Ordering::Relaxed);
                    asked.elapsed().as_secs_f64()
                })
                .expect("not held");
            waits.push(waited);
            holding.wait(); // the holder saw `stop` and left
            stop.store(false, Ordering::Relaxed);
        }
    });
    median(&mut waits)
}

pub fn rows() -> Vec<Row> {
    let interval = DEFAULT_SWITCH_INTERVAL.as_secs_f64();
    let wait = switch_latency();
    let latency = wait / interval;

    let interp = Interpreter::new(1u64);
    let plain = Mutex::new(1u64);
    let [with_check, without, mutex] = interleaved([
        &mut || {
            time(|| {
                interp
                    .with_gil(|py| {
                        for _ in 0..BYTECODES {
                            bytecode(py.state());
                            py.check_switch();
                        }
                    })
                    .expect("not held");
            })
        },
        &mut || {
            time(|| {
                interp
                    .with_gil(|py| {
                        for _ in 0..BYTECODES {
                            bytecode(py.state());
                        }
                    })
                    .expect("not held");
            })
        },
        &mut || {
            time(|| {
                for _ in 0..BYTECODES {
                    bytecode(&mut plain.lock().expect("not poisoned"));
                }
            })
        },
    ]);
    let per = |t: f64| t / BYTECODES as f64;
    let overhead = per(with_check) - per(without);
    vec![
        Row::new(
            "GIL (08): a waiter's wait while a thread runs bytecode, against the 5 ms switch interval",
            format!("{} vs {}: {}", human(wait), human(interval), ratio(latency)),
        )
        .goal("1× to 1.2×")
        .note(notes_for_latency(latency)),
        Row::new(
            "GIL (08): the token check per bytecode (`check_switch`, uncontended)",
            format!(
                "{:.2} ns ({} with it vs {} without: {})",
                overhead.max(0.0) * 1e9,
                human(per(with_check)),
                human(per(without)),
                ratio(with_check / without)
            ),
        )
        .goal("≤ 1 ns")
        .note(super::notes(
            "a relaxed atomic load and a branch; the bytecode here is a few instructions, where a \
             real interpreter's takes tens of ns, so the ratio overstates the cost",
            verdict(
                overhead <= 1e-9,
                "more than a load and a branch should cost: likely noise from the load",
            ),
        )),
        Row::new(
            "GIL (08): a bytecode under a `std::sync::Mutex` taken for it / under the GIL with its check",
            format!("{} vs {}: {}", human(per(mutex)), human(per(with_check)), ratio(mutex / with_check)),
        )
        .note("what fine-grained locking would cost instead of one token held across bytecodes"),
    ]
}

fn notes_for_latency(latency: f64) -> String {
    if latency < 1.0 {
        "**misses its goal**: a waiter got the lock before a whole interval passed".into()
    } else {
        super::notes(
            format!("median of {SWITCHES} switches"),
            verdict(latency <= 1.2, "the waiter's wake-up after its timed wait, on a busy machine"),
        )
    }
}
