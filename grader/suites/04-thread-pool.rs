//! Hidden tests of kata 04: thread pool. Worker counts are proved with a gauge and thread ids,
//! concurrency with a rendezvous; the clock is read only for idle CPU and for 100 000 tiny jobs.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use kit::{Gauge, Rendezvous, test};
use thread_pool::*;

const MEET: Duration = Duration::from_secs(3);
/// How long a test waits for jobs that should have finished long before.
const PATIENCE: Duration = Duration::from_secs(6);

fn main() {
    kit::suite(&[
        test!(execute_runs_every_job).hint("every job pushed by execute must be taken and run by a worker"),
        test!(exactly_n_workers)
            .points(3)
            .hint("start exactly n threads in new() and run every job on one of them (no thread per job, no job on the caller's thread); if n_jobs_run_at_once fails too, a worker holds the queue's lock while it runs its job"),
        test!(n_jobs_run_at_once)
            .points(2)
            .hint("n workers should run n jobs at the same time: release the queue's lock before running a job"),
        test!(submit_returns_the_result).hint("send the job's value back through a channel; join() receives it"),
        test!(a_panicking_job_comes_back_as_an_error)
            .points(2)
            .hint("run the job under std::panic::catch_unwind and send Err(JobPanicked) with the payload's &str or String"),
        test!(map_keeps_input_order)
            .points(2)
            .hint("submit every item first, keep the handles in item order, then join them in that order; if n_jobs_run_at_once fails too, a worker holds the queue's lock while it runs its job"),
        test!(drop_runs_every_queued_job)
            .points(3)
            .hint("on drop, let the workers empty the queue before they leave, and join them"),
        test!(drop_joins_the_workers).hint("Drop must wake every sleeping worker (notify_all, not notify_one) and join each before it returns"),
        test!(survives_a_panic_storm)
            .points(3)
            .hint("a worker must catch the panic of any job it runs (catch_unwind), or the pool shrinks; if n_jobs_run_at_once fails too, a worker holds the queue's lock while it runs its job"),
        test!(new_refuses_0_workers).hint("ThreadPool::new(0) must panic (assert!(workers > 0)): a pool without workers never runs a job"),
        test!(execute_returns_while_every_worker_is_busy)
            .points(2)
            .hint("execute only queues the job and returns: no rendezvous or bounded channel that waits for a free worker"),
        test!(one_worker_runs_jobs_oldest_first)
            .hint("take jobs from the front of the queue (VecDeque::pop_front, or a channel): Vec::pop takes the newest"),
        test!(map_panics_with_the_message_of_f)
            .hint("when a handle's join gives Err(JobPanicked { message }), panic!(\"{message}\") with it: no unwrap, no message of your own"),
        test!(an_idle_worker_wakes_for_every_job)
            .points(3)
            .timing()
            .deadline(Duration::from_secs(30))
            .hint("check the queue and go to sleep in one step under the lock: `while queue.is_empty() { guard = cv.wait(guard) }`; unlocking between the check and the wait lets a notify go unheard"),
        test!(idle_pool_uses_no_cpu)
            .points(2)
            .timing()
            .hint("idle workers must sleep (Condvar::wait or a blocking recv), not poll the queue in a loop"),
        test!(many_tiny_jobs_are_fast)
            .points(2)
            .timing()
            .hint("a job should cost a push and a pop: no thread per job, no sleeping to wait for work"),
    ]);
}

/// Waits until `n` values arrive on `rx`, failing with `what` if they do not come in time.
fn collect<T>(rx: &mpsc::Receiver<T>, n: usize, what: &str) -> Vec<T> {
    let until = Instant::now() + PATIENCE;
    let mut got = Vec::with_capacity(n);
    while got.len() < n {
        let left = until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(v) => got.push(v),
            Err(_) => {
                panic!("{what}: only {} of {n} jobs finished within {} s", got.len(), PATIENCE.as_secs())
            }
        }
    }
    got
}

