//! Who may use the cores: a timing test runs alone, not only among the tests of one grading
//! but across the slots of a batch, whose builds and tests would otherwise skew its clock.

use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Taken on the way in by everyone, and held by a waiting timing test, so a stream of
/// shared work cannot starve it.
static TURNSTILE: Mutex<()> = Mutex::new(());
static CORES: RwLock<()> = RwLock::new(());

/// Held while building or running a test beside others.
pub struct Shared {
    _cores: RwLockReadGuard<'static, ()>,
}

/// Held while a timing test runs: nothing else of this process builds or runs meanwhile.
pub struct Alone {
    _turn: MutexGuard<'static, ()>,
    _cores: RwLockWriteGuard<'static, ()>,
}

/// The cores this process may use: tests at once by default.
pub fn available() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Waits until no timing test runs or waits, then shares the cores.
pub fn share() -> Shared {
    let _turn = TURNSTILE.lock().unwrap_or_else(PoisonError::into_inner);
    Shared { _cores: CORES.read().unwrap_or_else(PoisonError::into_inner) }
}

/// Waits for the shared work already started to finish, then has the cores alone.
pub fn alone() -> Alone {
    let turn = TURNSTILE.lock().unwrap_or_else(PoisonError::into_inner);
    Alone { _turn: turn, _cores: CORES.write().unwrap_or_else(PoisonError::into_inner) }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    const NOT_YET: Duration = Duration::from_millis(200);
    const SOON: Duration = Duration::from_secs(10);

    /// One test: the locks are process-wide, so parallel tests would disturb each other.
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
        let (late_tx, late_rx) = mpsc::channel();
        let late = std::thread::spawn(move || {
            let _guard = share();
            late_tx.send(()).unwrap();
        });
        assert!(late_rx.recv_timeout(NOT_YET).is_err(), "new shared work overtook a waiting timing test");

        drop(first);
        alone_rx.recv_timeout(SOON).expect("the timing test ran once the shared work ended");
        assert!(late_rx.recv_timeout(NOT_YET / 2).is_err(), "shared work ran beside the timing test");
        late_rx.recv_timeout(SOON).expect("shared work resumed after the timing test");
        timing.join().unwrap();
        late.join().unwrap();
    }
}
