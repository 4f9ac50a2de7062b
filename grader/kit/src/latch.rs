//! A rendezvous latch: it opens only when `n` parties are inside at once.
//!
//! Parties that run one after another never meet, so the latch stays shut; it then releases
//! everyone at its deadline (measured from the first arrival) instead of hanging the test.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Rendezvous {
    n: usize,
    timeout: Duration,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    inside: usize,
    most_inside: usize,
    opened: bool,
    first_arrival: Option<Instant>,
}

impl Rendezvous {
    pub fn new(n: usize, timeout: Duration) -> Self {
        Rendezvous { n, timeout, state: Mutex::new(State::default()), changed: Condvar::new() }
    }

    /// Waits inside until `n` parties are in at once (true) or the deadline passes (false).
    pub fn wait(&self) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let deadline = *s.first_arrival.get_or_insert_with(Instant::now) + self.timeout;
        s.inside += 1;
        s.most_inside = s.most_inside.max(s.inside);
        if s.inside >= self.n {
            s.opened = true;
            self.changed.notify_all();
        }
        while !s.opened {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            s = self.changed.wait_timeout(s, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
        s.inside -= 1;
        s.opened
    }

    /// Whether `n` parties were ever inside at once.
    pub fn opened(&self) -> bool {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).opened
    }

    /// The most parties that were inside at once.
    pub fn most_inside(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).most_inside
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_when_all_parties_meet() {
        let latch = Rendezvous::new(3, Duration::from_secs(5));
        std::thread::scope(|s| {
            let hs: Vec<_> = (0..3).map(|_| s.spawn(|| latch.wait())).collect();
            assert!(hs.into_iter().all(|h| h.join().unwrap()));
        });
        assert!(latch.opened());
    }

    #[test]
    fn parties_one_after_another_are_released_at_the_deadline() {
        let latch = Rendezvous::new(2, Duration::from_millis(100));
        let start = Instant::now();
        assert!(!latch.wait());
        assert!(!latch.wait(), "a late party passes at once, it does not wait again");
        assert!(start.elapsed() < Duration::from_secs(2));
        assert_eq!(latch.most_inside(), 1);
    }
}