fn execute_runs_every_job() {
    let pool = ThreadPool::new(3);
    let (tx, rx) = mpsc::channel();
    for i in 0..200usize {
        let tx = tx.clone();
        pool.execute(move || tx.send(i).expect("the test is listening"));
    }
    let mut got = collect(&rx, 200, "execute");
    got.sort_unstable();
    assert_eq!(got, (0..200).collect::<Vec<_>>(), "every job exactly once");
    assert!(rx.recv_timeout(Duration::from_millis(50)).is_err(), "a job ran twice");
}

fn exactly_n_workers() {
    const N: usize = 4;
    let caller = std::thread::current().id();
    let pool = ThreadPool::new(N);
    let gauge = Arc::new(Gauge::new());
    let (tx, rx) = mpsc::channel();
    for _ in 0..4 * N {
        let (gauge, tx) = (gauge.clone(), tx.clone());
        pool.execute(move || {
            let _inside = gauge.enter();
            std::thread::sleep(Duration::from_millis(50));
            let _ = tx.send(std::thread::current().id());
        });
    }
    let ids: HashSet<_> = collect(&rx, 4 * N, "16 jobs of 50 ms on 4 workers").into_iter().collect();
    if ids.contains(&caller) {
        panic!("jobs ran on the thread that called execute: they must run on the pool's workers");
    }
    kit::at_most("jobs running at once (16 queued, 4 workers)", gauge.peak(), N, "jobs");
    kit::at_least("jobs running at once (16 queued, 4 workers)", gauge.peak(), N, "jobs");
    kit::at_most("distinct threads that ran the jobs", ids.len(), N, "threads");
    kit::at_least("distinct threads that ran the jobs", ids.len(), N, "threads");
}

fn n_jobs_run_at_once() {
    const N: usize = 4;
    let pool = ThreadPool::new(N);
    let (latch, opened) = meet_on(&pool, N, "joining the rendezvous jobs");
    let opened: Vec<bool> = opened.into_iter().map(|o| o.expect("a rendezvous job panicked")).collect();
    kit::at_least("jobs inside the rendezvous at once", latch.most_inside(), N, "jobs");
    assert!(opened.iter().all(|o| *o), "the rendezvous opened, yet a job saw it shut");
}

/// Submits `n` jobs that wait at one rendezvous and joins them within PATIENCE (`what` names
/// the wait if it runs out): the rendezvous, whose high-water mark says how many were inside at
/// once, and what each job's join gave.
fn meet_on(pool: &ThreadPool, n: usize, what: &str) -> (Arc<Rendezvous>, Vec<Result<bool, JobPanicked>>) {
    let latch = Arc::new(Rendezvous::new(n, MEET));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let latch = latch.clone();
            pool.submit(move || latch.wait())
        })
        .collect();
    let joined = kit::within(PATIENCE, what, move || handles.into_iter().map(JobHandle::join).collect());
    (latch, joined)
}

fn submit_returns_the_result() {
    let pool = ThreadPool::new(2);
    let a = pool.submit(|| 6 * 7);
    let b = pool.submit(|| String::from("pooled"));
    let c = pool.submit(|| vec![1u8, 2, 3]);
    assert_eq!(c.join(), Ok(vec![1, 2, 3]));
    assert_eq!(a.join(), Ok(42));
    assert_eq!(b.join(), Ok("pooled".to_string()));
}

fn a_panicking_job_comes_back_as_an_error() {
    let pool = ThreadPool::new(2);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let a = pool.submit(|| -> u32 { panic!("job a failed") });
        let b = pool.submit(|| -> u32 { panic!("{}", String::from("job b failed too")) });
        let c = pool.submit(|| 3u32);
        (a.join(), b.join(), c.join())
    }))
    .unwrap_or_else(|_| panic!("a job's panic reached the caller: join must return it as Err"));
    assert_eq!(outcome.0, Err(JobPanicked { message: "job a failed".into() }), "a &str panic message");
    assert_eq!(outcome.1, Err(JobPanicked { message: "job b failed too".into() }), "a String panic message");
    assert_eq!(outcome.2, Ok(3), "the other jobs' results still arrive");
}

