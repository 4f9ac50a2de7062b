//! Alternate: `block_on`'s waker sends on an `mpsc` channel and the executor blocks in
//! `recv()` (draining extra wakes) instead of parking; every `Sleep` registers its deadline
//! with one shared timer thread (started at the first poll of any sleep) that sleeps on a
//! `Condvar` until the earliest deadline, instead of a thread per sleep; the countdown counts
//! its polls up; `join` keeps each half in a small fused wrapper.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------------------------
// Countdown
// ---------------------------------------------------------------------------------------------

/// Counts down from `from` to 1, one number per poll; the poll after `tick(1)` is `Ready`.
pub struct Countdown {
    from: u32,
    ticked: u32,
    tick: Box<dyn FnMut(u32) + Send>,
}

impl Countdown {
    /// A countdown from `from`; nothing happens (no tick) until it is polled.
    pub fn new(from: u32, tick: impl FnMut(u32) + Send + 'static) -> Self {
        Countdown { from, ticked: 0, tick: Box::new(tick) }
    }
}

impl Future for Countdown {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.ticked == self.from {
            return Poll::Ready(());
        }
        let n = self.from - self.ticked;
        (self.tick)(n);
        self.ticked += 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

// ---------------------------------------------------------------------------------------------
// Sleep, with one timer thread for every sleep
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Alarm {
    rung: bool,
    waker: Option<Waker>,
}

/// The shared timer: pending alarms and a condition variable its thread sleeps on.
struct Timers {
    pending: Mutex<Vec<(Instant, Arc<Mutex<Alarm>>)>>,
    changed: Condvar,
}

impl Timers {
    /// The timer, its thread started by the first call.
    fn get() -> &'static Timers {
        static TIMERS: OnceLock<&'static Timers> = OnceLock::new();
        TIMERS.get_or_init(|| {
            let timers: &'static Timers =
                Box::leak(Box::new(Timers { pending: Mutex::new(Vec::new()), changed: Condvar::new() }));
            thread::Builder::new()
                .name("sleep-timer".into())
                .spawn(move || timers.run())
                .expect("start the timer thread");
            timers
        })
    }

    fn add(&self, at: Instant, alarm: Arc<Mutex<Alarm>>) {
        lock(&self.pending).push((at, alarm));
        self.changed.notify_one();
    }

    /// Sleeps until the earliest deadline (or a new alarm), rings what is due, for ever.
    fn run(&self) {
        let mut pending = lock(&self.pending);
        loop {
            let now = Instant::now();
            let mut due = Vec::new();
            pending.retain(|(at, alarm)| {
                if *at <= now {
                    due.push(alarm.clone());
                }
                *at > now
            });
            if !due.is_empty() {
                drop(pending);
                for alarm in due {
                    let waker = {
                        let mut a = lock(&alarm);
                        a.rung = true;
                        a.waker.take()
                    };
                    if let Some(w) = waker {
                        w.wake();
                    }
                }
                pending = lock(&self.pending);
                continue;
            }
            pending = match pending.iter().map(|(at, _)| *at).min() {
                None => self.changed.wait(pending).unwrap_or_else(PoisonError::into_inner),
                Some(next) => {
                    self.changed.wait_timeout(pending, next - now).unwrap_or_else(PoisonError::into_inner).0
                }
            };
        }
    }
}

/// A future that is ready `duration` after it was first polled.
pub struct Sleep {
    duration: Duration,
    alarm: Option<Arc<Mutex<Alarm>>>,
}

/// A [`Sleep`] of `duration`. Creating it starts nothing.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep { duration, alarm: None }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(alarm) = &self.alarm else {
            let alarm = Arc::new(Mutex::new(Alarm { rung: false, waker: Some(cx.waker().clone()) }));
            Timers::get().add(Instant::now() + self.duration, alarm.clone());
            self.alarm = Some(alarm);
            return Poll::Pending;
        };
        let mut a = lock(alarm);
        if a.rung {
            return Poll::Ready(());
        }
        if !a.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            a.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

// ---------------------------------------------------------------------------------------------
// block_on
// ---------------------------------------------------------------------------------------------

/// A waker that rings by sending a message to the executor.
struct Doorbell(Mutex<Sender<()>>);

impl Wake for Doorbell {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // The executor may be gone (the future finished): nobody to tell, nothing to do.
        let _ = lock(&self.0).send(());
    }
}

/// Runs `future` to completion on this thread, blocked on a channel between polls until the
/// future's waker sends it a message.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let (tx, rx): (Sender<()>, Receiver<()>) = mpsc::channel();
    let waker = Waker::from(Arc::new(Doorbell(Mutex::new(tx))));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // A wake during the poll is already in the channel: recv returns at once. We hold a
        // sender in `waker`, so recv cannot fail.
        rx.recv().expect("the waker keeps the channel open");
        // Several wakes before the next poll need only that one poll.
        while rx.try_recv().is_ok() {}
    }
}

// ---------------------------------------------------------------------------------------------
// join
// ---------------------------------------------------------------------------------------------

/// A future that is polled until it is ready and never after: then it only holds the output.
struct Fused<F: Future> {
    future: Option<Pin<Box<F>>>,
    output: Option<F::Output>,
}

impl<F: Future> Fused<F> {
    fn new(future: F) -> Self {
        Fused { future: Some(Box::pin(future)), output: None }
    }

    fn poll_done(&mut self, cx: &mut Context<'_>) -> bool {
        if let Some(f) = self.future.as_mut() {
            if let Poll::Ready(v) = f.as_mut().poll(cx) {
                self.output = Some(v);
                self.future = None;
            }
        }
        self.future.is_none()
    }
}

/// The future [`join`] returns: ready with both outputs once both halves are ready.
pub struct Join<A: Future, B: Future> {
    a: Fused<A>,
    b: Fused<B>,
}

impl<A: Future, B: Future> Unpin for Join<A, B> {}

/// Runs `a` and `b` at the same time on one thread, taking turns.
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join { a: Fused::new(a), b: Fused::new(b) }
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let done = [this.a.poll_done(cx), this.b.poll_done(cx)];
        if done != [true, true] {
            return Poll::Pending;
        }
        match (this.a.output.take(), this.b.output.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            _ => panic!("Join polled after it completed"),
        }
    }
}
