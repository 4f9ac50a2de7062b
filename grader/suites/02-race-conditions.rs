//! Hidden tests of kata 02: race conditions. Every counter is hammered by 8 threads that start
//! together at a barrier; exact totals prove no update was lost. The account is driven near
//! zero by depositors and withdrawers at once, where a check-then-act race overdraws it.

use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use kit::{Rendezvous, test};
use race_conditions::*;

const THREADS: usize = 8;
const PER_THREAD: u64 = 100_000;

fn main() {
    kit::suite(&[
        test!(locked_counter_counts_one_thread).hint("lock the Mutex, add one through the guard; get() reads it under the lock"),
        test!(locked_counter_is_exact)
            .points(2)
            .hint("hold the lock for the whole read-add-write: *self.value.lock().unwrap() += 1"),
        test!(atomic_counter_counts_one_thread).hint("AtomicU64::new(0); get() is a load"),
        test!(atomic_counter_is_exact)
            .points(2)
            .hint("a load followed by a store is two steps another thread can come between; fetch_add is one"),
        test!(atomic_counter_takes_no_lock)
            .points(2)
            .timing()
            .hint("no Mutex in AtomicCounter: one fetch_add per increment, and nobody ever waits"),
        test!(hammer_runs_every_thread_at_once)
            .points(2)
            .hint("std::thread::scope: spawn every thread first; they are joined when the scope ends"),
        test!(hammer_starts_every_thread_before_any_increments)
            .hint("a std::sync::Barrier::new(threads) that every thread waits at before its loop"),
        test!(hammer_returns_the_total).hint("return counter.get() after every thread has finished"),
        test!(account_basics).hint("withdraw takes the money only if the balance covers it, else returns false and changes nothing"),
        test!(account_never_overdraws)
            .points(3)
            .hint("the check (balance >= amount) and the act (balance -= amount) must be one step: one lock held across both, or a compare_exchange loop"),
        test!(an_empty_account_refuses_every_withdrawal)
            .points(2)
            .hint("never take money you have not checked is there: no fetch_sub first and a refund after; check and take in one step"),
        test!(account_loses_no_deposit)
            .points(2)
            .hint("a deposit is a read-modify-write too: fetch_add, or add under the lock"),
    ]);
}

/// Races show only while two threads really run at the same moment, and on a busy machine a
/// short round may run on one core. So a race check repeats its round until it has run for at
/// least `RACE_FOR` (and at least twice), stopping at the first round that goes wrong. Each
/// round returns how far off it was; the worst is returned.
const RACE_FOR: Duration = Duration::from_millis(500);

fn repeat(round: impl Fn() -> u64) -> u64 {
    let start = std::time::Instant::now();
    let mut rounds = 0;
    let mut worst = 0;
    while worst == 0 && (rounds < 2 || start.elapsed() < RACE_FOR) {
        worst = round();
        rounds += 1;
    }
    kit::figure("rounds raced", rounds, "rounds");
    worst
}

/// Runs `body` on `THREADS` threads released together by a barrier.
fn together(body: impl Fn(usize) + Sync) {
    let start = Barrier::new(THREADS);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (start, body) = (&start, &body);
            s.spawn(move || {
                start.wait();
                body(t);
            });
        }
    });
}

fn counts_one_thread(counter: &dyn Counter) {
    assert_eq!(counter.get(), 0, "a new counter starts at 0");
    for _ in 0..1000 {
        counter.increment();
    }
    assert_eq!(counter.get(), 1000, "1000 increments on one thread");
}

/// One round of 8 threads x 100 000 increments; returns how many increments were lost.
fn lost_increments(counter: &dyn Counter) -> u64 {
    together(|_| {
        for _ in 0..PER_THREAD {
            counter.increment();
        }
    });
    let want = THREADS as u64 * PER_THREAD;
    let got = counter.get();
    assert!(got <= want, "the counter says {got}, but only {want} increments were made");
    want - got
}

fn is_exact(counter: impl Fn() -> Box<dyn Counter>) {
    let lost = repeat(|| lost_increments(&*counter()));
    kit::at_most("increments lost in a round of 800 000", lost, 0, "increments");
}

fn locked_counter_counts_one_thread() {
    counts_one_thread(&LockedCounter::new());
}

