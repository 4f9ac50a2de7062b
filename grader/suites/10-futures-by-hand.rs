//! Hidden tests of kata 10: futures by hand. Polls are counted by a wrapper future and wake-ups
//! by a counting waker, so "no busy polling" and "arranges its own wake" are proved by counts;
//! only the sleep, CPU and join-overlap tests look at the clock.
//!
//! Every `block_on` runs under a step deadline (`bounded`), so a future that is never woken
//! fails its test with a message saying so instead of hanging until the grader's deadline.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use futures_by_hand::*;
use kit::test;

/// How long any one `block_on` in this suite may take; the solution needs under half a second.
const STEP: Duration = Duration::from_secs(3);

fn main() {
    kit::suite(&[
        test!(countdown_ticks_down_then_finishes)
            .points(2)
            .hint("tick(remaining), count down, wake, return Pending; return Ready(()) once nothing remains"),
        test!(countdown_wakes_itself_before_each_pending)
            .points(2)
            .hint("before returning Pending, call cx.waker().wake_by_ref(): nobody else will ever wake a countdown"),
        test!(nothing_runs_until_polled)
            .hint("new() and sleep() only store their arguments; the first poll ticks or starts the timer"),
        test!(block_on_returns_the_output)
            .hint("poll until Poll::Ready(output) and return that output; a ready future needs one poll"),
        test!(sleep_finishes_under_block_on)
            .points(2)
            .hint("the timer thread must call the stored waker when the time is up; Pending without a wake means never"),
        test!(sleep_waits_about_its_duration)
            .points(2)
            .timing()
            .hint("start the clock at the first poll; the timer thread sleeps the duration, marks done, then wakes"),
        test!(sleep_is_never_ready_before_its_time).points(2).hint(
            "the timer thread sleeps the whole duration first, then marks done and wakes: a poll may come at any time, and returns Ready only once done is set",
        ),
        test!(sleep_is_polled_a_bounded_number_of_times)
            .points(2)
            .hint("block_on must park until woken, not poll in a loop; a sleep must not wake itself while waiting"),
        test!(block_on_uses_no_cpu_while_waiting)
            .points(2)
            .timing()
            .hint("between polls, thread::park() until the waker unparks you; spinning or yield_now burns a core"),
        test!(a_wake_from_another_thread_wakes_block_on)
            .points(2)
            .hint("the waker must unpark the thread that runs block_on (keep thread::current() in the waker)"),
        test!(no_wake_up_is_lost).points(2).hint(
            "a wake can come during poll or just before park: record it in a flag the loop checks (or rely on the unpark token), never clear it after polling",
        ),
        test!(sleep_wakes_the_latest_waker)
            .hint("on every Pending poll, store cx.waker() if !old.will_wake(new): wake the waker of the most recent poll"),
        test!(join_returns_both_outputs)
            .hint("keep the first half's output until the second is done; return (a's, b's) in that order"),
        test!(join_interleaves_both_halves)
            .points(2)
            .hint("each poll of Join polls both unfinished halves; awaiting a to the end before starting b is sequential"),
        test!(join_waits_for_both_at_once)
            .points(2)
            .timing()
            .hint("joined 0.4 s sleeps take 0.4 s only if both are polled from the start; never block inside poll"),
        test!(join_never_polls_a_finished_half)
            .hint("remember which half finished (store its output) and do not poll that half again"),
        test!(join_polls_a_bounded_number_of_times)
            .hint("poll Join only when woken; it polls each unfinished half once per poll"),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Runs `f` (which calls `block_on`) on its own thread and fails the test if it has not
/// returned after `limit`, saying whether the thread was asleep (never woken) or busy.
fn bounded<T: Send + 'static>(limit: Duration, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let meter = kit::CpuMeter::start();
    thread::Builder::new()
        .name("block_on".into())
        .spawn(move || {
            let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
        })
        .expect("spawn a thread for block_on");
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => resume_unwind(payload),
        Err(_) => {
            let busy = meter.map_or(0.0, |m| m.stop().parallelism());
            if busy > 0.05 {
                panic!(
                    "{what} had not returned after {:.0} s and kept a core {:.0}% busy: something polls \
                     over and over without finishing",
                    limit.as_secs_f64(),
                    busy * 100.0
                )
            }
            panic!(
                "{what}: block_on was never woken: still asleep after {:.0} s (parked, or stuck on a lock). A \
                 future that returns Pending must make sure its waker is called later, and block_on must \
                 not lose that wake-up",
                limit.as_secs_f64()
            )
        }
    }
}

/// Wraps a future, counts its polls, and fails if it is polled again after it returned Ready.
struct Counted<F: Future> {
    inner: Pin<Box<F>>,
    polls: Arc<AtomicUsize>,
    done: bool,
    label: &'static str,
}

fn counted<F: Future>(label: &'static str, inner: F) -> (Arc<AtomicUsize>, Counted<F>) {
    let polls = Arc::new(AtomicUsize::new(0));
    (polls.clone(), Counted { inner: Box::pin(inner), polls, done: false, label })
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        assert!(!self.done, "{} was polled again after it returned Ready", self.label);
        self.polls.fetch_add(1, SeqCst);
        let out = self.inner.as_mut().poll(cx);
        if out.is_ready() {
            self.done = true;
        }
        out
    }
}

