//! What a student reads for the failing cases the student-loop issue named, pinned by snapshots
//! of the real grader's report: a pool that runs its jobs with the queue's lock held, an
//! overflow in the student's arithmetic, a panic of the student's own, and a deadlock. A change
//! to a message, a location or a hint shows up in review as a diff of `tests/snapshots/`.
//! Only what changes from run to run is masked: durations and which worker panicked first.

use katas::{Edit, Wrong, grader, load_wrong, write_wrong};
use regex::Regex;
use serial_test::serial;

/// The kata's block of the human report for `tests` of `wrong`, with run-to-run noise masked.
fn report_of(wrong: &Wrong, kata: &str, tests: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    write_wrong(wrong, dir.path());
    let sub = dir.path().to_string_lossy().into_owned();
    let out = grader().args(["--submission", &sub, kata, &tests.join(",")]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The kata's heading, its tests and its score; not the machine's sandbox line after them.
    let block: Vec<&str> = text.lines().take_while(|l| !l.trim().is_empty()).collect();
    let masks = [
        (r"(?m)^(  \S \S+ +)\d+\.\d+ s", "${1}[time]"),
        (r"pool-worker-\d+", "pool-worker-N"),
        (r"storm job \d+", "storm job N"),
    ];
    masks.iter().fold(block.join("\n"), |text, (pattern, with)| {
        Regex::new(pattern).unwrap().replace_all(&text, *with).into_owned()
    })
}

fn known_wrong(kata: &str, name: &str) -> Wrong {
    load_wrong().into_iter().find(|w| w.exercise == kata && w.name == name).unwrap()
}

/// The reference solution of `kata` with one edit, as a student would make it.
fn edited_solution(kata: &str, find: &str, replace: &str) -> Wrong {
    Wrong {
        name: "edited".into(),
        what: String::new(),
        caught_by: vec![],
        status: None,
        message: None,
        hint: None,
        edit: vec![Edit { file: "lib.rs".into(), find: find.into(), replace: replace.into() }],
        scratch: None,
        exercise: kata.into(),
    }
}

#[test]
#[serial(grader)]
fn a_pool_that_holds_the_queue_lock_while_running_gets_hints_naming_that_lock() {
    let wrong = known_wrong("04-thread-pool", "lock-held-while-running");
    let tests =
        ["exactly_n_workers", "n_jobs_run_at_once", "map_keeps_input_order", "survives_a_panic_storm"];
    insta::assert_snapshot!(report_of(&wrong, "04", &tests));
}

#[test]
#[serial(grader)]
fn an_overflow_in_the_students_sum_is_reported_at_its_line_before_any_hint() {
    let wrong =
        edited_solution("01-threads", "acc.wrapping_add(x.wrapping_mul(*x))", "acc + x * x * 1_000_000_007");
    insta::assert_snapshot!(report_of(&wrong, "01", &["sum_of_squares_is_exact"]));
}

#[test]
#[serial(grader)]
fn a_panic_of_the_students_own_is_reported_at_its_line_instead_of_the_tests_hint() {
    let find = "    let hb = thread::spawn(b);\n";
    let panics = "    let hb = thread::spawn(b);\n    let first: Option<u8> = None;\n    first.expect(\"my own check\");\n";
    let wrong = edited_solution("01-threads", find, panics);
    insta::assert_snapshot!(report_of(&wrong, "01", &["both_returns_both_results"]));
}

/// Where each thread waits comes from gdb at the deadline (`.ci/install-deps` installs it).
#[test]
#[serial(grader)]
fn a_deadlock_names_where_the_students_threads_wait() {
    let has_gdb =
        std::process::Command::new("gdb").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(has_gdb || std::env::var_os("CI").is_none(), "CI installs gdb (.ci/install-deps)");
    if !has_gdb {
        eprintln!(
            "no gdb here: the deadlock report cannot say where threads wait, so its snapshot is not checked"
        );
        return;
    }
    let wrong = known_wrong("09-deadlocks", "argument-order");
    insta::assert_snapshot!(report_of(&wrong, "09", &["opposing_transfers_all_finish"]));
}
