//! Kata 07: a process pool. Worker processes are this same program, started again in worker
//! mode; the pool hands them tasks over pipes, one line per task, and keeps going when one dies.
//!
//! The line protocol, one task at a time per worker:
//! - the pool writes `<job> <input>\n` to the worker's stdin (the job's name has no space; the
//!   input is the rest of the line);
//! - the worker answers on its stdout with `ok <output>\n`, or `err <reason>\n` if it has no job
//!   by that name;
//! - at end of file on its stdin the worker exits with status 0.

use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

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
    if std::env::var_os(WORKER_ENV).is_none() {
        return;
    }
    let served = serve(jobs, io::stdin().lock(), io::stdout().lock());
    std::process::exit(if served.is_ok() { 0 } else { 1 });
}

/// The worker's loop: reads task lines from `input` and writes one answer line per task to
/// `output`, flushing each, until `input` ends.
pub fn serve(jobs: &[Job], input: impl BufRead, mut output: impl Write) -> io::Result<()> {
    for line in input.lines() {
        let line = line?;
        let (name, arg) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        match jobs.iter().find(|job| job.name == name) {
            // One answer, one line: a newline inside the output would break the protocol.
            Some(job) => writeln!(output, "ok {}", (job.run)(arg).replace('\n', " "))?,
            None => writeln!(output, "err no job named {name:?}")?,
        }
        // The pool is waiting for this line: don't leave it in a buffer.
        output.flush()?;
    }
    Ok(())
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
    workers: Vec<Worker>,
}

/// One worker process and the read end of its stdout. Its stdin stays in `child.stdin`.
struct Worker {
    child: Child,
    from: BufReader<ChildStdout>,
}

impl Worker {
    /// Starts this same program again, with the same arguments, marked as a worker.
    fn start() -> io::Result<Worker> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(std::env::args_os().skip(1))
            .env(WORKER_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let from = BufReader::new(child.stdout.take().expect("stdout is piped"));
        Ok(Worker { child, from })
    }

    /// Sends one task and reads the answer. An `Err` means the worker is gone (it crashed):
    /// writing to it failed, or its stdout ended before the answer.
    fn ask(&mut self, job: &str, input: &str) -> io::Result<Result<String, TaskError>> {
        let to = self.child.stdin.as_mut().expect("stdin is piped");
        writeln!(to, "{job} {input}")?;
        to.flush()?;
        let mut line = String::new();
        if self.from.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end_matches('\n');
        Ok(match line.split_once(' ').unwrap_or((line, "")) {
            ("ok", out) => Ok(out.to_string()),
            (_, why) => Err(TaskError::Refused(why.to_string())),
        })
    }

    /// Reaps this (dead or useless) worker and starts a fresh one in its place.
    fn replace(&mut self) -> io::Result<()> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        *self = Worker::start()?;
        Ok(())
    }
}

impl Pool {
    /// Starts `size` worker processes (at least one).
    pub fn new(size: usize) -> io::Result<Pool> {
        let workers = (0..size.max(1)).map(|_| Worker::start()).collect::<io::Result<Vec<_>>>()?;
        Ok(Pool { workers })
    }

    /// How many workers the pool has.
    pub fn size(&self) -> usize {
        self.workers.len()
    }

    /// The process ids of the workers, now (a crashed worker's replacement has a new one).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.workers.iter().map(|w| w.child.id()).collect()
    }

    /// Runs the job named `job` on every input, spread over the workers, and returns the
    /// results in the order of `inputs`. A worker that dies is replaced and its task retried
    /// once on the replacement; a task whose retry dies too comes back as
    /// `Err(TaskError::Crashed)`, and every other result still arrives.
    pub fn map<S: AsRef<str> + Sync>(&mut self, job: &str, inputs: &[S]) -> Vec<Result<String, TaskError>> {
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Result<String, TaskError>>>> =
            Mutex::new((0..inputs.len()).map(|_| None).collect());
        // One thread per worker, each feeding its worker the next task until none are left.
        thread::scope(|s| {
            for worker in &mut self.workers {
                let (next, results) = (&next, &results);
                s.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(input) = inputs.get(i) else { break };
                        let result = run_task(worker, job, input.as_ref());
                        // Each result goes into its input's slot: input order, not finishing order.
                        results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(result);
                    }
                });
            }
        });
        let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
        results.into_iter().map(|r| r.unwrap_or(Err(TaskError::Crashed))).collect()
    }
}

/// Runs one task on `worker`, retrying it once on a replacement if the worker dies.
fn run_task(worker: &mut Worker, job: &str, input: &str) -> Result<String, TaskError> {
    if input.contains('\n') {
        return Err(TaskError::Refused("an input must be a single line".into()));
    }
    for _attempt in 0..2 {
        match worker.ask(job, input) {
            Ok(answer) => return answer,
            Err(_) => {
                // The worker died mid-task: reap it and start a fresh one, then try again.
                if worker.replace().is_err() {
                    break;
                }
            }
        }
    }
    Err(TaskError::Crashed)
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing a worker's stdin is its signal to finish: close them all first, so they
        // shut down together.
        for w in &mut self.workers {
            drop(w.child.stdin.take());
        }
        let until = Instant::now() + Duration::from_secs(2);
        for w in &mut self.workers {
            // Wait (reap) politely; a worker stuck in a task past the deadline is killed.
            while matches!(w.child.try_wait(), Ok(None)) && Instant::now() < until {
                thread::sleep(Duration::from_millis(2));
            }
            let _ = w.child.kill();
            let _ = w.child.wait();
        }
    }
}
