//! Hidden tests of kata 13: spin-lock, on real threads. Mutual exclusion is proved by a gauge
//! inside the critical section and by a counter updated with a separate read and write; the
//! ticket lock's order is checked against the order the threads took their tickets.
//!
//! Memory orderings cannot be checked here: on x86 even Relaxed atomics behave like
//! Acquire/Release. The loom suite (13-spin-lock.loom.rs) checks them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

use kit::{Gauge, test};
use spin_lock::*;

/// A step that must finish at once on a correct lock; on a broken one it would spin for ever.
const STEP: Duration = Duration::from_secs(5);
/// The contention tests take milliseconds on an idle machine, but a waiter that spins while the
/// holder waits for a core can stretch them to seconds on a loaded one.
const CONTENTION: Duration = Duration::from_secs(20);
const CONTENTION_DEADLINE: Duration = Duration::from_secs(30);

fn main() {
    kit::suite(&[
        test!(spin_lock_guards_the_value)
            .hint("lock() returns a guard; Deref/DerefMut reach the value in the cell"),
        test!(try_lock_fails_while_held)
            .hint("try_lock: one compare_exchange(false, true, ..); Some(guard) on success, None otherwise"),
        test!(spin_lock_excludes_under_contention).points(3).timing().deadline(CONTENTION_DEADLINE).hint(
            "only the thread whose compare_exchange turned the flag from false to true may enter; \
             everyone else spins until it sees false again",
        ),
        test!(dropping_the_guard_unlocks)
            .points(2)
            .hint("impl Drop for SpinLockGuard: store false into the flag (with Release)"),
        test!(a_panic_while_holding_unlocks)
            .points(2)
            .hint("unlock in the guard's Drop: a panic unwinds the stack and drops the guard too"),
        test!(ticket_lock_excludes_under_contention)
            .points(3)
            .timing()
            .deadline(CONTENTION_DEADLINE)
            .hint("take a ticket with fetch_add, spin until now_serving equals it, serve the next in Drop"),
        test!(ticket_lock_serves_in_arrival_order).points(3).timing().hint(
            "wait for your own ticket (now_serving == ticket), not for the lock to look free: \
             that lets a later thread overtake",
        ),
        test!(ticket_lock_unlocks_on_drop_and_panic)
            .points(2)
            .hint("impl Drop for TicketLockGuard: add one to now_serving (with Release)"),
        test!(queue_len_counts_holder_and_waiters)
            .hint("queue_len = tickets handed out - tickets served (wrapping_sub)"),
    ]);
}

/// Runs `f` under a step deadline: a lock that never opens becomes a failure naming the step.
fn step<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    kit::within(STEP, what, f)
}

/// Waits up to `STEP` for `cond`; false if it never held.
fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < STEP {
        if cond() {
            return true;
        }
        thread::sleep(Duration::from_millis(1));
    }
    cond()
}

/// A read-modify-write spread over a few instructions, so two threads inside at once lose
/// updates (a single `+= 1` would rarely show it).
fn slow_increment(counter: &mut u64) {
    let v = std::hint::black_box(*counter);
    for _ in 0..20 {
        std::hint::spin_loop();
    }
    *counter = v + 1;
}

fn spin_lock_guards_the_value() {
    let lock = SpinLock::new(vec![1, 2]);
    {
        let mut g = lock.lock();
        g.push(3);
        assert_eq!(g.len(), 3, "the guard derefs to the value");
    }
    let (copy, lock) = step("locking again after the guard dropped", move || {
        let copy = lock.lock().clone();
        (copy, lock)
    });
    assert_eq!(copy, vec![1, 2, 3], "a write made through the guard is kept");
    assert_eq!(lock.into_inner(), vec![1, 2, 3], "into_inner returns the value");
}

