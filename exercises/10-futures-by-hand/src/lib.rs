//! Kata 10: futures by hand. A countdown that hands control back after every step, a sleep
//! that asks another thread to wake it, an executor that parks its thread until woken, and a
//! `join` that runs two futures on one thread by taking turns.
//!
//! Read README.md first. Replace each `todo!()`; `std::future`, `std::task` and `std::thread`
//! have everything you need (no tokio, no futures crate). The private types and fields below
//! are a suggestion: change them as you like, but keep the public API.
//! Check your work with `cargo test -p futures-by-hand`, then `cargo run -p grader -- 10`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
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
        todo!("store `from` and the boxed `tick`; do not call tick here")
    }
}

impl Future for Countdown {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        todo!("self.get_mut() (Countdown is Unpin); tick, count down, cx.waker().wake_by_ref(), Pending")
    }
}

// ---------------------------------------------------------------------------------------------
// Sleep: a future that waits for something outside itself
// ---------------------------------------------------------------------------------------------

/// What the sleeping future and its timer thread share.
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
    todo!("just store the duration: no thread, no clock yet")
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        todo!(
            "first poll: share a Timer holding cx.waker().clone() with a thread that sleeps, sets done \
             and wakes it; later polls: Ready if done, else keep the newest waker and stay Pending"
        )
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
        todo!("the same as wake_by_ref")
    }

    fn wake_by_ref(self: &Arc<Self>) {
        todo!("set `woken`, then unpark `thread`")
    }
}

/// Runs `future` to completion on this thread and returns its output. Between polls the
/// thread sleeps (parks) until the future's waker is called, from this thread or another, so
/// waiting costs no CPU; a wake that comes while the future is being polled is not lost.
pub fn block_on<F: Future>(future: F) -> F::Output {
    todo!(
        "std::pin::pin!(future); a Waker::from(Arc<Unparker>) for thread::current(); poll; \
         on Pending, thread::park() until the flag says you were woken; poll again"
    )
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
// That lets `poll` use `self.get_mut()` without any unsafe code.
impl<A: Future, B: Future> Unpin for Join<A, B> {}

/// Runs `a` and `b` at the same time on one thread: every poll of the `Join` polls each half
/// that has not finished yet (and never one that has), with the same waker, so whichever
/// half is woken gets its turn. Ready with `(a's output, b's output)` when both are done.
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    todo!("Box::pin each future; poll nothing yet")
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!(
            "poll each half that is still running, even if the other is Pending; when one is Ready keep \
             its output and drop the future; Ready((a, b)) once both are done"
        )
    }
}
