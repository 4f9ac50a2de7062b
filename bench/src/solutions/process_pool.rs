//! The process pool (07) against a sequential loop and against the thread pool (04), on the
//! same CPU-bound tasks. Its workers are this benchmark started again: `main` calls
//! [`super::worker_guard`] first thing, which serves [`JOBS`] in a worker and returns at once
//! anywhere else.

use std::hint::black_box;

use super::process_pool_solution::{Job, Pool};
use super::thread_pool_solution::ThreadPool;
use super::{busy_machine, cores, free_cores, human, interleaved, notes, ratio, time, verdict};
use crate::table::Row;

/// The jobs a worker process can run, by name.
pub const JOBS: &[Job] = &[Job::new("crunch", crunch_job)];

const TASKS: usize = 40;
/// Rounds of xorshift per task: a few milliseconds of CPU.
const ROUNDS: u64 = 4_000_000;

fn crunch_job(input: &str) -> String {
    crunch(input.trim().parse().unwrap_or(1)).to_string()
}

/// CPU-bound work that the compiler cannot skip: `ROUNDS` steps of xorshift from `seed`.
fn crunch(seed: u64) -> u64 {
    let mut x = seed | 1;
    for _ in 0..black_box(ROUNDS) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

pub fn rows() -> Vec<Row> {
    let n = cores();
    let inputs: Vec<String> = (1..=TASKS as u64).map(|i| i.to_string()).collect();
    let expected: Vec<String> = inputs.iter().map(|i| crunch_job(i)).collect();

    let (mut pool, started) = {
        let t = std::time::Instant::now();
        match Pool::new(n) {
            Ok(pool) => (pool, t.elapsed().as_secs_f64()),
            Err(e) => {
                return vec![
                    Row::new("process pool (07)", "not measured")
                        .note(format!("its worker processes could not start: {e}")),
                ];
            }
        }
    };
    let threads = ThreadPool::new(n);
    let free = free_cores();
    let mut wrong = None;
    let [t_seq, t_procs, t_threads] = interleaved([
        &mut || time(|| drop(black_box(inputs.iter().map(|i| crunch_job(i)).collect::<Vec<_>>()))),
        &mut || {
            let mut results = Vec::new();
            let t = time(|| results = pool.map("crunch", &inputs));
            if results.iter().map(|r| r.as_ref().ok()).ne(expected.iter().map(Some)) {
                wrong = Some(format!("{:?}", results.iter().find(|r| r.is_err())));
            }
            t
        },
        &mut || time(|| drop(black_box(threads.map(inputs.clone(), |i: String| crunch_job(&i))))),
    ]);
    drop(pool);
    if let Some(wrong) = wrong {
        return vec![
            Row::new("process pool (07)", "not measured")
                .note(format!("its results differ from the sequential ones: {wrong}")),
        ];
    }
    let goal = 0.75 * n as f64;
    let speedup = t_seq / t_procs;
    let vs_threads = t_threads / t_procs;
    let per_task = t_seq / TASKS as f64;
    vec![
        Row::new(format!("{TASKS} CPU-bound tasks of {} each: sequential", human(per_task)), human(t_seq)),
        Row::new(format!("same tasks, process pool (07), {n} workers"), human(t_procs))
            .note(format!("starting the {n} workers took {} (not included)", human(started))),
        Row::new(format!("same tasks, thread pool (04), {n} workers"), human(t_threads)),
        Row::new("speedup, 07 / sequential", ratio(speedup))
            .goal(format!("≥ {goal:.1}× ({n} cores × 0.75)"))
            .note(verdict(speedup >= goal, busy_machine(free))),
        Row::new("07 / thread pool (04)", ratio(vs_threads)).goal("≥ 0.8×").note(notes(
            verdict(vs_threads >= 0.8, "a task's round trip over the pipes is too dear for tasks this short"),
            "what a process costs over a thread: one line each way over a pipe per task",
        )),
    ]
}
