//! Kata 07: a process pool. Worker processes are this same program, started again in worker
//! mode; the pool hands them tasks over pipes, one line per task, and keeps going when one dies.
//!
//! The line protocol, one task at a time per worker:
//! - the pool writes `<job> <input>\n` to the worker's stdin (the job's name has no space; the
//!   input is the rest of the line);
//! - the worker answers on its stdout with `ok <output>\n`, or `err <reason>\n` if it has no job
//!   by that name;
//! - at end of file on its stdin the worker exits with status 0.
//!
//! Read README.md first. Replace each `todo!()`; `std::process`, `std::io` and
//! `std::thread::scope` have everything you need.
//! Check your work with `cargo test -p process-pool`, then `cargo run -p grader -- 07`.

use std::io::{self, BufRead, Write};

/// The environment variable that marks a worker process: the pool sets it to `1`.
pub const WORKER_ENV: &str = "PROCESS_POOL_WORKER";

/// A function a worker can run, found by its name: a function pointer means nothing in another
/// process, but a name does, because the worker is the same program.
#[derive(Debug, Clone, Copy)]
pub struct Job {
    pub name: &'static str,
    pub run: fn(&str) -> String,
}

impl Job {
    pub const fn new(name: &'static str, run: fn(&str) -> String) -> Job {
        Job { name, run }
    }
}

/// The re-exec guard: call it first thing in `main`. In a worker process (the environment has
/// [`WORKER_ENV`]) it serves tasks from stdin until end of file and then exits the process, so
/// the rest of `main` never runs there. Anywhere else it returns at once.
pub fn worker_main_if_requested(jobs: &[Job]) {
    todo!("if std::env::var_os(WORKER_ENV) is set: serve(jobs, stdin, stdout), then std::process::exit")
}

/// The worker's loop: reads task lines from `input` and writes one answer line per task to
/// `output`, flushing each, until `input` ends.
pub fn serve(jobs: &[Job], input: impl BufRead, output: impl Write) -> io::Result<()> {
    todo!("for each line: split_once(' ') into job name and input, find the job, writeln! the answer, flush")
}

/// Why a task has no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The worker running it died, and so did the replacement that retried it.
    Crashed,
    /// The worker refused it (`err` answer, such as an unknown job), or the input was not one line.
    Refused(String),
}

/// A fixed number of worker processes that run named jobs.
pub struct Pool {
    // Your fields: the workers (each a `Child` with piped stdin and stdout, and a reader on
    // that stdout). Start them with `std::env::current_exe()`, the same arguments
    // (`std::env::args_os().skip(1)`) and `WORKER_ENV` set to "1".
}

impl Pool {
    /// Starts `size` worker processes (at least one).
    pub fn new(size: usize) -> io::Result<Pool> {
        todo!(
            "start size.max(1) workers: this same program, same arguments, WORKER_ENV=1, piped stdin/stdout"
        )
    }

    /// How many workers the pool has.
    pub fn size(&self) -> usize {
        todo!("the number of workers")
    }

    /// The process ids of the workers, now (a crashed worker's replacement has a new one).
    pub fn worker_pids(&self) -> Vec<u32> {
        todo!("Child::id of each worker")
    }

    /// Runs the job named `job` on every input, spread over the workers, and returns the
    /// results in the order of `inputs`. A worker that dies is replaced and its task retried
    /// once on the replacement; a task whose retry dies too comes back as
    /// `Err(TaskError::Crashed)`, and every other result still arrives.
    pub fn map<S: AsRef<str> + Sync>(&mut self, job: &str, inputs: &[S]) -> Vec<Result<String, TaskError>> {
        todo!(
            "a scoped thread per worker takes the next input index, asks its worker, stores the result at that index"
        )
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        todo!(
            "close every worker's stdin (they exit at end of file), then wait for each; kill one that hangs"
        )
    }
}
