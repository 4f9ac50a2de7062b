//! A student's futures. The flaw: a sleep returns Ready at any poll after its first ("if we are polled again, the timer must have woken us"), but a future may be polled at any time: inside a join, whenever the other half is woken.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

pub struct Countdown {
    left: u32,
    tick: Box<dyn FnMut(u32) + Send>,
}

impl Countdown {
    pub fn new(from: u32, tick: impl FnMut(u32) + Send + 'static) -> Self {
        Countdown { left: from, tick: Box::new(tick) }
    }
}

impl Future for Countdown {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.left == 0 {
            Poll::Ready(())
        } else {
            let n = self.left;
            (self.tick)(n);
            self.left = n - 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

pub struct Sleep {
    duration: Duration,
    started: bool,
}

pub fn sleep(duration: Duration) -> Sleep {
    Sleep { duration, started: false }
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.started {
            // Polled again: the timer thread has woken us, so the time is up.
            return Poll::Ready(());
        }
        self.started = true;
        let waker = cx.waker().clone();
        let duration = self.duration;
        thread::spawn(move || {
            thread::sleep(duration);
            waker.wake();
        });
        Poll::Pending
    }
}

/// Wakes block_on through a flag and a condition variable.
struct Signal {
    woken: Mutex<bool>,
    cond: Condvar,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        *self.woken.lock().unwrap() = true;
        self.cond.notify_one();
    }
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = Box::pin(future);
    let signal = Arc::new(Signal { woken: Mutex::new(false), cond: Condvar::new() });
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        let mut woken = signal.woken.lock().unwrap();
        while !*woken {
            woken = signal.cond.wait(woken).unwrap();
        }
        *woken = false;
    }
}

pub struct Join<A: Future, B: Future> {
    a: Pin<Box<A>>,
    b: Pin<Box<B>>,
    a_out: Option<A::Output>,
    b_out: Option<B::Output>,
}

impl<A: Future, B: Future> Unpin for Join<A, B> {}

pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join { a: Box::pin(a), b: Box::pin(b), a_out: None, b_out: None }
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        if me.a_out.is_none()
            && let Poll::Ready(v) = me.a.as_mut().poll(cx)
        {
            me.a_out = Some(v);
        }
        if me.b_out.is_none()
            && let Poll::Ready(v) = me.b.as_mut().poll(cx)
        {
            me.b_out = Some(v);
        }
        if me.a_out.is_some() && me.b_out.is_some() {
            Poll::Ready((me.a_out.take().unwrap(), me.b_out.take().unwrap()))
        } else {
            Poll::Pending
        }
    }
}