/// A waker that counts how often it was woken.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let w = Arc::new(CountingWaker::default());
    (w.clone(), Waker::from(w))
}

type Log<T> = Arc<Mutex<Vec<T>>>;

fn log<T>() -> Log<T> {
    Arc::new(Mutex::new(Vec::new()))
}

/// A `Countdown` whose ticks go into `log` as (label, number).
fn logged_countdown(from: u32, label: &'static str, into: &Log<(&'static str, u32)>) -> Countdown {
    let into = into.clone();
    Countdown::new(from, move |n| into.lock().unwrap().push((label, n)))
}

/// A future that is ready once `flag` is set; its waker is sent to whoever must set the flag.
struct Handoff {
    flag: Arc<AtomicBool>,
    to: Option<mpsc::Sender<(Arc<AtomicBool>, Waker)>>,
}

impl Future for Handoff {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.flag.load(SeqCst) {
            return Poll::Ready(());
        }
        if let Some(to) = self.to.take() {
            to.send((self.flag.clone(), cx.waker().clone())).expect("the waking thread is gone");
        }
        Poll::Pending
    }
}

// ---------------------------------------------------------------------------------------------
// Countdown
// ---------------------------------------------------------------------------------------------

fn countdown_ticks_down_then_finishes() {
    let ticks = log::<(&str, u32)>();
    let (polls, future) = counted("the countdown", logged_countdown(5, "c", &ticks));
    bounded(STEP, "block_on(Countdown::new(5, ..))", move || block_on(future));
    let got: Vec<u32> = ticks.lock().unwrap().iter().map(|(_, n)| *n).collect();
    assert_eq!(got, vec![5, 4, 3, 2, 1], "Countdown::new(5, tick) must tick 5, 4, 3, 2, 1");
    assert_eq!(
        polls.load(SeqCst),
        6,
        "Countdown::new(5, ..) must take 6 polls: one per tick (each Pending), then one Ready"
    );

    let (polls, zero) =
        counted("the countdown", Countdown::new(0, |n| panic!("Countdown::new(0) ticked {n}")));
    bounded(STEP, "block_on(Countdown::new(0, ..))", move || block_on(zero));
    assert_eq!(polls.load(SeqCst), 1, "Countdown::new(0, ..) is ready at its first poll");
}

