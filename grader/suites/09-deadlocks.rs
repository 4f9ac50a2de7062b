//! Hidden tests of kata 09: deadlocks. Threads released together by a barrier hammer the bank
//! and the table; a lock-order mistake shows as a deadlock, which the grader reports as one
//! (every thread asleep on a lock) at the test's short deadline.

use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

use deadlocks::*;
use kit::test;

/// A test that could deadlock gets this deadline: the solution finishes in well under a second.
const HANG: Duration = Duration::from_secs(5);
const RICH: u64 = 1_000_000_000;

fn main() {
    kit::suite(&[
        test!(a_transfer_moves_the_money).hint("take from `from`, give to `to`; both balances change by `amount`"),
        test!(a_refused_transfer_changes_nothing).points(2).hint(
            "check the account numbers and the payer's balance before changing anything; return the error instead",
        ),
        test!(opposing_transfers_all_finish).points(3).deadline(HANG).hint(
            "A->B locks A then B while B->A locks B then A: each holds the lock the other needs. Lock the lower account number first, whatever the direction",
        ),
        test!(transfers_in_a_ring_all_finish).points(2).deadline(HANG).hint(
            "0->1, 1->2, ..., n->0 at once: a cycle of waits. One global order (lowest number first) cannot form a cycle",
        ),
        test!(transfer_to_the_same_account_works).points(2).deadline(HANG).hint(
            "from == to means one account and one lock: locking a std Mutex twice from one thread deadlocks",
        ),
        test!(total_is_conserved_while_transfers_run).points(3).deadline(HANG).hint(
            "hold both accounts' locks from the debit until the credit, and let total() hold every lock at once (in the same order)",
        ),
        test!(scarce_money_is_never_overdrawn).points(3).deadline(HANG).hint(
            "check the payer's balance after both locks are held, in the same critical section as the debit: a balance read before the lock can be spent by another transfer meanwhile",
        ),
        test!(edge_cases_missing_accounts_and_a_table_of_one).deadline(HANG).hint(
            "check `from` then `to` before anything else; balance() of a missing account panics; dine(1, ..) panics instead of locking its one fork twice",
        ),
        test!(every_philosopher_eats).points(3).deadline(HANG).hint(
            "left then right for everyone closes a circle of waits; take the lower-numbered fork first",
        ),
        test!(neighbours_never_share_a_fork).points(2).deadline(HANG).hint(
            "hold both forks (two lock guards) for the whole of eat(i)",
        ),
        test!(philosophers_who_share_no_fork_eat_at_once).points(2).deadline(HANG).hint(
            "one lock per fork, not one lock for the table: philosophers 0 and 2 of 4 need different forks",
        ),
    ]);
}

fn a_transfer_moves_the_money() {
    let bank = Bank::new(&[100, 50, 0]);
    bank.transfer(0, 2, 30).expect("30 of 100 can move");
    bank.transfer(1, 0, 50).expect("the whole balance can move");
    bank.transfer(2, 1, 0).expect("nothing can move");
    let balances: Vec<u64> = (0..3).map(|i| bank.balance(i)).collect();
    assert_eq!(balances, vec![120, 0, 30]);
    assert_eq!(bank.total(), 150);
}

fn a_refused_transfer_changes_nothing() {
    let bank = Bank::new(&[100, 50]);
    assert_eq!(
        bank.transfer(1, 0, 51),
        Err(TransferError::InsufficientFunds { needed: 51, available: 50 }),
        "account 1 holds 50"
    );
    assert_eq!(bank.transfer(0, 2, 1), Err(TransferError::NoSuchAccount(2)));
    assert_eq!(bank.transfer(7, 0, 1), Err(TransferError::NoSuchAccount(7)));
    assert_eq!((bank.balance(0), bank.balance(1)), (100, 50), "a refused transfer must change nothing");
    assert_eq!(bank.total(), 150);
}

/// How long the transfer storms run. A lock-order bug needs a thread to be caught between its
/// first and second lock while another runs; on a busy machine that takes some preemptions.
const STORM: Duration = Duration::from_millis(400);

