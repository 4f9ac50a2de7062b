//! Who may use the cores: a timing test runs alone, not only among the tests of one grading
//! but across the slots of a batch, whose builds and tests would otherwise skew its clock.
//! Other work takes one of `--jobs` places, counted across the slots too, so a batch runs no
//! more at once than one grading, and a slot with work left uses the places others leave.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Taken on the way in by everyone, and held by a waiting timing test, so a stream of
/// shared work cannot starve it.
static TURNSTILE: Mutex<()> = Mutex::new(());
/// How many builds and tests share the cores now.
static BUSY: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();
/// How many may share them at once, across every slot of a batch; 0 means one per core.
static CAPACITY: AtomicUsize = AtomicUsize::new(0);

/// Held while building or running a test beside others: one of the shared places.
pub struct Shared(());

/// Held while a timing test runs: nothing else of this process builds or runs meanwhile.
pub struct Alone {
    _turn: MutexGuard<'static, ()>,
}

/// The cores this process may use: tests at once by default.
pub fn available() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// How many builds and tests may share the cores at once (`--jobs`); 0 for one per core.
pub fn set_capacity(places: usize) {
    CAPACITY.store(places, Ordering::Relaxed);
}

/// How many builds and tests may share the cores at once: `--jobs`, or one per core.
pub fn capacity() -> usize {
    match CAPACITY.load(Ordering::Relaxed) {
        0 => available(),
        n => n,
    }
}

fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits until no timing test runs or waits and a place is free, then takes it.
pub fn share() -> Shared {
    let _turn = lock(&TURNSTILE);
    let mut busy = lock(&BUSY);
    while *busy >= capacity() {
        busy = FREED.wait(busy).unwrap_or_else(PoisonError::into_inner);
    }
    *busy += 1;
    Shared(())
}

impl Drop for Shared {
    fn drop(&mut self) {
        *lock(&BUSY) -= 1;
        FREED.notify_all();
    }
}

/// Waits for the shared work already started to finish, then has the cores alone.
pub fn alone() -> Alone {
    let turn = lock(&TURNSTILE);
    let mut busy = lock(&BUSY);
    while *busy > 0 {
        busy = FREED.wait(busy).unwrap_or_else(PoisonError::into_inner);
    }
    Alone { _turn: turn }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    const NOT_YET: Duration = Duration::from_millis(200);
    const SOON: Duration = Duration::from_secs(10);

    /// A thread that takes a place and says so.
    fn share_in_a_thread() -> (std::thread::JoinHandle<()>, mpsc::Receiver<()>) {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let _guard = share();
            tx.send(()).unwrap();
        });
        (thread, rx)
    }

    /// One test: the places are process-wide, so parallel tests would disturb each other.
    #[test]
    fn a_timing_test_waits_for_shared_work_and_blocks_new_work() {
        let first = share();
        let (alone_tx, alone_rx) = mpsc::channel();
        let timing = std::thread::spawn(move || {
            let guard = alone();
            alone_tx.send(()).unwrap();
            std::thread::sleep(NOT_YET);
            drop(guard);
        });
        assert!(alone_rx.recv_timeout(NOT_YET).is_err(), "the timing test ran beside shared work");

        // Shared work asked for while the timing test waits queues behind it.
        let (late, late_rx) = share_in_a_thread();
        assert!(late_rx.recv_timeout(NOT_YET).is_err(), "new shared work overtook a waiting timing test");

        drop(first);
        alone_rx.recv_timeout(SOON).expect("the timing test ran once the shared work ended");
        assert!(late_rx.recv_timeout(NOT_YET / 2).is_err(), "shared work ran beside the timing test");
        late_rx.recv_timeout(SOON).expect("shared work resumed after the timing test");
        timing.join().unwrap();
        late.join().unwrap();

        // Past the capacity, shared work waits for a place, whichever slot it comes from.
        set_capacity(1);
        let held = share();
        let (next, next_rx) = share_in_a_thread();
        assert!(next_rx.recv_timeout(NOT_YET).is_err(), "shared work ran past the capacity");
        drop(held);
        next_rx.recv_timeout(SOON).expect("shared work took the place freed");
        next.join().unwrap();
        set_capacity(0);
    }
}
