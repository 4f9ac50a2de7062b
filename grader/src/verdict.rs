//! From what the supervisor saw to a status and a sentence a student understands.

use kit::protocol::{BodyStatus, TestInfo};

use crate::model::{Status, TestReport};
use crate::supervise::{Exit, Limits, Outcome};

/// Judges one test run. Only a harness verdict carrying the nonce can pass.
pub fn judge(info: &TestInfo, outcome: Outcome, limits: &Limits, deadline_ms: u64) -> TestReport {
    let (status, mut message, not_implemented, figures) = match (&outcome.body, &outcome.exit) {
        (Some(body), exit) if !matches!(exit, Exit::OutputFlood { .. }) => {
            let status = match body.status {
                BodyStatus::Pass if !outcome.leaked.is_empty() => Status::Fail,
                BodyStatus::Pass => Status::Pass,
                BodyStatus::Fail => Status::Fail,
                BodyStatus::Skipped => Status::Skipped,
                BodyStatus::Unmeasured => Status::Unmeasured,
            };
            let message = if body.status == BodyStatus::Pass && !outcome.leaked.is_empty() {
                Some(format!(
                    "the test passed but left {} process(es) running afterwards: {}",
                    outcome.leaked.len(),
                    outcome.leaked.join(", ")
                ))
            } else {
                body.message.clone()
            };
            (status, message, body.not_implemented, body.figures.clone())
        }
        (_, exit) => {
            let (status, message) = explain_exit(exit, &outcome, limits, deadline_ms);
            (status, Some(message), false, vec![])
        }
    };
    if outcome.refused_tasks > 0 && status != Status::Pass {
        let note = format!(
            "the kernel refused {} new processes or threads at the limit of {} (does a process start copies of itself without end?)",
            outcome.refused_tasks, limits.tasks
        );
        message = Some(match message {
            Some(m) => format!("{m}\n{note}"),
            None => note,
        });
    }
    TestReport {
        name: info.name.clone(),
        status,
        message,
        not_implemented,
        figures,
        duration_ms: outcome.duration_ms,
        runs: 1,
        passed_runs: u32::from(status == Status::Pass),
        points: if status == Status::Pass { info.points } else { 0 },
        max_points: info.points,
        hint: info.hint.clone(),
        timing: info.timing,
        stall: match &outcome.exit {
            Exit::Deadline { stall } => Some(stall.clone()),
            _ => None,
        },
        leaked: outcome.leaked,
        stdout: outcome.stdout.text,
        stderr: outcome.stderr.text,
    }
}

fn explain_exit(exit: &Exit, outcome: &Outcome, limits: &Limits, deadline_ms: u64) -> (Status, String) {
    let missing = outcome.body_missing.clone().unwrap_or_default();
    let stderr = &outcome.stderr.text;
    match exit {
        Exit::Deadline { stall } => (
            Status::Timeout,
            format!("did not finish within {:.1} s; {}", deadline_ms as f64 / 1000.0, stall.summary()),
        ),
        Exit::TooManyProcesses { seen } => (
            Status::Crash,
            format!(
                "stopped after starting {seen} processes, more than the {} allowed (a process that starts itself without end?)",
                limits.processes
            ),
        ),
        Exit::OutputFlood { bytes } => {
            (Status::Fail, format!("stopped after writing {} MiB of output, the most allowed", bytes >> 20))
        }
        Exit::Signal { name, .. } if stderr.contains("memory allocation of") => (
            Status::Crash,
            format!("ran out of memory: a process may use {} MiB ({name})", limits.memory_bytes >> 20),
        ),
        Exit::Signal { name, .. } if stderr.contains("has overflowed its stack") => {
            (Status::Crash, format!("stack overflow: a function calls itself without end ({name})"))
        }
        Exit::Signal { name, .. } if name == "SIGXFSZ" => {
            (Status::Crash, format!("wrote a file larger than the {} MiB allowed", limits.file_bytes >> 20))
        }
        Exit::Signal { name, .. } if name == "SIGABRT" && stderr.contains("panic") => (
            Status::Crash,
            "aborted: a panic while panicking (in a Drop during unwinding?) or `process::abort`".to_string(),
        ),
        Exit::Signal { name, .. } => {
            (Status::Crash, format!("the test process was killed by {name}; {missing}"))
        }
        Exit::Code { code } => (
            Status::Fail,
            format!("{missing}: the process exited with code {code} (does the code call `process::exit`?)"),
        ),
    }
}