fn try_lock_fails_while_held() {
    let lock = Arc::new(SpinLock::new(7));
    let g = lock.try_lock().expect("try_lock on a free lock must succeed");
    assert_eq!(*g, 7);
    assert!(lock.try_lock().is_none(), "try_lock succeeded while a guard was alive");
    let other = lock.clone();
    let from_elsewhere = step("try_lock from another thread", move || other.try_lock().is_none());
    assert!(from_elsewhere, "try_lock from another thread succeeded while a guard was alive");
    drop(g);
    assert!(lock.try_lock().is_some(), "try_lock failed after the guard was dropped");
}

/// The two locks seen alike by [`contend`].
trait Lock: Send + Sync + 'static {
    fn update(&self, f: impl FnOnce(&mut u64));
}

impl Lock for SpinLock<u64> {
    fn update(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.lock());
    }
}

impl Lock for TicketLock<u64> {
    fn update(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.lock());
    }
}

/// The structural half of mutual exclusion: the lock opens again after use, and while one
/// thread holds it, another thread's lock() does not return.
fn excludes_a_second_thread(lock: &Arc<impl Lock>) {
    // A lock that never opens again fails here, within STEP, not after the long deadline.
    let again = lock.clone();
    step("locking, unlocking and locking again on one thread", move || {
        again.update(|_| ());
        again.update(|_| ());
    });
    let started = Arc::new(AtomicBool::new(false));
    let entered = Arc::new(AtomicBool::new(false));
    let (l, s, e) = (lock.clone(), started.clone(), entered.clone());
    let mut other = None;
    lock.update(|_| {
        other = Some(thread::spawn(move || {
            s.store(true, SeqCst);
            l.update(|_| e.store(true, SeqCst));
        }));
        assert!(eventually(|| started.load(SeqCst)), "the second thread did not start");
        thread::sleep(Duration::from_millis(100));
        assert!(!entered.load(SeqCst), "a second thread got the lock while a guard was alive");
    });
    let other = other.expect("spawned");
    step("a waiting thread taking the lock once it was free", move || other.join())
        .expect("the waiting thread panicked");
    assert!(entered.load(SeqCst));
}

