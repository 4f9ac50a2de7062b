//! Run it and see what happens: `cargo run -p futures-by-hand --example demo`
//!
//! The tutorial steps two `countdown` generators by hand, then lets a little scheduler take
//! turns between three of them. Here the same thing with futures: `join` is the scheduler,
//! `block_on` the loop that drives it. Then two sleeps, one after the other and joined, with
//! the CPU time each run used while it waited.

use std::future::Future;
use std::time::{Duration, Instant};

use futures_by_hand::{Countdown, block_on, join, sleep};

/// A countdown that prints each tick under its name, and "finished" when it is done.
async fn task(name: &'static str, from: u32) {
    Countdown::new(from, move |n| println!("  {name}: {n}")).await;
    println!("  {name}: finished");
}

/// Runs `f`, then prints its wall time and the CPU time the whole process used meanwhile.
fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let meter = kit::CpuMeter::start();
    let start = Instant::now();
    let value = f();
    let wall = start.elapsed().as_secs_f64();
    let cpu = meter.map(|m| format!("{:.4} s CPU", m.stop().cpu.as_secs_f64()));
    println!("{label:<44} {wall:>6.3} s wall  {}", cpu.unwrap_or_default());
    value
}

fn main() {
    println!("A future does nothing until it is polled:");
    let lazy = task("lazy", 2);
    println!("  (created `lazy`, nothing printed yet)");
    block_on(lazy);

    println!("\nTwo countdowns joined take turns, like the tutorial's generators:");
    block_on(join(task("c1", 3), task("c2", 5)));

    println!("\nThree at once (join of a join), like the tutorial's task scheduler:");
    block_on(join(task("ten", 4), join(task("five", 2), task("twenty", 6))));

    println!("\nTwo sleeps of 0.5 s:");
    let nap = || sleep(Duration::from_millis(500));
    timed("  one after the other (a.await; b.await)", || {
        block_on(async {
            nap().await;
            nap().await;
        })
    });
    timed("  joined (join(a, b))", || block_on(join(nap(), nap())));
    println!("  Waiting costs (almost) no CPU: block_on sleeps until a waker wakes it.");

    // poll_fn makes a future from a closure: here, one that counts the polls of a sleep.
    let mut nap = Box::pin(sleep(Duration::from_millis(300)));
    let mut polls = 0;
    block_on(std::future::poll_fn(|cx| {
        polls += 1;
        nap.as_mut().poll(cx)
    }));
    println!("\nsleep(0.3 s) was polled {polls} times: once to start the timer, once after its wake-up.");
}
