//! From what the supervisor saw to a status and a sentence a student understands.

use protocol::{BodyStatus, TestInfo};

use crate::model::stall::StallKind;
use crate::model::{Status, TestReport};
use crate::supervisor::{Exit, Limits, Outcome};

/// Judges one test run. Only a harness verdict carrying the nonce can pass.
pub fn judge(info: &TestInfo, outcome: Outcome, limits: &Limits, deadline_ms: u64) -> TestReport {
    let (status, mut message, not_implemented, figures) = match (&outcome.body, &outcome.exit) {
        // A verdict written after the deadline (the body returned while the supervisor was
        // inspecting it) or during a flood does not count: the exit says why the test ended.
        (Some(body), exit) if !matches!(exit, Exit::OutputFlood { .. } | Exit::Deadline { .. }) => {
            // Leaving processes behind fails any test that did not fail already: a busy
            // process left running must not turn a timing test unmeasured either.
            let leaked = !outcome.leaked.is_empty() && body.status != BodyStatus::Fail;
            let status = match body.status {
                _ if leaked => Status::Fail,
                BodyStatus::Pass => Status::Pass,
                BodyStatus::Fail => Status::Fail,
                BodyStatus::Skipped => Status::Skipped,
                BodyStatus::Unmeasured => Status::Unmeasured,
            };
            let message = if leaked {
                Some(format!(
                    "the test ended but left {} running afterwards: {}",
                    protocol::quantity(outcome.leaked.len() as f64, "processes"),
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
        protections: outcome.protections,
    }
}

fn explain_exit(exit: &Exit, outcome: &Outcome, limits: &Limits, deadline_ms: u64) -> (Status, String) {
    let missing = outcome.body_missing.clone().unwrap_or_default();
    let stderr = &outcome.stderr.text;
    match exit {
        // Kept from a core, and not by itself: no deadline can judge code that could not run.
        Exit::Deadline { stall } if stall.kind == StallKind::Starved && outcome.cpu_ms * 2 < deadline_ms => (
            Status::Unmeasured,
            format!(
                "the machine was too busy to run it: {} ms of CPU in {:.1} s; {}",
                outcome.cpu_ms,
                deadline_ms as f64 / 1000.0,
                stall.summary()
            ),
        ),
        Exit::Deadline { stall } if stall.kind == StallKind::Starved => (
            Status::Timeout,
            format!(
                "did not finish within {:.1} s, while its own threads and processes kept the cores busy ({} ms of CPU)",
                deadline_ms as f64 / 1000.0,
                outcome.cpu_ms
            ),
        ),
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
        // Without /proc, std cannot find the main thread's guard page to say so itself; and safe
        // Rust (every kata forbids unsafe code) reaches SIGSEGV almost only by overflowing its stack.
        Exit::Signal { name, .. } if name == "SIGSEGV" => (
            Status::Crash,
            format!(
                "stack overflow, most likely: a function calls itself without end ({name}, which safe Rust reaches almost only that way)"
            ),
        ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stall::{Stall, ThreadState};

    fn info() -> TestInfo {
        TestInfo { name: "t".into(), points: 3, deadline_ms: None, timing: true, hint: "h".into() }
    }

    fn outcome(exit: Exit, body: Option<BodyStatus>, cpu_ms: u64, leaked: Vec<String>) -> Outcome {
        let mut o = Outcome::grader_error(String::new());
        o.exit = exit;
        o.body_missing = None;
        o.cpu_ms = cpu_ms;
        o.leaked = leaked;
        o.body = body.map(|status| protocol::BodyResult {
            nonce: "n".into(),
            test: "t".into(),
            status,
            message: Some("why".into()),
            not_implemented: false,
            figures: vec![],
        });
        o
    }

    fn starved() -> Exit {
        let thread = ThreadState {
            tid: 1,
            name: "w".into(),
            state: "R".into(),
            wchan: "0".into(),
            cpu_ms: 0,
            wait_ms: 190,
            at: None,
            waits_in: None,
        };
        Exit::Deadline { stall: Stall { kind: StallKind::Starved, threads: vec![thread] } }
    }

    #[test]
    fn every_status_comes_from_its_own_cause() {
        let limits = Limits::default();
        let judged = |o: Outcome| judge(&info(), o, &limits, 10_000);
        let code = Exit::Code { code: 0 };
        assert_eq!(judged(outcome(code.clone(), Some(BodyStatus::Pass), 5, vec![])).status, Status::Pass);
        assert_eq!(judged(outcome(code.clone(), Some(BodyStatus::Fail), 5, vec![])).status, Status::Fail);
        assert_eq!(
            judged(outcome(code.clone(), Some(BodyStatus::Skipped), 5, vec![])).status,
            Status::Skipped
        );
        let unmeasured = judged(outcome(code.clone(), Some(BodyStatus::Unmeasured), 5, vec![]));
        assert_eq!((unmeasured.status, unmeasured.points), (Status::Unmeasured, 0));
        let left = judged(outcome(code.clone(), Some(BodyStatus::Unmeasured), 5, vec!["7 spin".into()]));
        assert_eq!(left.status, Status::Fail, "a process left behind is no excuse: {:?}", left.message);
        assert_eq!(judged(outcome(code, None, 5, vec![])).status, Status::Fail, "exit 0 without a verdict");
        let busy_machine = judged(outcome(starved(), None, 300, vec![]));
        assert_eq!(busy_machine.status, Status::Unmeasured, "{:?}", busy_machine.message);
        let own_load = judged(outcome(starved(), None, 19_000, vec![]));
        assert_eq!(own_load.status, Status::Timeout, "its own load is its own: {:?}", own_load.message);
        let signal = Exit::Signal { signal: 9, name: "SIGKILL".into() };
        assert_eq!(judged(outcome(signal, None, 5, vec![])).status, Status::Crash);
        let stuck = Exit::Deadline { stall: Stall { kind: StallKind::Deadlock, threads: vec![] } };
        let late = judged(outcome(stuck, Some(BodyStatus::Pass), 5, vec![]));
        assert_eq!(
            late.status,
            Status::Timeout,
            "a body that returned after its deadline: {:?}",
            late.message
        );
    }

    #[test]
    fn a_segfault_without_std_s_own_word_is_called_a_stack_overflow() {
        let segv = Exit::Signal { signal: 11, name: "SIGSEGV".into() };
        let judged = judge(&info(), outcome(segv, None, 5, vec![]), &Limits::default(), 10_000);
        assert_eq!(judged.status, Status::Crash);
        assert!(judged.message.unwrap().starts_with("stack overflow, most likely"));
    }
}