fn locked_counter_is_exact() {
    is_exact(|| Box::new(LockedCounter::new()));
}

fn atomic_counter_counts_one_thread() {
    counts_one_thread(&AtomicCounter::new());
}

fn atomic_counter_is_exact() {
    is_exact(|| Box::new(AtomicCounter::new()));
}

/// A lock makes a thread that finds it taken go to sleep (a voluntary context switch); an
/// atomic read-modify-write never does. So 8 threads hammering a locked counter for 0.3 s on
/// two or more cores sleep dozens of times (the lock holder gets preempted), on an atomic one
/// not at all.
fn atomic_counter_takes_no_lock() {
    kit::require_some(kit::Needs::ContextSwitches, kit::procs::voluntary_switches());
    if kit::cores() < 2 {
        kit::skip("threads contend for a lock only when they run at once: needs 2 or more cores");
    }
    let counter = AtomicCounter::new();
    counter.increment(); // a stub fails here, before any thread starts
    let sleeps = AtomicU64::new(0);
    let made = AtomicU64::new(1);
    together(|_| {
        let before = kit::procs::voluntary_switches().unwrap_or(0);
        let until = std::time::Instant::now() + Duration::from_millis(300);
        while std::time::Instant::now() < until {
            for _ in 0..1000 {
                counter.increment();
            }
            made.fetch_add(1000, Ordering::Relaxed);
        }
        let after = kit::procs::voluntary_switches().unwrap_or(0);
        sleeps.fetch_add(after.saturating_sub(before), Ordering::Relaxed);
    });
    assert_eq!(counter.get(), made.into_inner(), "increments were lost");
    kit::at_most("times an incrementing thread slept waiting", sleeps.into_inner(), 5, "sleeps");
}

/// A counter that watches how `hammer` starts its threads. Each thread's first increment
/// notes how many threads the process has, then waits at a rendezvous that opens only when
/// every thread is inside (so none finishes and leaves before the others have started).
struct MeetingCounter {
    latch: Rendezvous,
    count: AtomicU64,
    fewest_alive: AtomicUsize,
}