fn map_keeps_input_order() {
    let pool = ThreadPool::new(4);
    let gauge = Arc::new(Gauge::new());
    let g = gauge.clone();
    // Later items finish first, so completion order is not item order.
    let got = pool.map(0..12u64, move |x| {
        let _inside = g.enter();
        std::thread::sleep(Duration::from_millis((12 - x) * 5));
        format!("item {x}")
    });
    let want: Vec<String> = (0..12).map(|x| format!("item {x}")).collect();
    assert_eq!(got, want, "results must follow the order of the items, not the order they finished in");
    assert!(pool.map(Vec::<u8>::new(), |x| x).is_empty(), "no items, no results");
    kit::at_least("map jobs running at once on 4 workers", gauge.peak(), 2, "jobs");
    kit::at_most("map jobs running at once on 4 workers", gauge.peak(), 4, "jobs");
}

fn drop_runs_every_queued_job() {
    let done = Arc::new(AtomicUsize::new(0));
    let pool = ThreadPool::new(2);
    for _ in 0..20 {
        let done = done.clone();
        pool.execute(move || {
            std::thread::sleep(Duration::from_millis(10));
            done.fetch_add(1, SeqCst);
        });
    }
    // Dropped with most of the 20 jobs still queued; drop must run them all before returning.
    kit::within(PATIENCE, "dropping the pool", move || drop(pool));
    kit::at_least("jobs finished when drop returned", done.load(SeqCst), 20, "jobs");
}

fn drop_joins_the_workers() {
    let baseline = kit::procs::baseline_threads();
    let pool = ThreadPool::new(5);
    let started = kit::procs::thread_count().unwrap_or(baseline);
    kit::at_least("threads started by ThreadPool::new(5)", started.saturating_sub(baseline), 5, "threads");
    // Every worker runs a job, then goes back to waiting for work: drop must wake them all.
    meet_on(&pool, 5, "five jobs on five workers");
    // Drop while they are asleep: a drop that wakes only one of them must show.
    kit::procs::others_asleep(Duration::from_secs(5));
    drop(pool);
    // Joined threads leave the task list a moment after join returns: allow that moment only.
    let left = kit::procs::threads_left(baseline, Duration::from_millis(500));
    kit::at_most("worker threads still alive after the pool was dropped", left, 0, "threads");
}

fn survives_a_panic_storm() {
    const N: usize = 4;
    let pool = ThreadPool::new(N);
    for i in 0..1000 {
        pool.execute(move || panic!("storm job {i}"));
    }
    let (latch, _) = meet_on(&pool, N, "jobs submitted after 1000 panicking jobs");
    kit::at_least("jobs running at once after 1000 panics (4 workers)", latch.most_inside(), N, "jobs");
}

fn idle_pool_uses_no_cpu() {
    let pool = ThreadPool::new(4);
    // Every worker has started and gone idle once this has run.
    let warmup: Vec<_> = (0..8).map(|i| pool.submit(move || i)).collect();
    for h in warmup {
        h.join().expect("a warm-up job");
    }
    std::thread::sleep(Duration::from_millis(20));
    let meter = kit::require_some(kit::Needs::ProcessCpu, kit::CpuMeter::start());
    std::thread::sleep(Duration::from_millis(400));
    let idle = meter.stop().parallelism();
    // Four polling workers take what four busy threads would get, which on a busy machine may
    // be less than the fixed bar: so the bar is also held to a tenth of that share.
    let share = kit::free_cores(4, Duration::from_millis(200));
    kit::figure("CPU seconds per wall second 4 busy threads got", share, "x");
    let bar = (0.1 * share).min(0.2);
    if idle > 0.0 && bar < 0.01 {
        kit::unmeasured(&format!("the machine is too busy: 4 busy threads got {share:.2} cores"));
    }
    kit::at_most("CPU seconds per wall second while 4 workers wait for jobs", idle, bar, "x");
    // Still alive after idling.
    assert_eq!(pool.submit(|| 5).join(), Ok(5));
}