/// Runs `threads` workers released together by a barrier; worker `t` calls `work(t)` in a
/// loop until [`STORM`] has passed, and returns how many times it did.
fn storm(threads: usize, work: impl Fn(usize) + Sync) -> Vec<u64> {
    let barrier = Barrier::new(threads);
    thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (barrier, work) = (&barrier, &work);
                s.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    let mut rounds = 0;
                    while rounds < 200 || start.elapsed() < STORM {
                        for _ in 0..50 {
                            work(t);
                        }
                        rounds += 50;
                    }
                    rounds
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a worker panicked")).collect()
    })
}

fn opposing_transfers_all_finish() {
    let bank = Bank::new(&[RICH, RICH]);
    bank.transfer(0, 1, 0).expect("a transfer of nothing"); // the student's code first: fails fast if unwritten
    let rounds = storm(8, |t| {
        let (from, to) = if t % 2 == 0 { (0, 1) } else { (1, 0) };
        bank.transfer(from, to, 3).expect("the accounts hold plenty");
    });
    let (there, back): (u64, u64) = (rounds.iter().step_by(2).sum(), rounds.iter().skip(1).step_by(2).sum());
    kit::figure("opposing transfers", there + back, "transfers");
    assert_eq!(
        (bank.balance(0), bank.balance(1)),
        (RICH - 3 * there + 3 * back, RICH + 3 * there - 3 * back),
        "balances after {there} transfers 0->1 and {back} transfers 1->0 of 3 each"
    );
}

fn transfers_in_a_ring_all_finish() {
    const N: usize = 4;
    let bank = Bank::new(&[RICH; N]);
    bank.transfer(0, 1, 0).expect("a transfer of nothing");
    let rounds = storm(2 * N, |t| {
        bank.transfer(t % N, (t + 1) % N, 1).expect("the accounts hold plenty");
    });
    let mut expected = vec![RICH; N];
    for (t, r) in rounds.iter().enumerate() {
        expected[t % N] -= r;
        expected[(t + 1) % N] += r;
    }
    let balances: Vec<u64> = (0..N).map(|i| bank.balance(i)).collect();
    assert_eq!(balances, expected, "each account paid and received what the transfers say");
}

fn transfer_to_the_same_account_works() {
    let bank = Bank::new(&[100, RICH]);
    assert_eq!(bank.transfer(0, 0, 30), Ok(()), "paying yourself what you have is fine");
    assert_eq!(bank.balance(0), 100, "paying yourself changes nothing");
    assert_eq!(
        bank.transfer(0, 0, 101),
        Err(TransferError::InsufficientFunds { needed: 101, available: 100 }),
        "paying yourself more than you have is refused"
    );
    // And among other transfers, from several threads.
    bank.transfer(1, 1, 1).expect("a self-transfer of 1");
    let barrier = Barrier::new(4);
    thread::scope(|s| {
        for t in 0..4 {
            let (bank, barrier) = (&bank, &barrier);
            s.spawn(move || {
                barrier.wait();
                for i in 0..2_000 {
                    let account = (t + i) % 2;
                    bank.transfer(account, account, 1).expect("a self-transfer of 1");
                    bank.transfer(1, 0, 1).expect("plenty");
                    bank.transfer(0, 1, 1).expect("the 1 just received");
                }
            });
        }
    });
    assert_eq!((bank.balance(0), bank.balance(1)), (100, RICH));
}

/// A small deterministic random stream, so failures can be replayed.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *seed >> 33
}

