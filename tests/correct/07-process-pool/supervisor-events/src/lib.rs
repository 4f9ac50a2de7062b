//! Alternate: the calling thread is a supervisor. Each worker process is moved into a thread
//! of its own, which runs tasks until none are left and then hands the worker back, or, when
//! the worker dies, hands back the dead worker and the task it was running. The supervisor
//! reaps the dead process, starts a replacement and a new thread for it, which retries that
//! task first. The reference instead restarts the worker in place inside the thread that saw
//! it die. Messages are read as raw bytes up to `\n`, and the
//! task is written through a `BufWriter` flushed per line.

use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
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
    if std::env::var_os(WORKER_ENV).is_some() {
        let result = serve(jobs, io::stdin().lock(), io::stdout().lock());
        std::process::exit(i32::from(result.is_err()));
    }
}

/// The worker's loop: one flushed answer line per task line, until `input` ends.
pub fn serve(jobs: &[Job], input: impl BufRead, output: impl Write) -> io::Result<()> {
    let mut output = BufWriter::new(output);
    for raw in input.split(b'\n') {
        let raw = raw?;
        let task = String::from_utf8_lossy(&raw);
        let mut parts = task.splitn(2, ' ');
        let name = parts.next().unwrap_or("");
        let arg = parts.next().unwrap_or("");
        match jobs.iter().find(|j| j.name == name) {
            Some(job) => {
                let out = (job.run)(arg);
                writeln!(output, "ok {}", out.lines().collect::<Vec<_>>().join(" "))?;
            }
            None => writeln!(output, "err there is no job called {name:?}")?,
        }
        output.flush()?;
    }
    Ok(())
}

/// One worker process.
struct Worker {
    child: Child,
    to: Option<BufWriter<ChildStdin>>,
    from: BufReader<ChildStdout>,
}

impl Worker {
    fn launch() -> io::Result<Worker> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(std::env::args_os().skip(1))
            .env(WORKER_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let to = child.stdin.take().map(BufWriter::new);
        let from = BufReader::new(child.stdout.take().expect("stdout is piped"));
        Ok(Worker { child, to, from })
    }

    /// One task; `None` if the worker did not answer (it died).
    fn run(&mut self, job: &str, input: &str) -> Option<Result<String, TaskError>> {
        let to = self.to.as_mut()?;
        writeln!(to, "{job} {input}").ok()?;
        to.flush().ok()?;
        let mut answer = Vec::new();
        let n = self.from.read_until(b'\n', &mut answer).ok()?;
        if n == 0 || answer.last() != Some(&b'\n') {
            return None;
        }
        answer.pop();
        let answer = String::from_utf8_lossy(&answer).into_owned();
        Some(match answer.split_once(' ') {
            Some(("ok", out)) => Ok(out.to_string()),
            _ if answer == "ok" => Ok(String::new()),
            Some((_, why)) => Err(TaskError::Refused(why.to_string())),
            None => Err(TaskError::Refused(answer)),
        })
    }

    /// Reaps a worker that stopped answering; kills it first if it is somehow still alive.
    fn bury(mut self) -> io::Result<ExitStatus> {
        self.to = None;
        if self.child.try_wait()?.is_none() {
            let _ = self.child.kill();
        }
        self.child.wait()
    }
}

/// What a worker thread tells the supervisor.
enum Report {
    Answer(usize, Result<String, TaskError>),
    /// The queue is empty: here is the worker back, alive.
    Finished(Worker),
    /// The worker died running task `task` (`retry` says whether this was already its retry).
    Died {
        worker: Worker,
        task: usize,
        retry: bool,
    },
}

/// A fixed number of worker processes that run named jobs.
pub struct Pool {
    workers: Vec<Worker>,
}

impl Pool {
    /// Starts `size` worker processes (at least one).
    pub fn new(size: usize) -> io::Result<Pool> {
        let mut pool = Pool { workers: Vec::with_capacity(size.max(1)) };
        while pool.workers.len() < size.max(1) {
            pool.workers.push(Worker::launch()?); // on error, Drop reaps those started
        }
        Ok(pool)
    }

    /// How many workers the pool has.
    pub fn size(&self) -> usize {
        self.workers.len()
    }

    /// The process ids of the workers, now.
    pub fn worker_pids(&self) -> Vec<u32> {
        self.workers.iter().map(|w| w.child.id()).collect()
    }

    /// Runs the job named `job` on every input, spread over the workers; results in the order
    /// of `inputs`. A task whose worker dies is retried once on a fresh worker, then `Crashed`.
    pub fn map<S: AsRef<str> + Sync>(&mut self, job: &str, inputs: &[S]) -> Vec<Result<String, TaskError>> {
        let mut results: Vec<Option<Result<String, TaskError>>> = inputs.iter().map(|_| None).collect();
        let next = AtomicUsize::new(0);
        let (tx, rx) = mpsc::channel::<Report>();
        let mut back = Vec::new();
        thread::scope(|s| {
            // A worker thread: first the retry it was started for, if any, then the queue.
            let start = |worker: Worker, first: Option<usize>| {
                let (tx, next) = (tx.clone(), &next);
                s.spawn(move || serve_queue(worker, first, job, inputs, next, tx));
            };
            let mut running = 0;
            for worker in self.workers.drain(..) {
                start(worker, None);
                running += 1;
            }
            while running > 0 {
                match rx.recv().expect("a running thread holds a sender") {
                    Report::Answer(i, result) => results[i] = Some(result),
                    Report::Finished(worker) => {
                        back.push(worker);
                        running -= 1;
                    }
                    Report::Died { worker, task, retry } => {
                        running -= 1;
                        let _status = worker.bury();
                        if retry {
                            results[task] = Some(Err(TaskError::Crashed));
                        }
                        match Worker::launch() {
                            Ok(fresh) => {
                                start(fresh, (!retry).then_some(task));
                                running += 1;
                            }
                            // No replacement: this task cannot be retried.
                            Err(_) => results[task] = Some(Err(TaskError::Crashed)),
                        }
                    }
                }
            }
        });
        self.workers = back;
        results.into_iter().map(|r| r.unwrap_or(Err(TaskError::Crashed))).collect()
    }
}

/// A worker thread's loop. `retry` is the task a crashed worker left behind, if any.
fn serve_queue<S: AsRef<str>>(
    mut worker: Worker,
    retry: Option<usize>,
    job: &str,
    inputs: &[S],
    next: &AtomicUsize,
    tx: mpsc::Sender<Report>,
) {
    let mut is_retry = retry.is_some();
    let mut task = retry;
    loop {
        let i = match task.take() {
            Some(i) => i,
            None => {
                is_retry = false;
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= inputs.len() {
                    let _ = tx.send(Report::Finished(worker));
                    return;
                }
                i
            }
        };
        let input = inputs[i].as_ref();
        if input.contains('\n') {
            let _ = tx.send(Report::Answer(i, Err(TaskError::Refused("the input has a line break".into()))));
            continue;
        }
        match worker.run(job, input) {
            Some(result) => {
                let _ = tx.send(Report::Answer(i, result));
            }
            None => {
                let _ = tx.send(Report::Died { worker, task: i, retry: is_retry });
                return;
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        for w in &mut self.workers {
            w.to = None; // end of file on its stdin: finish
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut waiting: Vec<&mut Worker> = self.workers.iter_mut().collect();
        while !waiting.is_empty() {
            waiting.retain_mut(|w| matches!(w.child.try_wait(), Ok(None)));
            if Instant::now() >= deadline {
                for w in &mut waiting {
                    let _ = w.child.kill();
                    let _ = w.child.wait();
                }
                break;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }
}
