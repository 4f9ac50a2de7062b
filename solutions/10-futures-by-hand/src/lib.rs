//! Kata 10: futures by hand. A countdown that hands control back after every step, a sleep
//! that asks another thread to wake it, an executor that parks its thread until woken, and a
//! `join` that runs two futures on one thread by taking turns.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Countdown: the tutorial's generator, as a future
// ---------------------------------------------------------------------------------------------

/// Counts down from `from` to 1, one number per poll, like the tutorial's `countdown`
/// generator: every poll that is not the last calls `tick` with the current number and
/// returns `Pending`, the way the generator `yield`s. The poll after `tick(1)` returns
/// `Ready(())`. So `Countdown::new(3, ..)` ticks 3, 2, 1 and is polled exactly 4 times.
///
/// It has nothing to wait for: it only steps aside so other futures can run. Before it
/// returns `Pending` it wakes its own waker, or nobody would ever poll it again.
pub struct Countdown {
    remaining: u32,
    tick: Box<dyn FnMut(u32) + Send>,
}

impl Countdown {
    /// A countdown from `from`; nothing happens (no tick) until it is polled.
    pub fn new(from: u32, tick: impl FnMut(u32) + Send + 'static) -> Self {
        Countdown { remaining: from, tick: Box::new(tick) }
    }
}

impl Future for Countdown {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Countdown holds no self-references, so it is Unpin and we may take `&mut Self`.
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(());
        }
        (this.tick)(this.remaining);
        this.remaining -= 1;
        // "Poll me again soon": the executor puts us back in line, like a generator that
        // yielded. Without this wake, Pending would mean "never again".
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

// ---------------------------------------------------------------------------------------------
// Sleep: a future that waits for something outside itself
// ---------------------------------------------------------------------------------------------

/// What the sleeping future and its timer thread share.
#[derive(Default)]
struct Timer {
    done: bool,
    /// The waker of the most recent poll: the one to call when the time is up.
    waker: Option<Waker>,
}

/// A future that is ready `duration` after it was first polled. The clock starts at the first
/// poll, not at creation: a future does nothing until it is polled.
pub struct Sleep {
    duration: Duration,
    /// `None` until the first poll starts the timer thread.
    timer: Option<Arc<Mutex<Timer>>>,
}

/// A [`Sleep`] of `duration`. Creating it starts nothing.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep { duration, timer: None }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        match &this.timer {
            None => {
                // First poll: remember who to wake, then start the clock on a helper thread.
                // (A real runtime keeps one timer thread, or the OS's timers, for all sleeps.)
                let timer = Arc::new(Mutex::new(Timer { done: false, waker: Some(cx.waker().clone()) }));
                let theirs = timer.clone();
                let duration = this.duration;
                thread::spawn(move || {
                    thread::sleep(duration);
                    let waker = {
                        let mut t = theirs.lock().unwrap();
                        t.done = true;
                        t.waker.take()
                    };
                    // Wake outside the lock: the executor may poll (and lock) straight away.
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                });
                this.timer = Some(timer);
                Poll::Pending
            }
            Some(timer) => {
                let mut t = timer.lock().unwrap();
                if t.done {
                    return Poll::Ready(());
                }
                // Still waiting. We may have been polled by a different task (moved, or
                // inside a join) since last time: keep the newest waker, cheaply.
                match &t.waker {
                    Some(old) if old.will_wake(cx.waker()) => {}
                    _ => t.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// block_on: the smallest executor
// ---------------------------------------------------------------------------------------------

/// The waker of [`block_on`]: "wake" means "set the flag and unpark the blocked thread".
struct Unparker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Runs `future` to completion on this thread and returns its output. Between polls the
/// thread sleeps (parks) until the future's waker is called, from this thread or another, so
/// waiting costs no CPU; a wake that comes while the future is being polled is not lost.
pub fn block_on<F: Future>(future: F) -> F::Output {
    // Pin it on our stack: once polled, a future must not move.
    let mut future = std::pin::pin!(future);
    let unparker = Arc::new(Unparker { thread: thread::current(), woken: AtomicBool::new(false) });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // Sleep until woken. `swap` takes the wake, so one wake means one more poll; park may
        // also return for no reason, hence the loop. A wake that happened during the poll has
        // already set the flag, and unpark before park makes park return at once.
        while !unparker.woken.swap(false, Ordering::Acquire) {
            thread::park();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// join: two futures, one thread, taking turns
// ---------------------------------------------------------------------------------------------

/// The future [`join`] returns: ready with both outputs once both halves are ready.
pub struct Join<A: Future, B: Future> {
    /// The first half while it runs; `None` once it has finished.
    a: Option<Pin<Box<A>>>,
    b: Option<Pin<Box<B>>>,
    /// A finished half's output, kept until the other half is done too.
    a_output: Option<A::Output>,
    b_output: Option<B::Output>,
}

// The halves are boxed, so they stay pinned wherever the Join moves, and the outputs are
// never pinned: moving a Join is harmless, so it may be Unpin whatever A and B are.
impl<A: Future, B: Future> Unpin for Join<A, B> {}

/// Runs `a` and `b` at the same time on one thread: every poll of the `Join` polls each half
/// that has not finished yet (and never one that has), with the same waker, so whichever
/// half is woken gets its turn. Ready with `(a's output, b's output)` when both are done.
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join { a: Some(Box::pin(a)), b: Some(Box::pin(b)), a_output: None, b_output: None }
}

/// Polls one half if it is still running; once it is ready, keeps its output and drops it.
fn poll_half<F: Future>(
    future: &mut Option<Pin<Box<F>>>,
    output: &mut Option<F::Output>,
    cx: &mut Context<'_>,
) {
    if let Some(running) = future
        && let Poll::Ready(value) = running.as_mut().poll(cx)
    {
        *output = Some(value);
        *future = None; // finished: a future must not be polled after it returned Ready
    }
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Poll both, even when `a` is still pending: that is what makes them concurrent.
        poll_half(&mut this.a, &mut this.a_output, cx);
        poll_half(&mut this.b, &mut this.b_output, cx);
        if this.a.is_some() || this.b.is_some() {
            return Poll::Pending;
        }
        let a = this.a_output.take().expect("Join polled after it completed");
        let b = this.b_output.take().expect("Join polled after it completed");
        Poll::Ready((a, b))
    }
}