fn many_tiny_jobs_are_fast() {
    const JOBS: usize = 100_000;
    // A pool exists to make a job cheaper than a thread of its own: hold it to that, against a
    // thread per job timed in the same run (before and after, the cheaper of the two), so a
    // busy machine slows the bar and the pool alike instead of failing a correct pool.
    let thread_each = thread_per_job_cost().min(thread_per_job_cost());
    let pool = ThreadPool::new(4);
    let done = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    let per_job = |jobs: usize| start.elapsed().as_secs_f64() / jobs as f64 * 1e6;
    let bar = |thread_each: f64| {
        kit::figure("a tiny job with a thread of its own", thread_each, "us");
        // The reference costs a twentieth to a fiftieth of a thread per job: a quarter is headroom.
        thread_each / 4.0
    };
    for n in 1..=JOBS {
        let (done, tx) = (done.clone(), tx.clone());
        pool.execute(move || {
            if done.fetch_add(1, SeqCst) + 1 == JOBS {
                let _ = tx.send(());
            }
        });
        if n % 1000 == 0 && start.elapsed() > Duration::from_secs(4) {
            // Far too slow already: judge what was submitted before the deadline does.
            kit::at_most("a tiny job in the pool (while submitting)", per_job(n), bar(thread_each), "us");
        }
    }
    if rx.recv_timeout(Duration::from_secs(4)).is_err() {
        panic!("only {} of {JOBS} tiny jobs finished within 4 s of being submitted", done.load(SeqCst));
    }
    let per_job = per_job(JOBS);
    kit::at_most("a tiny job in the pool", per_job, bar(thread_each.min(thread_per_job_cost())), "us");
}

/// Microseconds per tiny job when each gets a thread of its own: 2 000 threads, spawned 100
/// at a time and joined (well inside the test's limit on threads).
fn thread_per_job_cost() -> f64 {
    const THREADS: usize = 2_000;
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    for _ in 0..THREADS / 100 {
        let handles: Vec<_> = (0..100)
            .map(|_| {
                let done = done.clone();
                std::thread::spawn(move || done.fetch_add(1, SeqCst))
            })
            .collect();
        for h in handles {
            let _ = h.join();
        }
    }
    start.elapsed().as_secs_f64() / THREADS as f64 * 1e6
}

/// A gate jobs wait at until the test opens it; it opens by itself after `limit`, so a job
/// held at it never hangs the test.
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn new(limit: Duration) -> Arc<Gate> {
        let gate = Arc::new(Gate { open: Mutex::new(false), opened: Condvar::new() });
        let timer = Arc::clone(&gate);
        std::thread::spawn(move || {
            std::thread::sleep(limit);
            timer.open();
        });
        gate
    }
    fn wait(&self) {
        let guard = self.open.lock().unwrap_or_else(|p| p.into_inner());
        drop(self.opened.wait_while(guard, |open| !*open).unwrap_or_else(|p| p.into_inner()));
    }
    fn open(&self) {
        *self.open.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.opened.notify_all();
    }
    fn is_open(&self) -> bool {
        *self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn new_refuses_0_workers() {
    drop(ThreadPool::new(1)); // a stub stops here
    match std::panic::catch_unwind(|| ThreadPool::new(0)) {
        Err(_) => {}
        Ok(pool) => {
            std::mem::forget(pool);
            panic!(
                "ThreadPool::new(0) returned a pool: with no worker nothing would ever run, so it must panic"
            );
        }
    }
}

fn execute_returns_while_every_worker_is_busy() {
    const QUEUED: usize = 100;
    let pool = ThreadPool::new(1);
    // The only worker is held at a gate that opens by itself after 4 s.
    let gate = Gate::new(Duration::from_secs(4));
    let (tx, rx) = mpsc::channel();
    let g = Arc::clone(&gate);
    pool.execute(move || g.wait());
    for i in 0..QUEUED {
        let tx = tx.clone();
        pool.execute(move || tx.send(i).expect("the test is listening"));
    }
    let waited_for_the_worker = gate.is_open();
    gate.open();
    let got = collect(&rx, QUEUED, "jobs queued while the worker was busy");
    if waited_for_the_worker {
        panic!(
            "execute waited until the busy worker was free (the {QUEUED} calls returned only after the gate opened): it must queue the job and return at once"
        );
    }
    assert_eq!(got.len(), QUEUED);
}

fn one_worker_runs_jobs_oldest_first() {
    const QUEUED: usize = 50;
    let pool = ThreadPool::new(1);
    let gate = Gate::new(Duration::from_secs(4));
    let g = Arc::clone(&gate);
    pool.execute(move || g.wait());
    let (tx, rx) = mpsc::channel();
    for i in 0..QUEUED {
        let tx = tx.clone();
        pool.execute(move || tx.send(i).expect("the test is listening"));
    }
    gate.open();
    let got = collect(&rx, QUEUED, "jobs queued behind a busy worker");
    assert_eq!(
        got,
        (0..QUEUED).collect::<Vec<_>>(),
        "one worker must run the queued jobs oldest first, in the order they were given"
    );
}

fn map_panics_with_the_message_of_f() {
    let pool = ThreadPool::new(2);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.map(0..6u32, |x| if x == 3 { panic!("item {x} failed") } else { x })
    }));
    match outcome {
        Ok(got) => panic!("map returned {got:?} although f panicked for item 3: it must panic"),
        Err(payload) => assert_eq!(
            kit::harness::payload_text(&*payload),
            "item 3 failed",
            "map must panic with the message f panicked with"
        ),
    }
    assert_eq!(pool.map(0..4u32, |x| x * 2), vec![0, 2, 4, 6], "the pool still works after map panicked");
}

