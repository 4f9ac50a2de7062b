//! Run it and see what happens: `cargo run -p gil --example demo --release`
//!
//! The tutorial's lesson about the GIL, with your lock: CPU-bound threads under one lock take
//! as long as one thread doing all the work, while threads that wait inside `allow_threads`
//! overlap.

use std::thread;
use std::time::{Duration, Instant};

use gil::Interpreter;

/// One "bytecode": a little arithmetic on the interpreter's state.
fn bytecode(x: &mut u64) {
    for i in 0..200 {
        *x = std::hint::black_box(x.rotate_left(5) ^ i).wrapping_mul(0x100_0000_01B3);
    }
}

fn timed(label: &str, f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    let took = start.elapsed().as_secs_f64();
    println!("  {label:<44} {took:>7.3} s");
    took
}

fn main() {
    const BYTECODES: usize = 400_000;
    let interp = Interpreter::new(1u64);

    println!("CPU-bound: {BYTECODES} bytecodes of arithmetic in total");
    let one = timed("one thread does all of them", || {
        interp
            .with_gil(|py| {
                for _ in 0..BYTECODES {
                    bytecode(py.state());
                    py.check_switch();
                }
            })
            .unwrap()
    });
    let four = timed("four threads do a quarter each", || {
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    interp
                        .with_gil(|py| {
                            for _ in 0..BYTECODES / 4 {
                                bytecode(py.state());
                                py.check_switch();
                            }
                        })
                        .unwrap()
                });
            }
        })
    });
    println!(
        "  speedup {:.2}x on {} cores: one lock, one thread running at a time",
        one / four,
        thread::available_parallelism().map_or(1, |n| n.get())
    );

    println!("\nBlocking: four threads each sleep 0.5 s (think: a network request)");
    let nap = || thread::sleep(Duration::from_millis(500));
    timed("sleeping while holding the lock", || {
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| interp.with_gil(|_| nap()).unwrap());
            }
        })
    });
    timed("sleeping inside allow_threads", || {
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| interp.with_gil(|py| py.allow_threads(nap)).unwrap());
            }
        })
    });
    println!("  allow_threads lets the others in while one waits: the waits overlap");
}
