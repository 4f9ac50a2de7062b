//! Alternate: `map` is a dispatcher with channels: the input indices wait in an `mpsc`
//! channel whose receiver the per-worker threads share, and answers come back to the calling
//! thread over a second channel (the reference shares an atomic counter and a results
//! vector). The worker reads its tasks with a `read_line` loop; the pool reads answers through
//! a `Lines` iterator. A crash shows as a failed write or the end of those lines; the thread
//! that saw it restarts its worker in place and retries there.

use std::io::{self, BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, PoisonError};
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

/// Why a task has no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The worker running it died, and so did the replacement that retried it.
    Crashed,
    /// The worker refused it (`err` answer, such as an unknown job), or the input was not one line.
    Refused(String),
}

/// The re-exec guard: call it first thing in `main`. In a worker process it serves tasks from
/// stdin until end of file and exits; anywhere else it returns at once.
pub fn worker_main_if_requested(jobs: &[Job]) {
    if std::env::var(WORKER_ENV).is_err() {
        return;
    }
    let stdin = io::stdin();
    let stdout = io::stdout();
    let code = match serve(jobs, stdin.lock(), stdout.lock()) {
        Ok(()) => 0,
        Err(_) => 2,
    };
    std::process::exit(code);
}

/// The worker's loop: one flushed answer line per task line, until `input` ends.
pub fn serve(jobs: &[Job], mut input: impl BufRead, mut output: impl Write) -> io::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let task = line.strip_suffix('\n').unwrap_or(&line);
        let task = task.strip_suffix('\r').unwrap_or(task);
        let (name, arg) = match task.find(' ') {
            Some(at) => (&task[..at], &task[at + 1..]),
            None => (task, ""),
        };
        let answer = match jobs.iter().find(|j| j.name == name) {
            Some(job) => format!("ok {}\n", (job.run)(arg).replace(['\r', '\n'], " ")),
            None => format!("err unknown job {name:?}\n"),
        };
        output.write_all(answer.as_bytes())?;
        output.flush()?;
    }
}

/// One worker process: its stdin to write tasks to and its stdout's lines to read answers from.
struct Worker {
    process: Child,
    tasks: Option<ChildStdin>,
    answers: Lines<BufReader<ChildStdout>>,
}

/// The worker went away mid-task (its pipe broke or its output ended).
struct Gone;

impl Worker {
    fn spawn() -> io::Result<Worker> {
        let mut process = Command::new(std::env::current_exe()?)
            .args(std::env::args_os().skip(1))
            .env(WORKER_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let tasks = process.stdin.take();
        let answers = BufReader::new(process.stdout.take().expect("piped stdout")).lines();
        Ok(Worker { process, tasks, answers })
    }

    fn request(&mut self, job: &str, input: &str) -> Result<Result<String, TaskError>, Gone> {
        let stdin = self.tasks.as_mut().ok_or(Gone)?;
        stdin.write_all(format!("{job} {input}\n").as_bytes()).map_err(|_| Gone)?;
        stdin.flush().map_err(|_| Gone)?;
        match self.answers.next() {
            Some(Ok(line)) => Ok(if let Some(out) = line.strip_prefix("ok ") {
                Ok(out.to_string())
            } else if line == "ok" {
                Ok(String::new())
            } else {
                Err(TaskError::Refused(line.strip_prefix("err ").unwrap_or(&line).to_string()))
            }),
            // End of output, or an unreadable pipe: the process is gone.
            _ => Err(Gone),
        }
    }

    /// Stops and reaps this worker's process and starts a fresh one in its place.
    fn restart(&mut self) -> io::Result<()> {
        let _ = self.process.kill();
        let _ = self.process.wait();
        *self = Worker::spawn()?;
        Ok(())
    }
}

/// A fixed number of worker processes that run named jobs.
pub struct Pool {
    workers: Vec<Worker>,
}

impl Pool {
    /// Starts `size` worker processes (at least one).
    pub fn new(size: usize) -> io::Result<Pool> {
        // Should one fail to start, `pool` is dropped and its Drop reaps the ones started.
        let mut pool = Pool { workers: Vec::new() };
        for _ in 0..size.max(1) {
            pool.workers.push(Worker::spawn()?);
        }
        Ok(pool)
    }

    /// How many workers the pool has.
    pub fn size(&self) -> usize {
        self.workers.len()
    }

    /// The process ids of the workers, now.
    pub fn worker_pids(&self) -> Vec<u32> {
        self.workers.iter().map(|w| w.process.id()).collect()
    }

    /// Runs the job named `job` on every input, spread over the workers; results in the order
    /// of `inputs`. A task whose worker dies is retried once on a fresh worker, then `Crashed`.
    pub fn map<S: AsRef<str> + Sync>(&mut self, job: &str, inputs: &[S]) -> Vec<Result<String, TaskError>> {
        let (todo_tx, todo_rx) = mpsc::channel::<usize>();
        for i in 0..inputs.len() {
            todo_tx.send(i).expect("the receiver is alive");
        }
        drop(todo_tx); // once the queue is empty, recv fails: no more work
        let todo = Mutex::new(todo_rx);
        let (done_tx, done_rx) = mpsc::channel::<(usize, Result<String, TaskError>)>();
        let mut results: Vec<Option<Result<String, TaskError>>> = inputs.iter().map(|_| None).collect();
        thread::scope(|s| {
            for worker in &mut self.workers {
                let (todo, done_tx) = (&todo, done_tx.clone());
                s.spawn(move || {
                    loop {
                        let next = todo.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        let Ok(i) = next else { break };
                        let result = attempt(worker, job, inputs[i].as_ref());
                        if done_tx.send((i, result)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done_tx);
            for (i, result) in done_rx {
                results[i] = Some(result);
            }
        });
        // A slot with no answer (its thread could not restart a worker) counts as crashed.
        results.into_iter().map(|r| r.unwrap_or(Err(TaskError::Crashed))).collect()
    }
}

/// One task on one worker: a second try on a fresh process if the first one dies.
fn attempt(worker: &mut Worker, job: &str, input: &str) -> Result<String, TaskError> {
    if input.contains(['\n', '\r']) {
        return Err(TaskError::Refused("the input is not a single line".to_string()));
    }
    for _ in 0..2 {
        match worker.request(job, input) {
            Ok(answer) => return answer,
            Err(Gone) => {
                if worker.restart().is_err() {
                    break;
                }
            }
        }
    }
    Err(TaskError::Crashed)
}

impl Drop for Pool {
    fn drop(&mut self) {
        for w in &mut self.workers {
            w.tasks = None; // end of file: the worker's signal to finish
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        for w in &mut self.workers {
            loop {
                match w.process.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() >= deadline => {
                        let _ = w.process.kill();
                        let _ = w.process.wait();
                        break;
                    }
                    Ok(None) => thread::sleep(Duration::from_millis(5)),
                }
            }
        }
    }
}