/// Idle-to-busy round trips: one job, wait for it, the next. The worker goes back to sleep
/// between jobs, so every job must wake it. A worker that checks the queue, lets go of the
/// lock, then takes it again to wait, sleeps through a job queued in that gap. To land jobs in
/// that gap, each job, once it has reported, waits (at most 20 µs) for the test to announce
/// the next job, and the test spins a varying number of steps between the announcement and
/// the next job: so the next job arrives at every point of the worker's way back to sleep.
fn an_idle_worker_wakes_for_every_job() {
    // The gap is a few instructions wide: as many trips as fit in the budget, up to a cap; a
    // busy machine that makes fewer than ENOUGH gets more time, up to PATIENT.
    const BUDGET: Duration = Duration::from_secs(5);
    const PATIENT: Duration = Duration::from_secs(15);
    const CAP: usize = 300_000;
    const ENOUGH: usize = 60_000;
    let pool = ThreadPool::new(1);
    let (tx, rx) = mpsc::channel();
    let announced = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut trips = 0;
    loop {
        let spent = start.elapsed();
        if trips >= CAP || spent >= PATIENT || (spent >= BUDGET && trips >= ENOUGH) {
            break;
        }
        let (tx, next) = (tx.clone(), Arc::clone(&announced));
        pool.execute(move || {
            let _ = tx.send(());
            let until = Instant::now() + Duration::from_micros(20);
            while next.load(SeqCst) <= trips && Instant::now() < until {
                std::hint::spin_loop();
            }
        });
        if !report_arrives(&rx) {
            std::mem::forget(pool); // its worker sleeps with a job queued: dropping could hang
            panic!("job {}, given to an idle pool, never ran (waited 3 s): a wake-up was lost", trips + 1);
        }
        trips += 1;
        announced.store(trips, SeqCst);
        for step in 0..(trips * 7919) % 2039 {
            std::hint::black_box(step); // a nanosecond or two each
        }
    }
    kit::figure("idle-to-busy round trips", trips, "jobs");
    kit::figure("seconds per 1000 round trips", start.elapsed().as_secs_f64() * 1000.0 / trips as f64, "s");
    if trips < ENOUGH {
        kit::unmeasured(&format!(
            "the machine is too busy: {trips} round trips fit in {} s, {ENOUGH} are needed to find a lost wake-up",
            PATIENT.as_secs()
        ));
    }
}

/// Waits up to 3 s for a job's report, watching for it without sleeping for the first 20 µs.
fn report_arrives(rx: &mpsc::Receiver<()>) -> bool {
    let spin_until = Instant::now() + Duration::from_micros(20);
    while Instant::now() < spin_until {
        if rx.try_recv().is_ok() {
            return true;
        }
        std::hint::spin_loop();
    }
    rx.recv_timeout(Duration::from_secs(3)).is_ok()
}