thread_local! {
    static MET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Counter for MeetingCounter {
    fn increment(&self) {
        if !MET.with(|m| m.replace(true)) {
            let alive = kit::procs::thread_count().unwrap_or(usize::MAX);
            self.fewest_alive.fetch_min(alive, Ordering::SeqCst);
            self.latch.wait();
        }
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

fn hammer_runs_every_thread_at_once() {
    let counter = MeetingCounter {
        latch: Rendezvous::new(THREADS, Duration::from_secs(3)),
        count: AtomicU64::new(0),
        fewest_alive: AtomicUsize::new(usize::MAX),
    };
    let total = hammer(&counter, THREADS, 10);
    kit::at_least("threads incrementing at once", counter.latch.most_inside(), THREADS, "threads");
    assert_eq!(total, THREADS as u64 * 10);
}

fn hammer_starts_every_thread_before_any_increments() {
    let baseline = kit::procs::baseline_threads();
    let counter = MeetingCounter {
        latch: Rendezvous::new(THREADS, Duration::from_secs(3)),
        count: AtomicU64::new(0),
        fewest_alive: AtomicUsize::new(usize::MAX),
    };
    let total = hammer(&counter, THREADS, 10);
    assert_eq!(total, THREADS as u64 * 10);
    let fewest = counter.fewest_alive.load(Ordering::SeqCst).saturating_sub(baseline);
    kit::at_least("hammer threads alive at the first increment", fewest, THREADS, "threads");
}

fn hammer_returns_the_total() {
    for (threads, per_thread) in [(1, 5), (3, 1000), (8, 250), (2, 0)] {
        let counter = AtomicCounterProbe::default();
        let got = hammer(&counter, threads, per_thread);
        assert_eq!(got, threads as u64 * per_thread, "hammer({threads} threads, {per_thread} each)");
    }
}

/// The suite's own correct counter, so hammer is tested apart from the student's counters.
#[derive(Default)]
struct AtomicCounterProbe(AtomicU64);

impl Counter for AtomicCounterProbe {
    fn increment(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

fn account_basics() {
    let account = Account::new(100);
    assert_eq!(account.balance(), 100, "the opening balance");
    assert!(account.withdraw(30), "30 out of 100 is covered");
    assert_eq!(account.balance(), 70);
    assert!(!account.withdraw(71), "71 out of 70 is not covered: withdraw must return false");
    assert_eq!(account.balance(), 70, "a refused withdrawal changes nothing");
    account.deposit(5);
    assert_eq!(account.balance(), 75);
    assert!(account.withdraw(75), "the whole balance is covered");
    assert_eq!(account.balance(), 0);
    assert!(!account.withdraw(1), "an empty account refuses");
    assert!(account.withdraw(0), "withdrawing nothing is always covered");
    assert_eq!(Account::new(0).balance(), 0);
}

/// Every thread deposits `amount` once and tries to withdraw it twice, `rounds` times over, all
/// threads at once. Withdrawals outnumber deposits, so the balance hovers near zero, where a
/// check-then-act race overdraws it. Returns (deposited, withdrawn) as the test counted them.
fn deposit_and_withdraw(account: &Account, amount: u64, rounds: u64) -> (u64, u64) {
    let deposited = AtomicU64::new(0);
    let withdrawn = AtomicU64::new(0);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        together(|_| {
            let (mut mine_in, mut mine_out) = (0, 0);
            for _ in 0..rounds {
                account.deposit(amount);
                mine_in += amount;
                for _ in 0..2 {
                    if account.withdraw(amount) {
                        mine_out += amount;
                    }
                }
            }
            deposited.fetch_add(mine_in, Ordering::Relaxed);
            withdrawn.fetch_add(mine_out, Ordering::Relaxed);
        })
    }));
    if outcome.is_err() {
        panic!(
            "a deposit or withdrawal panicked under contention (see the first panic below); an overflow \
             here means the balance went below zero: an overdraft"
        );
    }
    (deposited.into_inner(), withdrawn.into_inner())
}

fn account_never_overdraws() {
    let account = Account::new(0);
    assert!(!account.withdraw(1), "an empty account refuses");
    let overdrawn = repeat(|| {
        let account = Account::new(0);
        let (deposited, withdrawn) = deposit_and_withdraw(&account, 1, 50_000);
        let balance = account.balance();
        assert!(
            balance <= deposited,
            "the balance ({balance}) is more than was ever deposited ({deposited}): it went below zero"
        );
        assert_eq!(
            balance,
            deposited - withdrawn.min(deposited),
            "deposited {deposited}, withdrew {withdrawn}"
        );
        withdrawn.saturating_sub(deposited)
    });
    kit::at_most("money withdrawn beyond what was deposited", overdrawn, 0, "units");
}

/// Every thread tries to withdraw 1 from an empty account, over and over, all at once: every
/// attempt must be refused. A withdrawal that subtracts first and refunds when the old balance
/// was short lets the balance wrap below zero for a moment, and another thread's withdrawal
/// then succeeds on money that is not there.
fn an_empty_account_refuses_every_withdrawal() {
    let account = Account::new(0);
    assert!(!account.withdraw(1), "an empty account refuses");
    let granted = repeat(|| {
        let account = Account::new(0);
        let granted = AtomicU64::new(0);
        together(|_| {
            let mut mine = 0;
            for _ in 0..50_000 {
                if account.withdraw(1) {
                    mine += 1;
                }
            }
            granted.fetch_add(mine, Ordering::Relaxed);
        });
        granted.into_inner()
    });
    kit::at_most("withdrawals of 1 granted by an empty account (an overdraft)", granted, 0, "withdrawals");
}

fn account_loses_no_deposit() {
    // Half the threads deposit, half withdraw, all at once; the opening balance covers every
    // withdrawal, so every call succeeds and the balance must end where it started.
    const ROUNDS: u64 = 100_000;
    const AMOUNT: u64 = 3;
    let opening = THREADS as u64 * ROUNDS * AMOUNT;
    let off = repeat(|| {
        let account = Account::new(opening);
        let refused = AtomicU64::new(0);
        together(|t| {
            for _ in 0..ROUNDS {
                if t % 2 == 0 {
                    account.deposit(AMOUNT);
                } else if !account.withdraw(AMOUNT) {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        assert_eq!(refused.into_inner(), 0, "a withdrawal the balance covered was refused");
        account.balance().abs_diff(opening)
    });
    kit::at_most("units lost or made up in a round", off, 0, "units");
}
