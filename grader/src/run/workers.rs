//! A fixed number of worker threads taking items from one queue in order: the tests of a
//! grading on its cores, the submissions of a batch on its slots.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

/// Runs `work(worker, item)` for every item on `workers` threads (numbered from 1), each
/// taking the next item as it finishes one; returns when all are done.
pub fn drain<T: Send>(items: impl IntoIterator<Item = T>, workers: usize, work: impl Fn(usize, T) + Sync) {
    let queue = Mutex::new(items.into_iter().collect::<VecDeque<T>>());
    std::thread::scope(|s| {
        for worker in 1..=workers.max(1) {
            let (queue, work) = (&queue, &work);
            s.spawn(move || {
                loop {
                    // Its own statement, so the queue is unlocked before the work: a guard kept
                    // for the loop's body (as `while let` keeps it) runs the items one at a time.
                    let next = queue.lock().unwrap_or_else(PoisonError::into_inner).pop_front();
                    let Some(item) = next else { break };
                    work(worker, item);
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn two_workers_run_two_items_at_once() {
        let started = AtomicUsize::new(0);
        let met = AtomicUsize::new(0);
        drain([1, 2], 2, |_, _| {
            started.fetch_add(1, Ordering::SeqCst);
            let until = Instant::now() + Duration::from_secs(10);
            while started.load(Ordering::SeqCst) < 2 && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(1));
            }
            if started.load(Ordering::SeqCst) == 2 {
                met.fetch_add(1, Ordering::SeqCst);
            }
        });
        assert_eq!(met.load(Ordering::SeqCst), 2, "one item ran only after the other had finished");
    }

    #[test]
    fn every_item_runs_once_on_a_numbered_worker() {
        let seen = Mutex::new(Vec::new());
        drain(0..100, 3, |worker, item| {
            assert!((1..=3).contains(&worker), "worker {worker}");
            seen.lock().unwrap().push(item);
        });
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
    }
}
