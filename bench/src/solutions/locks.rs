//! The spin lock and the ticket lock (13) against `std::sync::Mutex`, under contention: two
//! threads each take the lock for a short critical section, over and over.

use std::hint::black_box;
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::Instant;

use super::spin_lock_solution::{SpinLock, TicketLock};
use super::{busy_machine, free_cores, human, interleaved, notes, ratio, thousands, verdict};
use crate::table::Row;

const THREADS: usize = 2;
const PER_THREAD: u64 = 1_000_000;

/// Seconds for `THREADS` threads to take the lock `PER_THREAD` times each; `lock` takes the lock
/// and increments the counter behind it.
fn contend(lock: &(dyn Fn() + Sync)) -> f64 {
    let start = Barrier::new(THREADS + 1);
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                start.wait();
                for _ in 0..PER_THREAD {
                    lock();
                }
            });
        }
        start.wait();
        // The clock starts when the threads are released and stops when the last one is joined.
        Instant::now()
    })
    .elapsed()
    .as_secs_f64()
}

pub fn rows() -> Vec<Row> {
    let spin = SpinLock::new(0u64);
    let ticket = TicketLock::new(0u64);
    let mutex = Mutex::new(0u64);
    let free = free_cores();
    let [t_spin, t_ticket, t_mutex] = interleaved([
        &mut || contend(&|| *spin.lock() += black_box(1)),
        &mut || contend(&|| *ticket.lock() += black_box(1)),
        &mut || contend(&|| *mutex.lock().expect("not poisoned") += black_box(1)),
    ]);
    let total = (THREADS as u64 * PER_THREAD) as f64;
    let expected = super::REPEATS as u64 * THREADS as u64 * PER_THREAD;
    let exact = spin.into_inner() == expected
        && ticket.into_inner() == expected
        && mutex.into_inner().expect("not poisoned") == expected;
    let per = |t: f64| format!("{} ({} a lock)", human(t), human(t / total));
    let mut rows = vec![
        Row::new(
            format!("`std::sync::Mutex`, {THREADS} threads × {} increments", thousands(PER_THREAD)),
            per(t_mutex),
        )
        .note(if exact { String::new() } else { "**wrong result**: a counter lost updates".into() }),
        Row::new("spin lock (13), same", per(t_spin)),
        Row::new("ticket lock (13), same", per(t_ticket)),
    ];
    let cores = super::cores();
    rows.push(Row::new("spin lock / Mutex, time", ratio(t_spin / t_mutex)).goal("≤ 1.5×").note(notes(
        verdict(
            t_spin <= 1.5 * t_mutex,
            notes("a spinner burns its time slice while the holder is descheduled", busy_machine(free)),
        ),
        "unfair: the thread that just unlocked often takes the lock again while the cache line is \
         still its own; the Mutex spins briefly too before it sleeps on a futex",
    )));
    rows.push(Row::new("ticket lock / Mutex, time", ratio(t_ticket / t_mutex)).goal("≤ 3×").note(notes(
        verdict(
            t_ticket <= 3.0 * t_mutex,
            format!(
                "fairness has a price: the lock goes to the other thread nearly every time (a \
                 cache-line transfer per acquisition), and while the thread holding the next ticket \
                 is not running on one of the {cores} cores, everyone waits for it; {}",
                busy_machine(free)
            ),
        ),
        "strict FIFO hand-over",
    )));
    rows
}
