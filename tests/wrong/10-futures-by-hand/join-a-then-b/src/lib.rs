//! A student's join that drives the first half to the end before it polls the second.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

pub struct Countdown {
    remaining: u32,
    tick: Box<dyn FnMut(u32) + Send>,
}

impl Countdown {
    pub fn new(from: u32, tick: impl FnMut(u32) + Send + 'static) -> Self {
        Countdown { remaining: from, tick: Box::new(tick) }
    }
}

impl Future for Countdown {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let me = self.get_mut();
        if me.remaining == 0 {
            return Poll::Ready(());
        }
        (me.tick)(me.remaining);
        me.remaining -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

struct Timer {
    done: bool,
    waker: Option<Waker>,
}

pub struct Sleep {
    duration: Duration,
    timer: Option<Arc<Mutex<Timer>>>,
}

pub fn sleep(duration: Duration) -> Sleep {
    Sleep { duration, timer: None }
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let me = self.get_mut();
        match &me.timer {
            None => {
                let shared = Arc::new(Mutex::new(Timer { done: false, waker: Some(cx.waker().clone()) }));
                let theirs = shared.clone();
                let d = me.duration;
                thread::spawn(move || {
                    thread::sleep(d);
                    let waker = {
                        let mut t = theirs.lock().unwrap();
                        t.done = true;
                        t.waker.take()
                    };
                    if let Some(w) = waker {
                        w.wake();
                    }
                });
                me.timer = Some(shared);
                Poll::Pending
            }
            Some(shared) => {
                let mut t = shared.lock().unwrap();
                if t.done {
                    Poll::Ready(())
                } else {
                    t.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        }
    }
}

struct Unparker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let unparker = Arc::new(Unparker { thread: thread::current(), woken: AtomicBool::new(false) });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        while !unparker.woken.swap(false, Ordering::SeqCst) {
            thread::park();
        }
    }
}

enum Half<F: Future> {
    Running(Pin<Box<F>>),
    Done(Option<F::Output>),
}

impl<F: Future> Half<F> {
    fn step(&mut self, cx: &mut Context<'_>) -> bool {
        if let Half::Running(f) = self {
            match f.as_mut().poll(cx) {
                Poll::Ready(v) => *self = Half::Done(Some(v)),
                Poll::Pending => return false,
            }
        }
        true
    }
    fn take(&mut self) -> F::Output {
        match self {
            Half::Done(v) => v.take().expect("taken once"),
            Half::Running(_) => unreachable!("only taken when done"),
        }
    }
}

pub struct Join<A: Future, B: Future> {
    a: Half<A>,
    b: Half<B>,
}

impl<A: Future, B: Future> Unpin for Join<A, B> {}

pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join { a: Half::Running(Box::pin(a)), b: Half::Running(Box::pin(b)) }
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        let a_done = me.a.step(cx);
        let b_done = a_done && me.b.step(cx);
        if a_done && b_done { Poll::Ready((me.a.take(), me.b.take())) } else { Poll::Pending }
    }
}
