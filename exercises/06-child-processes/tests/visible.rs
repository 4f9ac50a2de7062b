//! Quick checks you can run with `cargo test -p child-processes`. The grader's hidden tests go
//! further: they scan /proc for zombies and orphans your code leaves behind.
//!
//! This file has its own `main` (`harness = false` in Cargo.toml): the helper children are this
//! very program started again (`kit::helper`), to sleep, write or exit as told, so the checks
//! need no shell and run the same on Linux, macOS and Windows.

use std::process::Command;
use std::time::{Duration, Instant};

use child_processes::*;
use kit::test;

fn main() {
    kit::suite(&[
        test!(a_guard_gives_the_child_and_its_id),
        test!(dropping_a_guard_stops_a_sleeping_child),
        test!(an_exit_code_is_reported),
        test!(a_sleeper_times_out),
        test!(capture_reads_both_streams),
        test!(capture_survives_a_big_stderr),
        test!(run_all_runs_together_and_keeps_order),
    ]);
}

/// This program as a helper child doing `steps` (`sleep:MS`, `out:TEXT`, `err:TEXT`,
/// `flood-err:BYTES`, `exit:CODE`).
fn helper(steps: &[&str]) -> Command {
    kit::helper::command(steps)
}

fn a_guard_gives_the_child_and_its_id() {
    let mut guard = ChildGuard::spawn(&mut helper(&["exit:4"])).expect("start a helper");
    assert_eq!(guard.id(), guard.child().id());
    assert_eq!(guard.child().wait().unwrap().code(), Some(4));
}

fn dropping_a_guard_stops_a_sleeping_child() {
    let guard = ChildGuard::spawn(&mut helper(&["sleep:30000"])).expect("start a sleeping helper");
    let start = Instant::now();
    drop(guard); // kills and waits: returns at once, not after 30 s
    assert!(start.elapsed() < Duration::from_secs(5));
}

fn an_exit_code_is_reported() {
    let got =
        run_with_timeout(&mut helper(&["exit:7"]), Duration::from_secs(5), Duration::from_secs(1)).unwrap();
    assert_eq!(got.ending, Ending::Exited(7));
}

fn a_sleeper_times_out() {
    let start = Instant::now();
    let got =
        run_with_timeout(&mut helper(&["sleep:30000"]), Duration::from_millis(200), Duration::from_secs(2))
            .unwrap();
    // On Unix the sleeper obeys SIGTERM; Windows has no SIGTERM, so it is killed at once there.
    assert_eq!(got.ending, Ending::TimedOut { killed: cfg!(windows) }, "how the sleeper was stopped");
    assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
}

fn capture_reads_both_streams() {
    let got = capture(&mut helper(&["out:out", "err:err", "exit:2"])).unwrap();
    assert_eq!(got.stdout, b"out\n");
    assert_eq!(got.stderr, b"err\n");
    assert_eq!(got.status.code(), Some(2));
}

fn capture_survives_a_big_stderr() {
    // 256 KiB to stderr before anything to stdout: more than a pipe holds.
    let got = capture(&mut helper(&["flood-err:262144", "out:done"])).unwrap();
    assert_eq!(got.stderr.len(), 262_144);
    assert_eq!(got.stdout, b"done\n");
}

fn run_all_runs_together_and_keeps_order() {
    let mut cmds: Vec<Command> = (0..4).map(|i| helper(&["sleep:300", &format!("out:{i}")])).collect();
    let start = Instant::now();
    let got = run_all(&mut cmds).unwrap();
    assert!(start.elapsed() < Duration::from_millis(900), "took {:?}", start.elapsed());
    let outs: Vec<String> = got.iter().map(|c| String::from_utf8_lossy(&c.stdout).into_owned()).collect();
    assert_eq!(outs, ["0\n", "1\n", "2\n", "3\n"]);
}