fn total_is_conserved_while_transfers_run() {
    const ACCOUNTS: usize = 4;
    const WORKERS: usize = 4;
    let bank = Bank::new(&[RICH; ACCOUNTS]);
    let start_total = bank.total();
    let done = AtomicBool::new(false);
    let (snapshots, wrong) = (AtomicU64::new(0), AtomicU64::new(0));
    let first_wrong = AtomicU64::new(0);
    let barrier = Barrier::new(WORKERS);
    // Each worker's net flow per account, to check the final balances exactly.
    let flows: Vec<Vec<i64>> = thread::scope(|s| {
        let auditor = s.spawn(|| {
            while !done.load(SeqCst) {
                let seen = bank.total();
                snapshots.fetch_add(1, SeqCst);
                if seen != start_total && wrong.fetch_add(1, SeqCst) == 0 {
                    first_wrong.store(seen, SeqCst);
                }
            }
        });
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (barrier, bank, snapshots) = (&barrier, &bank, &snapshots);
                s.spawn(move || {
                    let mut seed = w as u64 + 1;
                    let mut flow = vec![0i64; ACCOUNTS];
                    barrier.wait();
                    let start = Instant::now();
                    // Until STORM has passed and the auditor has had its say (or 2 s, if
                    // total() is very slow).
                    while start.elapsed() < STORM
                        || (snapshots.load(SeqCst) < 1_000 && start.elapsed() < Duration::from_secs(2))
                    {
                        for _ in 0..20 {
                            let from = lcg(&mut seed) as usize % ACCOUNTS;
                            let to = lcg(&mut seed) as usize % ACCOUNTS;
                            let amount = 1 + lcg(&mut seed) % 100;
                            bank.transfer(from, to, amount).expect("the accounts hold plenty");
                            flow[from] -= amount as i64;
                            flow[to] += amount as i64;
                        }
                    }
                    flow
                })
            })
            .collect();
        let flows = workers.into_iter().map(|h| h.join().expect("a worker panicked")).collect();
        done.store(true, SeqCst);
        auditor.join().expect("the auditor panicked");
        flows
    });
    for (i, expected) in (0..ACCOUNTS).map(|i| (i, RICH as i64 + flows.iter().map(|f| f[i]).sum::<i64>())) {
        assert_eq!(bank.balance(i) as i64, expected, "account {i} lost or gained money");
    }
    kit::figure("totals read while transfers ran", snapshots.load(SeqCst), "snapshots");
    kit::figure("snapshots with a different total", wrong.load(SeqCst), "snapshots");
    if wrong.load(SeqCst) > 0 {
        panic!(
            "total() saw {} instead of {start_total} in {} of {} snapshots: money was out of every account mid-transfer",
            first_wrong.load(SeqCst),
            wrong.load(SeqCst),
            snapshots.load(SeqCst)
        );
    }
}

fn scarce_money_is_never_overdrawn() {
    // Little money, many hands: three accounts of 2, six threads sending 1 or 2 at random. Most
    // transfers must be refused; one that checks the balance before it holds the lock lets two
    // payers spend the same money.
    const ACCOUNTS: usize = 3;
    const START: u64 = 2;
    let bank = Bank::new(&[START; ACCOUNTS]);
    let overdrafts = AtomicU64::new(0);
    let bad_refusals = AtomicU64::new(0);
    let first_problem = std::sync::Mutex::new(None::<String>);
    let note = |what: String| {
        first_problem.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(what);
    };
    let flows: std::sync::Mutex<Vec<i64>> = std::sync::Mutex::new(vec![0; ACCOUNTS]);
    let (moved, refused) = (AtomicU64::new(0), AtomicU64::new(0));
    storm(6, |t| {
        thread_local!(static SEED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) });
        let mut seed = SEED.with(|s| s.get()).wrapping_add(t as u64 * 7919 + 1);
        let from = lcg(&mut seed) as usize % ACCOUNTS;
        let to = (from + 1 + lcg(&mut seed) as usize % (ACCOUNTS - 1)) % ACCOUNTS;
        let amount = 1 + lcg(&mut seed) % 2;
        SEED.with(|s| s.set(seed));
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| bank.transfer(from, to, amount)));
        match outcome {
            Ok(Ok(())) => {
                moved.fetch_add(1, SeqCst);
                let mut f = flows.lock().unwrap_or_else(|p| p.into_inner());
                f[from] -= amount as i64;
                f[to] += amount as i64;
            }
            Ok(Err(TransferError::InsufficientFunds { needed, available })) => {
                refused.fetch_add(1, SeqCst);
                if needed != amount || available >= amount {
                    bad_refusals.fetch_add(1, SeqCst);
                    note(format!(
                        "{from}->{to} of {amount} refused with needed {needed}, available {available}"
                    ));
                }
            }
            Ok(Err(e)) => {
                bad_refusals.fetch_add(1, SeqCst);
                note(format!("{from}->{to} of {amount} refused with {e:?}"));
            }
            Err(payload) => {
                overdrafts.fetch_add(1, SeqCst);
                note(format!("{from}->{to} of {amount} panicked: {}", kit::harness::payload_text(&*payload)));
            }
        }
    });
    let flows = flows.into_inner().unwrap_or_else(|p| p.into_inner());
    let balances: Vec<u64> = (0..ACCOUNTS).map(|i| bank.balance(i)).collect();
    kit::figure("transfers made", moved.load(SeqCst), "transfers");
    kit::figure("transfers refused", refused.load(SeqCst), "transfers");
    let problem = first_problem.into_inner().unwrap_or_else(|p| p.into_inner());
    assert_eq!(
        overdrafts.load(SeqCst),
        0,
        "transfers panicked, {}: the payer's balance went below zero, so it was checked before its lock was held (check then lock)",
        problem.clone().unwrap_or_default()
    );
    let expected: Vec<i64> = flows.iter().map(|f| START as i64 + f).collect();
    assert!(
        expected.iter().all(|&b| b >= 0),
        "the transfers that succeeded overdrew an account ({expected:?}): the balance was checked before the lock was held (check then lock)"
    );
    assert_eq!(
        balances.iter().map(|&b| b as i64).collect::<Vec<_>>(),
        expected,
        "final balances against the transfers that succeeded: money was lost or made (an overdraft, or a check made before the lock was held)"
    );
    assert_eq!(balances.iter().sum::<u64>(), START * ACCOUNTS as u64, "the money in the bank is conserved");
    assert_eq!(
        bad_refusals.load(SeqCst),
        0,
        "a refusal must name the amount and what the payer held: {problem:?}"
    );
    kit::at_least("transfers made", moved.load(SeqCst), 1, "transfers");
}

