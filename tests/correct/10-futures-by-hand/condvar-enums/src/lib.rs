//! Alternate: `block_on` sleeps on a `Condvar` over a `Mutex<bool>` "woken" flag instead of
//! parking its thread; the countdown is a reversed range iterator; `Sleep` is a state enum
//! (not started / waiting on a shared timer / finished) whose shared timer state is itself an
//! enum (a waker to call, or fired); `join` keeps each half in a `MaybeDone`-style enum
//! (running, finished with its output, output taken) instead of two pairs of `Option`s.

use std::future::Future;
use std::iter::Rev;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Countdown
// ---------------------------------------------------------------------------------------------

/// Counts down from `from` to 1, one number per poll; the poll after `tick(1)` is `Ready`.
pub struct Countdown {
    numbers: Rev<RangeInclusive<u32>>,
    tick: Box<dyn FnMut(u32) + Send>,
}

impl Countdown {
    /// A countdown from `from`; nothing happens (no tick) until it is polled.
    pub fn new(from: u32, tick: impl FnMut(u32) + Send + 'static) -> Self {
        Countdown { numbers: (1..=from).rev(), tick: Box::new(tick) }
    }
}

impl Future for Countdown {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        match this.numbers.next() {
            None => Poll::Ready(()),
            Some(n) => {
                (this.tick)(n);
                // Nothing to wait for: ask to be polled again right away.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sleep
// ---------------------------------------------------------------------------------------------

/// What the timer thread and the future share: who to wake, or that the time is up.
enum Alarm {
    Armed(Waker),
    Fired,
}

enum SleepState {
    NotStarted(Duration),
    Waiting(Arc<Mutex<Alarm>>),
    Finished,
}

/// A future that is ready `duration` after it was first polled.
pub struct Sleep {
    state: SleepState,
}

/// A [`Sleep`] of `duration`. Creating it starts nothing.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep { state: SleepState::NotStarted(duration) }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        match &this.state {
            SleepState::Finished => Poll::Ready(()),
            SleepState::NotStarted(duration) => {
                let duration = *duration;
                let alarm = Arc::new(Mutex::new(Alarm::Armed(cx.waker().clone())));
                let for_timer = Arc::clone(&alarm);
                thread::spawn(move || {
                    thread::sleep(duration);
                    let previous = std::mem::replace(
                        &mut *for_timer.lock().unwrap_or_else(PoisonError::into_inner),
                        Alarm::Fired,
                    );
                    if let Alarm::Armed(waker) = previous {
                        waker.wake();
                    }
                });
                this.state = SleepState::Waiting(alarm);
                Poll::Pending
            }
            SleepState::Waiting(alarm) => {
                let mut alarm = alarm.lock().unwrap_or_else(PoisonError::into_inner);
                match &mut *alarm {
                    Alarm::Fired => {
                        drop(alarm);
                        this.state = SleepState::Finished;
                        Poll::Ready(())
                    }
                    Alarm::Armed(waker) => {
                        // Checked and replaced under one lock: the timer cannot fire in between.
                        if !waker.will_wake(cx.waker()) {
                            *waker = cx.waker().clone();
                        }
                        Poll::Pending
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// block_on
// ---------------------------------------------------------------------------------------------

/// A flag behind a mutex, and a condition variable to sleep on until it is set.
struct Signal {
    woken: Mutex<bool>,
    bell: Condvar,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        *self.woken.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.bell.notify_one();
    }
}

/// Runs `future` to completion on this thread, sleeping on a condition variable between
/// polls until the future's waker is called.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let signal = Arc::new(Signal { woken: Mutex::new(false), bell: Condvar::new() });
    let waker = Waker::from(Arc::clone(&signal));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // A wake during the poll has already set the flag, so this does not wait at all.
        let mut woken = signal.woken.lock().unwrap_or_else(PoisonError::into_inner);
        while !*woken {
            woken = signal.bell.wait(woken).unwrap_or_else(PoisonError::into_inner);
        }
        *woken = false;
    }
}

// ---------------------------------------------------------------------------------------------
// join
// ---------------------------------------------------------------------------------------------

/// One half of a join: still running, finished (with its output), or emptied.
enum Half<F: Future> {
    Running(Pin<Box<F>>),
    Finished(F::Output),
    Taken,
}

impl<F: Future> Half<F> {
    /// Polls the half if it still runs; true once its output is waiting to be taken.
    fn step(&mut self, cx: &mut Context<'_>) -> bool {
        if let Half::Running(future) = self {
            match future.as_mut().poll(cx) {
                Poll::Ready(output) => *self = Half::Finished(output),
                Poll::Pending => return false,
            }
        }
        matches!(self, Half::Finished(_))
    }

    fn take(&mut self) -> F::Output {
        match std::mem::replace(self, Half::Taken) {
            Half::Finished(output) => output,
            _ => panic!("Join polled after it completed"),
        }
    }
}

/// The future [`join`] returns: ready with both outputs once both halves are ready.
pub struct Join<A: Future, B: Future> {
    a: Half<A>,
    b: Half<B>,
}

// The running halves are boxed and outputs are never pinned: moving a Join is harmless.
impl<A: Future, B: Future> Unpin for Join<A, B> {}

/// Runs `a` and `b` at the same time on one thread, taking turns.
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join { a: Half::Running(Box::pin(a)), b: Half::Running(Box::pin(b)) }
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Both are stepped every time (no short-circuit), so neither waits for the other.
        let a_done = this.a.step(cx);
        let b_done = this.b.step(cx);
        if a_done && b_done { Poll::Ready((this.a.take(), this.b.take())) } else { Poll::Pending }
    }
}
