//! Every format pinned by a snapshot of one report that holds every status, a kata that does
//! not compile and one not submitted: a change to what a student or a platform reads shows up
//! in review as a diff of `snapshots/`.

use protocol::Figure;

use super::{classroom, gradescope, human, json, junit, markdown};
use crate::model::protections::{Protection, Protections};
use crate::model::stall::{Stall, StallKind, ThreadState};
use crate::model::{ExerciseReport, Report, Status, TestReport, Timings, UnmeasuredPolicy};

fn test(name: &str, status: Status, points: u32, max_points: u32) -> TestReport {
    TestReport {
        name: name.into(),
        status,
        message: None,
        not_implemented: false,
        figures: vec![],
        duration_ms: 12,
        runs: 1,
        passed_runs: u32::from(status == Status::Pass),
        points,
        max_points,
        hint: String::new(),
        timing: false,
        stall: None,
        leaked: vec![],
        stdout: String::new(),
        stderr: String::new(),
        protections: None,
    }
}

fn kata(number: u32, name: &str, tests: Vec<TestReport>) -> ExerciseReport {
    ExerciseReport {
        number,
        name: name.into(),
        dir: format!("{number:02}-{name}"),
        title: format!("Kata {number}: {name}"),
        compiled: true,
        diagnostics: None,
        ignored_files: vec![],
        missing_src: false,
        score: tests.iter().map(|t| t.points).sum(),
        max_score: tests.iter().map(TestReport::counted_max).sum(),
        tests,
    }
}

/// One report with every status, a kata that does not compile and one not submitted.
fn sample() -> Report {
    let mut fail = test("counts_every_job", Status::Fail, 0, 2);
    fail.message = Some("jobs running at once: measured 1 job, needs at least 2 jobs".into());
    fail.figures = vec![Figure {
        name: "jobs running at once".into(),
        value: 1.0,
        unit: "jobs".into(),
        bar: Some(">= 2".into()),
    }];
    fail.hint = "spawn every thread before joining any".into();
    fail.stderr = "thread 'main' panicked at exercises/01-threads/src/lib.rs:12:5".into();
    let mut timeout = test("shutdown_does_not_hang", Status::Timeout, 0, 1);
    timeout.stall = Some(Stall {
        kind: StallKind::Deadlock,
        threads: vec![ThreadState {
            tid: 7,
            name: "worker".into(),
            state: "S".into(),
            wchan: "futex_wait_queue".into(),
            cpu_ms: 0,
            wait_ms: 0,
            at: Some("exercises/01-threads/src/lib.rs:40".into()),
            waits_in: Some("Mutex::lock".into()),
        }],
    });
    timeout.message = timeout.stall.as_ref().map(|s| format!("did not finish within 5 s: {}", s.summary()));
    let mut crash = test("a_panicking_job_comes_back_as_an_error", Status::Crash, 0, 1);
    crash.message = Some("the test process was killed by SIGSEGV".into());
    crash.leaked = vec!["4242 sleep".into()];
    let mut skipped = test("speeds_up_on_cores", Status::Skipped, 0, 2);
    skipped.message = Some("skipped: needs at least 2 cores".into());
    skipped.timing = true;
    let mut unmeasured = test("idle_pool_uses_no_cpu", Status::Unmeasured, 1, 1);
    unmeasured.message = Some("unmeasured: the machine was too busy, even retried alone".into());
    unmeasured.timing = true;
    let mut todo = test("map_keeps_input_order", Status::Fail, 0, 1);
    todo.not_implemented = true;
    todo.message = Some("not implemented yet: reached todo!() in map".into());
    let first = kata(
        1,
        "threads",
        vec![
            test("both_returns_both_results", Status::Pass, 2, 2),
            fail,
            timeout,
            crash,
            skipped,
            unmeasured,
            todo,
        ],
    );
    let mut broken = kata(2, "race-conditions", vec![test("account_basics", Status::NotRun, 0, 1)]);
    broken.compiled = false;
    broken.diagnostics =
        Some("error[E0308]: mismatched types\n --> exercises/02-race-conditions/src/lib.rs:9:5".into());
    broken.tests[0].message = Some("not run: the kata does not compile".into());
    let mut missing =
        kata(3, "channels", vec![test("queue_never_exceeds_its_bound", Status::NotSubmitted, 0, 3)]);
    missing.missing_src = true;
    missing.tests[0].message = Some("not submitted: the submission has no src/ for this kata".into());
    let timings = Timings { total: 1500, stage: 10, build: 900, run: 590 };
    // Some in force, some not, as on a machine without cgroups for the grading user.
    let protections = Protections {
        read_only_disk: Protection::on("Landlock ABI 7"),
        hidden_unreadable: Protection::on(
            "Landlock ABI 7: the test sees only its own and the system's folders",
        ),
        memory_access_blocked: Protection::on(
            "seccomp denies process_vm_readv, process_vm_writev and ptrace; Landlock denies /proc",
        ),
        network_isolated: Protection::on(
            "a network namespace with only loopback, in a user namespace (no root needed)",
        ),
        pids_cgroup: Protection::off(
            "cannot create a pids cgroup in /sys/fs/cgroup: Permission denied (os error 13)",
        ),
    };
    Report::new(
        vec![first, broken, missing],
        vec!["notes.txt".into()],
        UnmeasuredPolicy::Award,
        timings,
        Some(protections),
    )
}

#[test]
fn human() {
    console::set_colors_enabled(false);
    insta::assert_snapshot!(human::render(&sample(), &human::Options { verbose: true }));
}

#[test]
fn json() {
    insta::assert_snapshot!(json::render(&sample()));
}

#[test]
fn junit() {
    insta::assert_snapshot!(junit::render(&sample()));
}

#[test]
fn gradescope() {
    insta::assert_snapshot!(gradescope::render(&sample(), gradescope::Visibility::Visible));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(markdown::render(&sample()));
}

#[test]
fn classroom() {
    insta::assert_snapshot!(classroom::render(&sample()));
}
