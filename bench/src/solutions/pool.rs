//! The thread pool (04) against `rayon::ThreadPool::spawn` and a std thread per job: throughput
//! on 100 000 tiny jobs, and the latency of one job on an idle pool.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use super::thread_pool_solution::ThreadPool;
use super::{busy_machine, cores, free_cores, human, interleaved, notes, ratio, thousands, verdict};
use crate::table::{Row, median};

const JOBS: usize = 100_000;
/// Round trips per latency figure (the median of them is the figure).
const ROUND_TRIPS: usize = 101;

/// Something that runs a `'static` job somewhere else and returns at once.
trait Runner {
    fn go<F: FnOnce() + Send + 'static>(&self, job: F);
}

impl Runner for ThreadPool {
    fn go<F: FnOnce() + Send + 'static>(&self, job: F) {
        self.execute(job);
    }
}

impl Runner for rayon::ThreadPool {
    fn go<F: FnOnce() + Send + 'static>(&self, job: F) {
        self.spawn(job);
    }
}

/// No pool: a new std thread for every job, detached.
struct ThreadPerJob;

impl Runner for ThreadPerJob {
    fn go<F: FnOnce() + Send + 'static>(&self, job: F) {
        drop(std::thread::Builder::new().spawn(job).expect("spawn a thread"));
    }
}

/// Counts jobs down; the last one tells the waiting caller, so no contender pays for joins.
struct Countdown {
    left: AtomicUsize,
    done: mpsc::Sender<()>,
}

/// Seconds to run `JOBS` tiny jobs on `r`, from the first submission to the last job's end.
fn throughput(r: &impl Runner) -> f64 {
    let (done, all_done) = mpsc::channel();
    let countdown = Arc::new(Countdown { left: AtomicUsize::new(JOBS), done });
    let start = Instant::now();
    for i in 0..JOBS {
        let countdown = Arc::clone(&countdown);
        r.go(move || {
            black_box(black_box(i).wrapping_mul(31));
            if countdown.left.fetch_sub(1, Ordering::AcqRel) == 1 {
                let _ = countdown.done.send(());
            }
        });
    }
    all_done.recv().expect("the last job reports");
    start.elapsed().as_secs_f64()
}

/// The median seconds from handing one job to an idle `r` to hearing back from it.
fn latency(r: &impl Runner) -> f64 {
    let (tx, rx) = mpsc::channel();
    let mut samples = Vec::with_capacity(ROUND_TRIPS);
    for _ in 0..ROUND_TRIPS {
        // Long enough for every worker to go back to sleep: the pool is idle again.
        std::thread::sleep(Duration::from_millis(2));
        let tx = tx.clone();
        let start = Instant::now();
        r.go(move || {
            let _ = tx.send(());
        });
        rx.recv().expect("the job reports");
        samples.push(start.elapsed().as_secs_f64());
    }
    median(&mut samples)
}

pub fn rows() -> Vec<Row> {
    let n = cores();
    let ours = ThreadPool::new(n);
    let rayon = rayon::ThreadPoolBuilder::new().num_threads(n).build().expect("build a rayon pool");
    let [t_ours, t_rayon, t_threads] =
        interleaved([&mut || throughput(&ours), &mut || throughput(&rayon), &mut || {
            throughput(&ThreadPerJob)
        }]);
    let per_sec = |t: f64| format!("{:.2} M jobs/s", JOBS as f64 / t / 1e6);
    let vs_rayon = t_rayon / t_ours;
    let vs_threads = t_threads / t_ours;
    let free = free_cores();
    let l_ours = latency(&ours);
    let l_rayon = latency(&rayon);
    let l_thread = latency(&ThreadPerJob);
    vec![
        Row::new(
            format!("thread pool (04), {n} workers: {} tiny jobs", thousands(JOBS as u64)),
            format!("{} ({})", human(t_ours), per_sec(t_ours)),
        ),
        Row::new(
            format!("`rayon::ThreadPool::spawn`, {n} threads: same jobs"),
            format!("{} ({})", human(t_rayon), per_sec(t_rayon)),
        ),
        Row::new("a std thread per job: same jobs", format!("{} ({})", human(t_threads), per_sec(t_threads))),
        Row::new("throughput, 04 / rayon", ratio(vs_rayon)).goal("≥ 0.5×").note(verdict(
            vs_rayon >= 0.5,
            "one queue behind one Mutex, so every execute and every take contend for the same \
             lock (the pool already wakes a worker only when one sleeps); rayon gives each thread \
             its own lock-free deque and steals between them: the next step past this kata",
        )),
        Row::new("throughput, 04 / a thread per job", ratio(vs_threads))
            .goal("≥ 10×")
            .note(verdict(vs_threads >= 10.0, "thread creation is cheaper here than expected")),
        Row::new("latency of one job, idle pool (04)", human(l_ours))
            .note(format!("median of {ROUND_TRIPS} round trips, 2 ms apart so the workers are asleep")),
        Row::new("latency of one job, idle rayon pool", human(l_rayon)),
        Row::new("latency of one job, new std thread", human(l_thread)),
        Row::new("latency, 04 / rayon", ratio(l_ours / l_rayon)).goal("≤ 2×").note(verdict(
            l_ours <= 2.0 * l_rayon,
            notes(
                "a worker asleep on a Condvar must be woken by a futex call and wait for a core",
                busy_machine(free),
            ),
        )),
        Row::new("latency, 04 / new thread", ratio(l_ours / l_thread)).goal("≤ 1×").note(verdict(
            l_ours <= l_thread,
            notes(
                "a woken worker and a new thread both wait for a free core, and while other \
                     processes hold the cores that wait, not the wake-up or the thread's creation, \
                     is what is measured",
                busy_machine(free),
            ),
        )),
    ]
}