fn edge_cases_missing_accounts_and_a_table_of_one() {
    let bank = Bank::new(&[5, 6]);
    assert_eq!(bank.transfer(7, 9, 1), Err(TransferError::NoSuchAccount(7)), "`from` is checked first");
    assert_eq!(
        bank.transfer(3, 3, 0),
        Err(TransferError::NoSuchAccount(3)),
        "a missing account paying itself"
    );
    assert_eq!(
        bank.transfer(1, 0, 7),
        Err(TransferError::InsufficientFunds { needed: 7, available: 6 }),
        "account 1 holds 6"
    );
    let missing = std::panic::catch_unwind(|| bank.balance(2));
    assert!(missing.is_err(), "balance of a missing account panics, got {missing:?}");
    assert_eq!((bank.balance(0), bank.balance(1), bank.total()), (5, 6, 11), "nothing changed");
    let empty = Bank::new(&[]);
    assert_eq!(empty.total(), 0, "the total of a bank with no accounts");
    let lone = kit::within(HANG / 2, "dine(1, ..)", || std::panic::catch_unwind(|| dine(1, 1, |_| {})));
    assert!(
        lone.is_err(),
        "a lone philosopher would need one fork twice: dine(1, ..) must panic, got {lone:?}"
    );
}

/// A moment of eating: a short spin, so neighbours reach for their forks meanwhile. (Not a
/// yield: on a busy machine a yield while holding forks hands the core away for a whole slice.)
fn pause() {
    for _ in 0..200 {
        std::hint::spin_loop();
    }
}

fn every_philosopher_eats() {
    assert_eq!(dine(0, 10, |_| {}), Vec::<usize>::new(), "an empty table");
    assert_eq!(dine(3, 0, |_| {}), vec![0; 3], "no meals");
    // Dinner after dinner until STORM has passed: a fork-order bug needs a philosopher caught
    // between the first and second fork while the others reach for theirs.
    let start = Instant::now();
    let mut dinners = 0;
    for &n in [2, 3, 5].iter().cycle() {
        if dinners >= 3 && start.elapsed() >= STORM {
            break;
        }
        dinners += 1;
        let meals = 300;
        let counts: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
        let eaten = dine(n, meals, |i| {
            // Now and then a long meal: meanwhile every other philosopher takes whatever first
            // fork is free and waits for the second, which is when a circle of waits can close.
            // A bounded meal, so a correct order only takes a little longer.
            if counts[i].fetch_add(1, SeqCst) % 16 == 0 {
                thread::sleep(Duration::from_millis(1));
            } else {
                pause();
            }
        });
        let seen: Vec<usize> = counts.iter().map(|c| c.load(SeqCst)).collect();
        assert_eq!(seen, vec![meals; n], "eat(i) calls per philosopher, {n} at the table");
        assert_eq!(eaten, vec![meals; n], "returned meal counts, {n} at the table");
    }
    kit::figure("dinners served", dinners, "dinners");
}

