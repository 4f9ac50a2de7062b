//! Hidden loom tests of kata 13: spin-lock. The grader builds this file with
//! `RUSTFLAGS="--cfg loom"`, so the exercise's `sync` facade hands the locks loom's atomics and
//! cells. `loom::model` then runs each closure under every interleaving of its threads (with at
//! most a few preemptions) and panics on a data race on the cell ("Causality violation"), on a
//! deadlock, or on a spin that never ends. Unlike the tests on real threads, this catches memory
//! orderings that are too weak, even on x86.

use std::any::TypeId;
// The counter of explored executions lives outside the model: std's atomic, not loom's.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use kit::test;
use loom::sync::Arc;
use loom::thread;
use spin_lock::*;

/// A model takes well under a second here; a broken lock can make loom search much longer.
const MODEL: Duration = Duration::from_secs(30);
/// How many times each locking thread takes the lock in a model.
const ROUNDS: usize = 2;

fn main() {
    kit::suite(&[
        test!(loom_spin_lock_two_threads_no_race).points(3).deadline(MODEL).hint(
            "lock with Acquire and unlock with Release: with Relaxed the next holder may not see \
             the last one's writes (\"Causality violation\"); \"maximum number of branches\" means a \
             spin that never ends: unlock in Drop, and spin with sync::spin_loop()",
        ),
        test!(loom_spin_lock_try_lock_no_race)
            .points(2)
            .deadline(MODEL)
            .hint("try_lock's compare_exchange needs Acquire when it succeeds, like lock's"),
        test!(loom_ticket_lock_three_threads_no_race).points(3).deadline(MODEL).hint(
            "wait for now_serving with an Acquire load and sync::spin_loop(); serve the next ticket \
             with Release; take tickets with fetch_add, not a load and a store",
        ),
    ]);
}

/// Runs `f` under every interleaving loom finds with at most `preemptions` forced switches,
/// and records how many executions that took.
fn model(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    the_sync_facade_is_loom();
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    RUNS.store(0, Ordering::Relaxed);
    // Every bound set here, so no LOOM_* variable in the environment can shorten the search.
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder.max_branches = 1_000;
    builder.max_permutations = None;
    builder.max_duration = None;
    builder.checkpoint_file = None;
    builder.location = true; // name the lines of the racing accesses in a failure
    builder.check(move || {
        RUNS.fetch_add(1, Ordering::Relaxed);
        f()
    });
    kit::figure("interleavings explored", RUNS.load(Ordering::Relaxed), "executions");
}

/// A model proves nothing if src/sync.rs was changed to hand out std's types under loom.
fn the_sync_facade_is_loom() {
    fn same<A: 'static, B: 'static>() -> bool {
        TypeId::of::<A>() == TypeId::of::<B>()
    }
    const TAMPERED: &str = "src/sync.rs must stay as shipped, but this type is not loom's under --cfg loom";
    type Bool = <sync::AtomicBool as std::ops::Deref>::Target;
    assert!(same::<Bool, loom::sync::atomic::AtomicBool>(), "{TAMPERED}: sync::AtomicBool");
    assert!(same::<sync::AtomicUsize, loom::sync::atomic::AtomicUsize>(), "{TAMPERED}: sync::AtomicUsize");
    assert!(same::<sync::UnsafeCell<u64>, loom::cell::UnsafeCell<u64>>(), "{TAMPERED}: sync::UnsafeCell");
}

/// Two spawned threads each call `add` ROUNDS times on the shared lock; returns once both joined.
fn two_adders<L: Send + Sync + 'static>(lock: &Arc<L>, add: fn(&L)) {
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let lock = lock.clone();
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    add(&lock);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a locking thread panicked");
    }
}

/// Two threads add to a counter behind the spin lock; the main thread reads it after joining.
fn loom_spin_lock_two_threads_no_race() {
    model(3, || {
        let lock = Arc::new(SpinLock::new(0usize));
        two_adders(&lock, |l| *l.lock() += 1);
        assert_eq!(*lock.lock(), 2 * ROUNDS, "an increment was lost");
    });
}

/// One thread locks and adds one, twice; the main thread's try_lock, racing it, either fails or
/// gets the lock and adds ten.
fn loom_spin_lock_try_lock_no_race() {
    model(3, || {
        let lock = Arc::new(SpinLock::new(0usize));
        let other = lock.clone();
        let writer = thread::spawn(move || {
            for _ in 0..ROUNDS {
                *other.lock() += 1;
            }
        });
        let took = match lock.try_lock() {
            Some(mut g) => {
                *g += 10;
                true
            }
            None => false,
        };
        writer.join().expect("the writer panicked");
        let want = ROUNDS + if took { 10 } else { 0 };
        assert_eq!(*lock.lock(), want, "an update was lost");
    });
}

/// Two spawned threads take tickets and add to the counter; the main thread reads it after.
fn loom_ticket_lock_three_threads_no_race() {
    model(3, || {
        let lock = Arc::new(TicketLock::new(0usize));
        two_adders(&lock, |l| *l.lock() += 1);
        assert_eq!(*lock.lock(), 2 * ROUNDS, "an increment was lost");
        assert_eq!(lock.queue_len(), 0, "every ticket was served");
    });
}
