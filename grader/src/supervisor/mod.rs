//! The supervisor: a small process (`grader __supervise`) that runs one hidden test.
//!
//! It becomes a child subreaper, limits itself so the test inherits the limits, sees the disk
//! read-only but for the test's own folders (`mounts`, as root), starts the test from a thread
//! that confines itself first (`launcher`: its own network, Landlock, seccomp) in its own process
//! group with the nonce on stdin, captures capped output, inspects the test at its deadline,
//! then kills and reaps everything the test left behind. The grader reads its [`Outcome`],
//! with the [`Protections`] that were in force, as JSON from stdout: a hostile test can hurt
//! only this process.

pub mod capture;
pub mod cgroup;
pub mod inspect;
pub mod limits;
pub mod mounts;
pub mod proc_service;
pub mod process_group;
pub mod process_tree;
#[cfg(target_os = "linux")]
pub mod stacks;

mod applied;
mod capabilities;
mod disk_rules;
mod launcher;
mod loopback;
mod syscall_filter;
mod user_namespace;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use protocol::BodyResult;
use serde::{Deserialize, Serialize};

use crate::model::protections::Protections;
use crate::model::stall::Stall;
use applied::Applied;
use capture::{Captured, read_capped};
use cgroup::PidsCgroup;
use disk_rules::DiskPlan;
use inspect::{inspect, locate};
pub use limits::Limits;

/// What to run and under which limits; sent to the supervisor on stdin.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    pub result_path: PathBuf,
    pub nonce: String,
    pub deadline_ms: u64,
    pub limits: Limits,
    /// Folders the test must not read (private suites and their staged copies).
    pub unreadable: Vec<PathBuf>,
}

/// How the test process ended, from the outside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Exit {
    Code {
        code: i32,
    },
    Signal {
        signal: i32,
        name: String,
    },
    /// Stopped at its deadline; `stall` says what it was doing.
    Deadline {
        stall: Stall,
    },
    /// Stopped for starting more processes than allowed.
    TooManyProcesses {
        seen: usize,
    },
    /// Stopped for writing more output than allowed.
    OutputFlood {
        bytes: u64,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    pub exit: Exit,
    /// The harness's verdict, present only if it carried the right nonce.
    pub body: Option<BodyResult>,
    /// Why there is no body verdict, when there is none.
    pub body_missing: Option<String>,
    pub stdout: Captured,
    pub stderr: Captured,
    /// Processes still alive after the test process ended (then killed): `pid name`.
    pub leaked: Vec<String>,
    /// Forks or thread spawns the kernel refused at the task limit.
    pub refused_tasks: u64,
    pub duration_ms: u64,
    /// CPU time the test and every process it started used, in milliseconds.
    #[serde(default)]
    pub cpu_ms: u64,
    /// What confined the test, as applied; `None` when no supervisor ran it.
    #[serde(default)]
    pub protections: Option<Protections>,
}

/// Entry point of `grader __supervise`: reads a [`Job`] from stdin, prints an [`Outcome`].
pub fn main() -> Result<()> {
    // First, while this process has one thread.
    let user_namespace = user_namespace::enter_unless_privileged();
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let job: Job = serde_json::from_str(&input).context("reading the job")?;
    let outcome = supervise(&job, user_namespace)?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &outcome)?;
    out.flush()?;
    Ok(())
}