fn neighbours_never_share_a_fork() {
    const N: usize = 5;
    let in_hand: Vec<AtomicBool> = (0..N).map(|_| AtomicBool::new(false)).collect();
    let clashes = AtomicUsize::new(0);
    let eaten = dine(N, 300, |i| {
        let forks = [i, (i + 1) % N];
        for &f in &forks {
            if in_hand[f].swap(true, SeqCst) {
                clashes.fetch_add(1, SeqCst);
            }
        }
        pause();
        for &f in &forks {
            in_hand[f].store(false, SeqCst);
        }
    });
    assert_eq!(eaten, vec![300; N]);
    kit::at_most("meals where a fork was in two hands", clashes.load(SeqCst), 0, "meals");
}

/// How long a philosopher with a safe reason to wait (see [`one_dinner`]) waits for the
/// philosopher across the table.
const ACROSS: Duration = Duration::from_millis(500);

fn philosophers_who_share_no_fork_eat_at_once() {
    // Dinners at a table of four until two philosophers who share no fork (0 and 2, or 1 and
    // 3) are seen inside eat() at once, or 2 s of dinners. One lock for the table never lets
    // that happen; one lock per fork lets it happen in the first dinner or so.
    let start = Instant::now();
    let (mut dinners, mut most) = (0, 0);
    while most < 2 && (dinners == 0 || start.elapsed() < Duration::from_secs(2)) {
        dinners += 1;
        most = most.max(one_dinner());
    }
    kit::figure("dinners until two across the table ate at once", dinners, "dinners");
    kit::at_least("philosophers who share no fork eating at once", most, 2, "philosophers");
}

/// One dinner of four, 40 meals each; returns the most philosophers from the same side of the
/// table (0 and 2, or 1 and 3) seen inside eat() at once.
///
/// No one waits for anyone while holding forks another philosopher may need: a correct
/// solution may have a neighbour hold one fork while it waits for the next (lock order,
/// even/odd order) or queue philosophers at a waiter, so a philosopher who waited for the one
/// across the table could stop that one from ever arriving. A meal is a short spin, except
/// when both neighbours have eaten their last meal and the one across the table has not: then
/// the forks across the table are needed by no one else, any correct solution hands them over,
/// and the philosopher waits (at most [`ACROSS`], once a dinner) for the one across to sit down.
fn one_dinner() -> usize {
    const N: usize = 4;
    const MEALS: usize = 40;
    let sides = [kit::Gauge::new(), kit::Gauge::new()];
    // Meals finished per philosopher, counted before leaving the side's gauge, so a
    // philosopher still short of MEALS is either inside eat() now or will come back.
    let eaten: Vec<AtomicUsize> = (0..N).map(|_| AtomicUsize::new(0)).collect();
    // One such wait per dinner: if it is not met, the next dinner tries again.
    let waited = AtomicBool::new(false);
    dine(N, MEALS, |i| {
        let side = &sides[i % 2];
        let inside = side.enter();
        let done = |p: usize| eaten[p].load(SeqCst) == MEALS;
        if side.peak() < 2 {
            if done((i + 1) % N) && done((i + 3) % N) && !done((i + 2) % N) && !waited.swap(true, SeqCst) {
                let until = Instant::now() + ACROSS;
                while side.peak() < 2 && Instant::now() < until {
                    thread::sleep(Duration::from_micros(200));
                }
            } else {
                kit::spin_for(Duration::from_micros(50));
            }
        }
        eaten[i].fetch_add(1, SeqCst);
        drop(inside);
    });
    sides.iter().map(kit::Gauge::peak).max().unwrap_or(0)
}