fn countdown_wakes_itself_before_each_pending() {
    let ticks = log::<(&str, u32)>();
    let mut countdown = Box::pin(logged_countdown(3, "c", &ticks));
    let (wakes, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    for (step, want) in [3u32, 2, 1].into_iter().enumerate() {
        let before = wakes.0.load(SeqCst);
        let poll = countdown.as_mut().poll(&mut cx);
        assert!(
            poll.is_pending(),
            "poll {} of Countdown::new(3, ..) returned Ready; expected Pending",
            step + 1
        );
        assert_eq!(
            ticks.lock().unwrap().len(),
            step + 1,
            "each poll ticks exactly one number (after {} polls)",
            step + 1
        );
        assert_eq!(ticks.lock().unwrap()[step].1, want, "tick {} should be {want}", step + 1);
        assert!(
            wakes.0.load(SeqCst) > before,
            "poll {} returned Pending without waking the waker: nobody would ever poll it again",
            step + 1
        );
    }
    assert!(countdown.as_mut().poll(&mut cx).is_ready(), "the poll after tick(1) must return Ready");
}

// ---------------------------------------------------------------------------------------------
// Laziness and block_on
// ---------------------------------------------------------------------------------------------

fn nothing_runs_until_polled() {
    let baseline = kit::procs::thread_count();
    let ticks = log::<(&str, u32)>();
    let countdown = logged_countdown(2, "c", &ticks);
    let nap = sleep(Duration::from_millis(200));
    let pair = join(logged_countdown(2, "j", &ticks), sleep(Duration::from_millis(50)));
    if let (Some(before), Some(now)) = (baseline, kit::procs::thread_count()) {
        kit::at_most("threads started by creating futures", now.saturating_sub(before), 0, "threads");
    }
    thread::sleep(Duration::from_millis(300)); // time enough for a timer started too early to run out
    assert!(ticks.lock().unwrap().is_empty(), "a Countdown ticked before anything polled it");

    // The clock of a sleep starts at its first poll, 0.3 s after it was created.
    let took = bounded(STEP, "block_on(sleep(0.2 s))", move || {
        let start = Instant::now();
        block_on(nap);
        start.elapsed().as_secs_f64()
    });
    kit::at_least("sleep(0.2 s) created 0.3 s before its first poll, then waited", took, 0.19, "s");
    bounded(STEP, "block_on(countdown)", move || block_on(join(countdown, pair)));
    assert_eq!(ticks.lock().unwrap().len(), 4, "once polled, both countdowns tick");
}

fn block_on_returns_the_output() {
    assert_eq!(bounded(STEP, "block_on(async { 6 * 7 })", || block_on(async { 6 * 7 })), 42);
    let (polls, ready) = counted("a ready future", std::future::ready("ready"));
    assert_eq!(bounded(STEP, "block_on(ready(..))", move || block_on(ready)), "ready");
    assert_eq!(polls.load(SeqCst), 1, "a future that is ready at once needs exactly one poll");

    let text = bounded(STEP, "block_on(an async block awaiting a countdown and a sleep)", || {
        block_on(async {
            Countdown::new(3, |_| {}).await;
            sleep(Duration::from_millis(20)).await;
            String::from("lift-off")
        })
    });
    assert_eq!(text, "lift-off");
}

// ---------------------------------------------------------------------------------------------
// Sleep
// ---------------------------------------------------------------------------------------------

fn sleep_finishes_under_block_on() {
    bounded(STEP, "block_on(sleep(0.1 s))", || block_on(sleep(Duration::from_millis(100))));
    bounded(STEP, "block_on(sleep(0 s))", || block_on(sleep(Duration::ZERO)));
}

fn sleep_waits_about_its_duration() {
    const NAP: f64 = 0.25;
    let took = bounded(STEP, "block_on(sleep(0.25 s))", || {
        let start = Instant::now();
        block_on(sleep(Duration::from_secs_f64(NAP)));
        start.elapsed().as_secs_f64()
    });
    kit::at_least("sleep(0.25 s) took", took, NAP, "s");
    kit::at_most("sleep(0.25 s) took", took, NAP + 0.5, "s");
}

/// Polls a sleep by hand, over and over, from its first poll until it is ready. The Future
/// contract allows a poll at any time, so Ready must mean the time is up. The clock starts
/// before the first poll, so a correct sleep cannot look early however slow the machine is.
fn sleep_is_never_ready_before_its_time() {
    const NAP: Duration = Duration::from_millis(800);
    let mut nap = Box::pin(sleep(NAP));
    let (_wakes, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let start = Instant::now();
    let mut polls = 0;
    loop {
        let ready = nap.as_mut().poll(&mut cx).is_ready();
        polls += 1;
        let after = start.elapsed();
        if ready {
            if after < NAP {
                panic!(
                    "sleep(0.8 s) returned Ready {:.2} s after its first poll, at poll {polls} (polled by hand every 10 ms): a sleep may be polled at any time, so Ready must mean its time is up, not that the timer has started or that it was polled again",
                    after.as_secs_f64()
                );
            }
            break;
        }
        if after > NAP + STEP {
            panic!("sleep(0.8 s) was still Pending {:.1} s after its first poll", after.as_secs_f64());
        }
        thread::sleep(Duration::from_millis(10));
    }
    kit::figure("polls by hand until sleep(0.8 s) was ready", polls as f64, "polls");
}

fn sleep_is_polled_a_bounded_number_of_times() {
    let (polls, nap) = counted("the sleep", sleep(Duration::from_millis(300)));
    bounded(STEP, "block_on(sleep(0.3 s))", move || block_on(nap));
    // First poll (starts the timer), one after the wake, and one to spare for a spurious wake.
    kit::at_most("polls of sleep(0.3 s) under block_on", polls.load(SeqCst), 3, "polls");
}

fn block_on_uses_no_cpu_while_waiting() {
    let meter = kit::require_some(kit::Needs::ProcessCpu, kit::CpuMeter::start());
    bounded(STEP, "block_on(sleep(0.5 s))", || block_on(sleep(Duration::from_millis(500))));
    let span = meter.stop();
    // The reference uses about 0.001; a spinning executor, even on a crowded machine, far more.
    kit::at_most("CPU seconds per wall second while block_on waited", span.parallelism(), 0.05, "x");
}

fn sleep_wakes_the_latest_waker() {
    let mut nap = Box::pin(sleep(Duration::from_millis(100)));
    let (first, first_waker) = counting_waker();
    let (latest, latest_waker) = counting_waker();
    assert!(
        nap.as_mut().poll(&mut Context::from_waker(&first_waker)).is_pending(),
        "sleep(0.1 s) was ready at once"
    );
    // The sleep moves to another task (another waker) before its time is up.
    assert!(
        nap.as_mut().poll(&mut Context::from_waker(&latest_waker)).is_pending(),
        "sleep(0.1 s) was ready at once"
    );
    let until = Instant::now() + STEP;
    while latest.0.load(SeqCst) == 0 && Instant::now() < until {
        thread::sleep(Duration::from_millis(10));
    }
    assert!(
        latest.0.load(SeqCst) > 0,
        "the sleep never woke the waker of its latest poll (it woke the first one {} times): keep the newest waker",
        first.0.load(SeqCst)
    );
    assert!(nap.as_mut().poll(&mut Context::from_waker(&latest_waker)).is_ready(), "woken, yet not Ready");
}

// ---------------------------------------------------------------------------------------------
// Wake-ups across threads
// ---------------------------------------------------------------------------------------------

fn a_wake_from_another_thread_wakes_block_on() {
    let (tx, rx) = mpsc::channel::<(Arc<AtomicBool>, Waker)>();
    let waker_thread = thread::spawn(move || {
        let (flag, waker) = rx.recv().expect("block_on never polled the future");
        thread::sleep(Duration::from_millis(100));
        flag.store(true, SeqCst);
        waker.wake();
    });
    let (polls, future) =
        counted("the future", Handoff { flag: Arc::new(AtomicBool::new(false)), to: Some(tx) });
    bounded(STEP, "block_on(a future woken by another thread after 0.1 s)", move || block_on(future));
    waker_thread.join().expect("the waking thread");
    kit::at_most("polls of a future woken once", polls.load(SeqCst), 3, "polls");
}

/// A future that wakes itself during its first poll, then is ready.
struct WakesDuringPoll(bool);

impl Future for WakesDuringPoll {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn no_wake_up_is_lost() {
    // A wake that arrives while the future is being polled.
    bounded(STEP, "block_on(a future that wakes itself while being polled), 100 times", || {
        for _ in 0..100 {
            block_on(WakesDuringPoll(false));
        }
    });
    // Wakes from another thread that race with block_on going to sleep.
    let (tx, rx) = mpsc::channel::<(Arc<AtomicBool>, Waker)>();
    let waker_thread = thread::spawn(move || {
        for (flag, waker) in rx {
            flag.store(true, SeqCst);
            waker.wake();
        }
    });
    bounded(STEP, "block_on(a future woken at once by another thread), 2000 times", move || {
        for _ in 0..2000 {
            block_on(Handoff { flag: Arc::new(AtomicBool::new(false)), to: Some(tx.clone()) });
        }
    });
    waker_thread.join().expect("the waking thread");
}

// ---------------------------------------------------------------------------------------------
// join
// ---------------------------------------------------------------------------------------------

fn join_returns_both_outputs() {
    let got = bounded(STEP, "block_on(join(..))", || block_on(join(async { 1 }, async { "two" })));
    assert_eq!(got, (1, "two"));
    // The second half finishes first; the order of the outputs stays (a, b).
    let got = bounded(STEP, "block_on(join(slow, fast))", || {
        block_on(join(
            async {
                sleep(Duration::from_millis(60)).await;
                vec!['a']
            },
            async {
                Countdown::new(1, |_| {}).await;
                String::from("b")
            },
        ))
    });
    assert_eq!(got, (vec!['a'], String::from("b")));
}

fn join_interleaves_both_halves() {
    let ticks = log::<(&str, u32)>();
    let pair = join(logged_countdown(3, "a", &ticks), logged_countdown(3, "b", &ticks));
    bounded(STEP, "block_on(join(countdown a, countdown b))", move || block_on(pair));
    let got = ticks.lock().unwrap().clone();
    let place = |want: (&str, u32)| got.iter().position(|t| *t == want);
    assert_eq!(got.len(), 6, "both countdowns from 3 tick 3 times each: {got:?}");
    assert!(
        place(("b", 3)) < place(("a", 1)),
        "b ticked only after a had finished ({got:?}): join must poll both halves each time, not run a to the end first"
    );
    assert!(place(("a", 3)) < place(("b", 1)), "a ticked only after b had finished ({got:?})");

    // Unequal halves: the short one finishes, the long one carries on.
    let ticks = log::<(&str, u32)>();
    let pair = join(logged_countdown(1, "a", &ticks), logged_countdown(4, "b", &ticks));
    bounded(STEP, "block_on(join(countdown 1, countdown 4))", move || block_on(pair));
    assert_eq!(ticks.lock().unwrap().len(), 5, "all ticks of both halves: {:?}", ticks.lock().unwrap());
}

fn join_waits_for_both_at_once() {
    const NAP: f64 = 0.4;
    let took = bounded(STEP, "block_on(join(sleep(0.4 s), sleep(0.4 s)))", || {
        let start = Instant::now();
        block_on(join(sleep(Duration::from_secs_f64(NAP)), sleep(Duration::from_secs_f64(NAP))));
        start.elapsed().as_secs_f64()
    });
    kit::at_least("two joined sleeps of 0.4 s took", took, NAP, "s");
    kit::at_most("two joined sleeps of 0.4 s took", took, NAP * 1.6, "s");
}

fn join_never_polls_a_finished_half() {
    let (a_polls, a) = counted("join's first half", async { 'a' });
    let (b_polls, b) = counted("join's second half", Countdown::new(3, |_| {}));
    let got = bounded(STEP, "block_on(join(ready, countdown 3))", move || block_on(join(a, b)));
    assert_eq!(got, ('a', ()));
    assert_eq!(a_polls.load(SeqCst), 1, "the first half was ready at its first poll");
    assert_eq!(b_polls.load(SeqCst), 4, "Countdown::new(3, ..) takes 4 polls");

    let (a_polls, a) = counted("join's first half", Countdown::new(3, |_| {}));
    let (b_polls, b) = counted("join's second half", async { 'b' });
    bounded(STEP, "block_on(join(countdown 3, ready))", move || block_on(join(a, b)));
    assert_eq!((a_polls.load(SeqCst), b_polls.load(SeqCst)), (4, 1), "polls of (first half, second half)");
}

fn join_polls_a_bounded_number_of_times() {
    let (a_polls, a) = counted("join's first half", sleep(Duration::from_millis(200)));
    let (b_polls, b) = counted("join's second half", sleep(Duration::from_millis(300)));
    let (polls, pair) = counted("the join", join(a, b));
    bounded(STEP, "block_on(join(sleep(0.2 s), sleep(0.3 s)))", move || block_on(pair));
    // Join: first poll, one per timer (two), one spare.
    kit::at_most("polls of the join", polls.load(SeqCst), 4, "polls");
    kit::at_most("polls of sleep(0.2 s) inside the join", a_polls.load(SeqCst), 4, "polls");
    kit::at_most("polls of sleep(0.3 s) inside the join", b_polls.load(SeqCst), 4, "polls");
}
