//! Quick checks you can run with `cargo test -p futures-by-hand`. The grader's hidden tests go
//! further: they count every poll and every wake-up, and measure the CPU block_on uses.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use futures_by_hand::*;

/// A waker that only counts how often it is woken, for polling futures by hand.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn countdown_ticks_once_per_poll_and_wakes_itself() {
    let ticks = Arc::new(Mutex::new(Vec::new()));
    let seen = ticks.clone();
    let mut countdown = Box::pin(Countdown::new(2, move |n| seen.lock().unwrap().push(n)));
    assert!(ticks.lock().unwrap().is_empty(), "nothing runs until polled");

    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    assert_eq!(countdown.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(*ticks.lock().unwrap(), vec![2]);
    assert_eq!(counter.0.load(Ordering::SeqCst), 1, "a Pending countdown must wake its waker");
    assert_eq!(countdown.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(countdown.as_mut().poll(&mut cx), Poll::Ready(()));
    assert_eq!(*ticks.lock().unwrap(), vec![2, 1]);
}

#[test]
fn block_on_returns_what_the_future_returns() {
    assert_eq!(block_on(async { 40 + 2 }), 42);
    let text = block_on(async {
        Countdown::new(3, |_| {}).await;
        "lift-off"
    });
    assert_eq!(text, "lift-off");
}

#[test]
fn sleep_waits_its_duration() {
    let start = Instant::now();
    block_on(sleep(Duration::from_millis(200)));
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(200), "returned after {took:?}");
    assert!(took < Duration::from_millis(800), "took {took:?}");
}

/// Counts the polls of the future inside.
struct Counted<F>(Pin<Box<F>>, Arc<AtomicUsize>);

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.as_mut().poll(cx)
    }
}

#[test]
fn block_on_does_not_poll_while_nothing_happens() {
    let polls = Arc::new(AtomicUsize::new(0));
    block_on(Counted(Box::pin(sleep(Duration::from_millis(200))), polls.clone()));
    let polls = polls.load(Ordering::SeqCst);
    assert!(polls <= 3, "sleep(0.2 s) was polled {polls} times: block_on should park until woken");
}

#[test]
fn join_takes_turns() {
    let ticks = Arc::new(Mutex::new(Vec::new()));
    let (a, b) = (ticks.clone(), ticks.clone());
    let out = block_on(join(
        Countdown::new(2, move |n| a.lock().unwrap().push(format!("a{n}"))),
        Countdown::new(2, move |n| b.lock().unwrap().push(format!("b{n}"))),
    ));
    assert_eq!(out, ((), ()));
    let ticks = ticks.lock().unwrap();
    // Taking turns: both count 2 before either counts 1 (a sequential join gives a2 a1 b2 b1).
    let mut first_round = ticks[..2].to_vec();
    first_round.sort();
    assert_eq!(first_round, vec!["a2", "b2"], "ticks in order: {ticks:?}");
    assert_eq!(ticks.len(), 4, "ticks: {ticks:?}");
}

#[test]
fn joined_sleeps_overlap() {
    let start = Instant::now();
    block_on(join(sleep(Duration::from_millis(300)), sleep(Duration::from_millis(300))));
    let took = start.elapsed();
    assert!(took < Duration::from_millis(550), "two joined 0.3 s sleeps took {took:?}: one after the other?");
}