/// `threads` threads each lock `rounds` times; returns (final count, most threads inside).
fn contend(lock: Arc<impl Lock>, threads: usize, rounds: u64) -> (u64, usize) {
    let gauge = Arc::new(Gauge::new());
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (lock, gauge) = (lock.clone(), gauge.clone());
            thread::spawn(move || {
                for _ in 0..rounds {
                    lock.update(|count| {
                        let _inside = gauge.enter();
                        slow_increment(count);
                    });
                    // Offer the core to a waiting thread, maybe the next in line: with more
                    // threads than cores, a spinning waiter can otherwise keep the next holder
                    // off the core for a whole time slice, round after round.
                    thread::yield_now();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a locking thread panicked");
    }
    let mut count = 0;
    lock.update(|c| count = *c);
    (count, gauge.peak())
}

fn spin_lock_excludes_under_contention() {
    const THREADS: usize = 3;
    const ROUNDS: u64 = 300;
    let lock = Arc::new(SpinLock::new(0u64));
    excludes_a_second_thread(&lock);
    lock.update(|count| *count = 0);
    let (count, peak) =
        kit::within(CONTENTION, "3 threads locking 300 times each", move || contend(lock, THREADS, ROUNDS));
    kit::at_most("threads inside the lock at once", peak, 1, "threads");
    kit::at_least("increments kept", count, THREADS as u64 * ROUNDS, "increments");
    assert_eq!(count, THREADS as u64 * ROUNDS, "more increments than were made");
}

fn dropping_the_guard_unlocks() {
    let lock = Arc::new(SpinLock::new(0u64));
    *lock.lock() += 1;
    assert!(lock.try_lock().is_some(), "try_lock failed after the guard was dropped: the lock stayed locked");
    let again = lock.clone();
    step("locking again on the same thread", move || *again.lock() += 1);
    let other = lock.clone();
    step("locking from another thread", move || *other.lock() += 1);
    assert_eq!(*lock.lock(), 3);
}

fn a_panic_while_holding_unlocks() {
    let lock = Arc::new(SpinLock::new(0u64));
    let inside = lock.clone();
    let outcome = thread::spawn(move || {
        let mut g = inside.lock();
        *g = 41;
        panic!("planned panic while holding the spin lock");
    })
    .join();
    assert!(outcome.is_err(), "the thread should have panicked");
    let after = lock.clone();
    let seen = step("locking after a holder panicked", move || {
        let mut g = after.lock();
        *g += 1;
        *g
    });
    assert_eq!(seen, 42, "the write made before the panic must be visible to the next holder");
}

fn ticket_lock_excludes_under_contention() {
    // When more threads spin than there are cores, a ticket lock hands over only when the
    // thread with the next ticket happens to be running (a convoy): a round can cost a time
    // slice, so the rounds are few.
    const THREADS: usize = 3;
    const ROUNDS: u64 = 200;
    let lock = Arc::new(TicketLock::new(0u64));
    excludes_a_second_thread(&lock);
    lock.update(|count| *count = 0);
    let (count, peak) =
        kit::within(CONTENTION, "3 threads locking 200 times each", move || contend(lock, THREADS, ROUNDS));
    kit::at_most("threads inside the lock at once", peak, 1, "threads");
    kit::at_least("increments kept", count, THREADS as u64 * ROUNDS, "increments");
    assert_eq!(count, THREADS as u64 * ROUNDS, "more increments than were made");
}

fn ticket_lock_serves_in_arrival_order() {
    const WAITERS: usize = 5;
    let lock = Arc::new(TicketLock::new(Vec::new()));
    for round in 0..4 {
        let held = lock.lock();
        let mut handles = Vec::new();
        for i in 0..WAITERS {
            let l = lock.clone();
            handles.push(thread::spawn(move || l.lock().push(i)));
            // Thread i has its ticket once the queue holds us, threads 0..i and it.
            let want = i + 2;
            if !eventually(|| lock.queue_len() == want) {
                panic!(
                    "queue_len() is {} after {} thread(s) called lock() while the lock was held; \
                     expected {want}: the holder and the waiters",
                    lock.queue_len(),
                    i + 1
                );
            }
        }
        drop(held);
        let l = lock.clone();
        let order = step("serving 5 waiting threads", move || {
            for h in handles {
                h.join().expect("a waiting thread panicked");
            }
            std::mem::take(&mut *l.lock())
        });
        assert_eq!(
            order,
            (0..WAITERS).collect::<Vec<_>>(),
            "round {round}: threads got the lock in this order, but arrived as 0, 1, 2, 3, 4"
        );
    }
}

fn ticket_lock_unlocks_on_drop_and_panic() {
    let fresh = step("a first lock and unlock of a ticket lock", || {
        let lock = TicketLock::new(vec![1]);
        lock.lock().push(2);
        lock
    });
    assert_eq!(fresh.into_inner(), vec![1, 2], "into_inner returns the value written through the guard");
    let lock = Arc::new(TicketLock::new(0u64));
    *lock.lock() += 1;
    let again = lock.clone();
    step("locking again after the guard dropped", move || *again.lock() += 1);
    let inside = lock.clone();
    let outcome = thread::spawn(move || {
        let mut g = inside.lock();
        *g += 1;
        panic!("planned panic while holding the ticket lock");
    })
    .join();
    assert!(outcome.is_err(), "the thread should have panicked");
    let after = lock.clone();
    let seen = step("locking after a holder panicked", move || *after.lock());
    assert_eq!(seen, 3, "every write made under the lock must be visible to the next holder");
}

fn queue_len_counts_holder_and_waiters() {
    let lock = Arc::new(TicketLock::new(()));
    assert_eq!(lock.queue_len(), 0, "a new lock has no queue");
    let held = lock.lock();
    assert_eq!(lock.queue_len(), 1, "the holder counts");
    let l = lock.clone();
    let waiter = thread::spawn(move || drop(l.lock()));
    assert!(
        eventually(|| lock.queue_len() == 2),
        "queue_len() is {} with a holder and a waiter",
        lock.queue_len()
    );
    drop(held);
    step("the waiter taking the lock", move || waiter.join().expect("the waiter panicked"));
    assert_eq!(lock.queue_len(), 0, "everyone has left");
}