fn supervise(job: &Job, user_namespace: Result<bool, String>) -> Result<Outcome> {
    process_tree::become_subreaper();
    limit_self(&job.limits);
    let cgroup = PidsCgroup::enter(job.limits.tasks);
    let _ = std::fs::remove_file(&job.result_path);
    // The test writes only here: its scratch folder (temporary files too) and its verdict.
    let scratch = std::fs::canonicalize(&job.cwd)?;
    let tmp = scratch.join("tmp");
    std::fs::create_dir_all(&tmp)?;
    let verdicts = std::fs::canonicalize(job.result_path.parent().context("a verdict folder")?)?;
    let procs = proc_service::ProcService::start(&verdicts)?; // while the disk is writable
    let mounts = mounts::confine(&[&scratch, &verdicts], &job.unreadable); // root only; Landlock does the rest
    let mut cmd = Command::new(&job.program);
    cmd.args(&job.args)
        .current_dir(&scratch)
        .env("TMPDIR", &tmp)
        .env("RUST_BACKTRACE", "0")
        .env(procview::ENV, procs.socket())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    process_group::isolate(&mut cmd);
    let program =
        std::fs::canonicalize(&job.program).with_context(|| format!("finding {}", job.program.display()))?;
    let plan = DiskPlan { program: &program, scratch: &scratch, verdicts: &verdicts };
    let start = Instant::now();
    let launched = launcher::spawn_confined(&mut cmd, &plan);
    let readable = plan.readable();
    let protections = applied::protections(&Applied {
        mounts: Some(mounts),
        landlock: Some(launched.landlock),
        seccomp: Some(launched.seccomp),
        network: Some(launched.network),
        capabilities: Some(launched.capabilities),
        cgroup: Some(cgroup.as_ref().map(|_| job.limits.tasks).map_err(Clone::clone)),
        proc_readable: disk_rules::PROC_READABLE,
        unreadable_exposed: job
            .unreadable
            .iter()
            .find(|h| readable.iter().any(|r| h.starts_with(r)))
            .cloned(),
        user_namespace: Some(user_namespace),
    });
    let mut child = launched.child.with_context(|| format!("starting {}", job.program.display()))?;
    {
        let mut stdin = child.stdin.take().expect("piped");
        let _ = stdin.write_all(job.nonce.as_bytes());
    } // dropped: the test reads end-of-file after the nonce
    let (keep, stop) = (job.limits.output_keep, job.limits.output_stop);
    let out = child.stdout.take().expect("piped");
    let err = child.stderr.take().expect("piped");
    let flooded = Arc::new(AtomicBool::new(false));
    let reader = |stream: Box<dyn Read + Send>| {
        let flooded = flooded.clone();
        std::thread::spawn(move || {
            let captured = read_capped(stream, keep, stop);
            if captured.total_bytes >= stop {
                flooded.store(true, Ordering::SeqCst);
            }
            captured
        })
    };
    let (out, err) = (reader(Box::new(out)), reader(Box::new(err)));

    let deadline = start + Duration::from_millis(job.deadline_ms);
    let pid = child.id();
    let mut last_count = Instant::now();
    let exit = loop {
        if let Some(status) = child.try_wait()? {
            break exit_of(status);
        }
        let now = Instant::now();
        let stop = if flooded.load(Ordering::SeqCst) {
            Some(Exit::OutputFlood { bytes: stop })
        } else if now >= deadline {
            // Before the kill: what the threads were doing, then where in the kata's code.
            let mut stall = inspect(pid, Duration::from_millis(200), start.elapsed());
            locate(&mut stall, pid);
            Some(Exit::Deadline { stall })
        } else if now - last_count > Duration::from_millis(50) {
            last_count = now;
            let seen = process_tree::descendants(std::process::id()).len();
            (seen > job.limits.processes).then_some(Exit::TooManyProcesses { seen })
        } else {
            None
        };
        if let Some(why) = stop {
            process_group::kill_group(&mut child);
            let _ = child.wait();
            break why;
        }
        std::thread::sleep(process_group::poll_interval(start.elapsed()));
    };
    let duration_ms = start.elapsed().as_millis() as u64;
    let leaked = process_tree::sweep(std::process::id(), pid);
    let refused_tasks = cgroup.as_ref().map_or(0, PidsCgroup::refusals);
    if let Ok(c) = cgroup {
        c.leave();
    }
    let stdout = out.join().expect("stdout reader");
    let stderr = err.join().expect("stderr reader");
    // It may have died of the closed pipe first; the flood is still the reason.
    let exit = if flooded.load(Ordering::SeqCst) { Exit::OutputFlood { bytes: stop } } else { exit };
    let (body, body_missing) = read_body(job);
    let cpu_ms = tree_cpu_ms();
    Ok(Outcome {
        exit,
        body,
        body_missing,
        stdout,
        stderr,
        leaked,
        refused_tasks,
        duration_ms,
        cpu_ms,
        protections: Some(protections),
    })
}

/// The harness's verdict, accepted only if it carries this run's nonce.
fn read_body(job: &Job) -> (Option<BodyResult>, Option<String>) {
    let Ok(text) = std::fs::read_to_string(&job.result_path) else {
        return (None, Some("the test process ended before the test body returned".into()));
    };
    match serde_json::from_str::<BodyResult>(&text) {
        Ok(body) if body.nonce == job.nonce => (Some(body), None),
        Ok(_) => (None, Some("a verdict was forged: it does not carry the grader's secret".into())),
        Err(_) => (None, Some("the verdict file was overwritten with something else".into())),
    }
}

fn exit_of(status: std::process::ExitStatus) -> Exit {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        let name = nix::sys::signal::Signal::try_from(signal)
            .map_or_else(|_| format!("signal {signal}"), |s| s.to_string());
        return Exit::Signal { signal, name };
    }
    Exit::Code { code: status.code().unwrap_or(-1) }
}

/// CPU time of every process this supervisor has reaped: the test and, as their subreaper,
/// all it started.
#[cfg(unix)]
fn tree_cpu_ms() -> u64 {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_CHILDREN).map_or(0, |u| {
        let ms = |t: nix::sys::time::TimeVal| t.tv_sec() as u64 * 1000 + t.tv_usec() as u64 / 1000;
        ms(u.user_time()) + ms(u.system_time())
    })
}

#[cfg(not(unix))]
fn tree_cpu_ms() -> u64 {
    0
}

/// Sets this process's limits; the test inherits them.
#[cfg(unix)]
fn limit_self(limits: &Limits) {
    use nix::sys::resource::{Resource, setrlimit};
    let _ = setrlimit(Resource::RLIMIT_DATA, limits.memory_bytes, limits.memory_bytes);
    let _ = setrlimit(Resource::RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes);
    let _ = setrlimit(Resource::RLIMIT_CORE, 0, 0);
}

#[cfg(not(unix))]
fn limit_self(_limits: &Limits) {}

impl Outcome {
    /// An outcome for a test the grader itself failed to run.
    pub fn grader_error(why: String) -> Outcome {
        Outcome {
            exit: Exit::Code { code: -1 },
            body: None,
            body_missing: Some(format!("the grader could not run this test ({why})")),
            stdout: Captured::default(),
            stderr: Captured::default(),
            leaked: vec![],
            refused_tasks: 0,
            duration_ms: 0,
            cpu_ms: 0,
            protections: None,
        }
    }
}
