//! Hidden tests of kata 06: child processes. The helper children are this suite binary started
//! again (`kit::helper`), or `sh` scripts where a test needs signals and process groups (Unix).
//! Where the platform shows a test its processes (Linux), the test makes itself a child
//! subreaper, so an orphaned grandchild is re-parented to it, then scans /proc for anything
//! left below it: a zombie nobody waited for, an orphan still running. Only the
//! sleeping-children test reads the clock for a verdict; the others prove overlap with a
//! rendezvous the children hold in a folder.

use std::path::Path;
use std::process::{ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use child_processes::*;
use kit::reaper;
use kit::test;

fn main() {
    kit::suite(&[
        test!(dropping_the_guard_kills_and_reaps_the_child)
            .points(2)
            .hint("Drop must kill the child and then wait() for it: a dead child nobody waited for stays a zombie"),
        test!(dropping_the_guard_kills_the_grandchildren).points(2).hint(
            "start the child in its own process group (process_group(0)) and kill the group (killpg), not only the child",
        ),
        test!(dropping_the_guard_kills_a_child_that_ignores_term)
            .hint("the guard's Drop must send SIGKILL, which cannot be ignored, not SIGTERM, which can"),
        test!(a_panic_still_kills_and_reaps).hint("the guard's Drop runs while a panic unwinds: put the clean-up there"),
        test!(a_waited_child_drops_quietly)
            .hint("after the caller waited, Drop must still work: ignore the error of signalling a finished group"),
        test!(timeout_reports_an_exit_code)
            .hint("a child that exits before the limit: Ending::Exited(code), and return as soon as it exits"),
        test!(timeout_reports_a_signal)
            .hint("ExitStatusExt::signal() gives the signal that ended a child; code() is None then"),
        test!(timeout_stops_the_whole_group).points(2).hint(
            "at the limit send SIGTERM to the whole group (killpg), so the child's own children stop too",
        ),
        test!(timeout_kills_a_child_that_ignores_term)
            .points(2)
            .hint("SIGTERM can be ignored: after the grace period send SIGKILL to the group, then wait"),
        test!(capture_survives_a_stderr_flood)
            .points(2)
            .hint("read stderr on another thread while you read stdout: a full stderr pipe blocks the child"),
        test!(capture_keeps_every_byte_and_the_status).hint("read both pipes to the end, then wait for the status"),
        test!(capture_gives_the_child_an_empty_stdin)
            .hint("cmd.stdin(Stdio::null()) before spawning: a child that reads stdin must see its end at once"),
        test!(run_all_keeps_the_order_of_the_commands)
            .points(2)
            .hint("keep the results in the order of the commands, not the order the children finish in"),
        test!(run_all_starts_every_child_at_once)
            .points(2)
            .hint("start every child before you wait for any (one scoped thread per command)"),
        test!(sleeping_children_take_about_one_sleep)
            .points(2)
            .timing()
            .hint("children that wait, wait together: 6 sleeps of 0.4 s should take about 0.4 s"),
        test!(run_all_lets_the_others_finish_when_one_cannot_start).hint(
            "when a command cannot start, still wait for the others to finish, then return the error: do not kill them on the way out",
        ),
        test!(nothing_is_left_behind)
            .hint("every child is waited for, also when another one fails to start; guards make that automatic"),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Helpers

const SETTLE: Duration = Duration::from_secs(2);

/// Why a test that looks for zombies is skipped where the platform has them.
const REFUSED: &str = "this system refused to make the test a child subreaper, which finding zombies needs";

/// Makes this test process a child subreaper, or skips the test where that is impossible.
fn subreaper() {
    reaper::subreaper_or_skip(REFUSED);
}

/// Makes this test process a child subreaper where the platform shows a test its processes,
/// so it can look for zombies and orphans; false elsewhere, where those checks are left out.
fn watch_processes() -> bool {
    reaper::subreaper_where_possible(REFUSED)
}

/// This suite binary as a helper child doing `steps` (see `kit::helper`), on every platform.
fn helper(steps: &[&str]) -> Command {
    kit::helper::command(steps)
}

/// `sh -c script`, for the helper children that need signals and process groups.
fn sh(script: &str) -> Command {
    kit::require(kit::Needs::UnixShell);
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script);
    cmd
}

/// Fails unless the child that held `stdout` has ended: only then does its end of the pipe
/// close. The one proof of a kill that every platform gives.
fn gone(mut stdout: ChildStdout, when: &str) {
    let what = format!("{when}, the child's stdout reaching its end (it ends when the child does)");
    let _ =
        kit::within(Duration::from_secs(3), &what, move || std::io::copy(&mut stdout, &mut std::io::sink()));
}

/// A fresh empty folder for pid files and rendezvous markers, removed when dropped.
fn scratch() -> kit::Scratch {
    kit::Scratch::new("kata06")
}

/// Waits for a helper to write its pid into `file`.
fn read_pid(file: &Path) -> u32 {
    let until = Instant::now() + Duration::from_secs(3);
    loop {
        if let Some(pid) = std::fs::read_to_string(file).ok().and_then(|s| s.trim().parse().ok()) {
            return pid;
        }
        assert!(Instant::now() < until, "the helper child never wrote {}", file.display());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits until at least `n` processes run below this one (the child and its children).
fn wait_for_family(n: usize) {
    let until = Instant::now() + Duration::from_secs(3);
    while reaper::descendants().iter().filter(|p| !p.is_zombie()).count() < n {
        assert!(Instant::now() < until, "the helper child did not start its {} processes", n);
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Fails unless nothing is left below this process; `owned` are the children the code under
/// test started directly (a zombie among them was never waited for).
fn nothing_left(owned: &[u32], when: &str) {
    report(reaper::settle(owned, SETTLE), when);
}

fn report(left: reaper::LeftBehind, when: &str) {
    left.fail_unless_empty(
        &format!("{when}, a child was killed but never waited for, so it stays a zombie"),
        &format!("{when}, processes were still running (an orphaned grandchild keeps running when only the child is killed)"),
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ---------------------------------------------------------------------------------------------
// The guard

fn dropping_the_guard_kills_and_reaps_the_child() {
    let watched = watch_processes();
    let mut sleeper = helper(&["sleep:30000"]);
    sleeper.stdout(Stdio::piped());
    let mut guard = ChildGuard::spawn(&mut sleeper).expect("start a helper that sleeps 30 s");
    let pid = guard.id();
    assert_eq!(pid, guard.child().id(), "id() must be the child's pid");
    assert!(guard.child().try_wait().expect("try_wait").is_none(), "the sleeping helper ended at once");
    let stdout = guard.child().stdout.take().expect("stdout is piped");
    kit::within(Duration::from_secs(5), "dropping the guard", move || drop(guard));
    if watched {
        nothing_left(&[pid], "after the guard was dropped");
    }
    gone(stdout, "after the guard was dropped");
}

fn dropping_the_guard_kills_the_grandchildren() {
    subreaper();
    let guard = ChildGuard::spawn(&mut sh("sleep 15 & sleep 15 & wait")).expect("start sh");
    let pid = guard.id();
    wait_for_family(3);
    kit::within(Duration::from_secs(5), "dropping the guard", move || drop(guard));
    nothing_left(&[pid], "after the guard of a child with two children of its own was dropped");
}

fn dropping_the_guard_kills_a_child_that_ignores_term() {
    subreaper();
    // An ignored signal stays ignored in the children, so both sh and its sleep ignore SIGTERM.
    let guard = ChildGuard::spawn(&mut sh("trap '' TERM; sleep 15 & wait")).expect("start sh");
    let pid = guard.id();
    wait_for_family(2);
    kit::within(
        Duration::from_secs(5),
        "dropping the guard of a child that ignores SIGTERM (only SIGKILL ends it)",
        move || drop(guard),
    );
    nothing_left(&[pid], "after the guard of a child that ignores SIGTERM was dropped");
}

fn a_panic_still_kills_and_reaps() {
    subreaper();
    let pid = AtomicU32::new(0);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let guard = ChildGuard::spawn(&mut sh("sleep 15 & wait")).expect("start sh");
        pid.store(guard.id(), Ordering::SeqCst);
        wait_for_family(2);
        panic!("the caller panics while the guard is alive");
    }));
    let payload = outcome.expect_err("the body panics");
    if kit::harness::payload_text(&*payload) != "the caller panics while the guard is alive" {
        std::panic::resume_unwind(payload); // the code under test panicked: report that
    }
    nothing_left(&[pid.load(Ordering::SeqCst)], "after a panic unwound through the guard");
}

fn a_waited_child_drops_quietly() {
    let watched = watch_processes();
    let mut guard = ChildGuard::spawn(&mut helper(&["exit:3"])).expect("start a helper");
    let pid = guard.id();
    let status = guard.child().wait().expect("wait for the child");
    assert_eq!(status.code(), Some(3), "the child exits with code 3");
    kit::within(Duration::from_secs(5), "dropping the guard of a finished child", move || drop(guard));
    if watched {
        nothing_left(&[pid], "after the guard of a finished child was dropped");
    }
}

// ---------------------------------------------------------------------------------------------
// run_with_timeout

fn timeout_reports_an_exit_code() {
    let watched = watch_processes();
    let start = Instant::now();
    let got = kit::within(Duration::from_secs(8), "run_with_timeout of a child that exits with 7", || {
        run_with_timeout(&mut helper(&["exit:7"]), Duration::from_secs(5), Duration::from_secs(1))
    })
    .expect("run a helper that exits with 7");
    let took = start.elapsed();
    assert_eq!(got.ending, Ending::Exited(7), "the child exited by itself with code 7");
    assert_eq!(got.status.code(), Some(7), "the raw status carries the code");
    kit::at_most("time to report a child that exits at once", took, 2000, "ms");
    if watched {
        report(reaper::settle_all(SETTLE), "after run_with_timeout returned");
    }
}

fn timeout_reports_a_signal() {
    let watched = watch_processes();
    let got = kit::within(Duration::from_secs(8), "run_with_timeout of a child that kills itself", || {
        run_with_timeout(&mut sh("kill -9 $$"), Duration::from_secs(5), Duration::from_secs(1))
    })
    .expect("run `sh -c 'kill -9 $$'`");
    assert_eq!(got.ending, Ending::Signalled(9), "the child was killed by signal 9 before the limit");
    assert_eq!(got.status.code(), None, "a child ended by a signal has no exit code");
    if watched {
        report(reaper::settle_all(SETTLE), "after run_with_timeout returned");
    }
}

fn timeout_stops_the_whole_group() {
    let watched = watch_processes();
    let dir = scratch();
    let script = format!("echo $$ > '{0}/child'; sleep 15 & echo $! > '{0}/grandchild'; wait", dir.display());
    let (limit, grace) = (Duration::from_millis(300), Duration::from_secs(3));
    let start = Instant::now();
    let got = kit::within(Duration::from_secs(8), "run_with_timeout of a child with a child", move || {
        run_with_timeout(&mut sh(&script), limit, grace)
    })
    .expect("run sh");
    let took = start.elapsed();
    let child = read_pid(&dir.join("child"));
    assert_eq!(got.ending, Ending::TimedOut { killed: false }, "SIGTERM stops sh, which does not ignore it");
    kit::at_least("time before the child was stopped", took, ms(limit) * 0.9, "ms");
    kit::at_most("time to stop a child that obeys SIGTERM", took, ms(limit) + 2000.0, "ms");
    if watched {
        nothing_left(&[child], "after a child with a child of its own timed out");
    }
}

fn timeout_kills_a_child_that_ignores_term() {
    let watched = watch_processes();
    let dir = scratch();
    let script = format!("trap '' TERM; echo $$ > '{0}/child'; sleep 15 & wait", dir.display());
    let (limit, grace) = (Duration::from_millis(300), Duration::from_millis(300));
    let start = Instant::now();
    let got =
        kit::within(Duration::from_secs(6), "run_with_timeout of a child that ignores SIGTERM", move || {
            run_with_timeout(&mut sh(&script), limit, grace)
        })
        .expect("run sh");
    let took = start.elapsed();
    let child = read_pid(&dir.join("child"));
    assert_eq!(
        got.ending,
        Ending::TimedOut { killed: true },
        "only SIGKILL stops a child that ignores SIGTERM"
    );
    assert_eq!(got.status.code(), None, "a killed child has no exit code");
    kit::at_least("time before SIGKILL", took, ms(limit + grace) * 0.9, "ms");
    kit::at_most("time to kill a child that ignores SIGTERM", took, ms(limit + grace) + 2000.0, "ms");
    if watched {
        nothing_left(&[child], "after a child that ignores SIGTERM timed out");
    }
}

// ---------------------------------------------------------------------------------------------
// capture

fn capture_survives_a_stderr_flood() {
    const MIB: usize = 1 << 20;
    let got =
        kit::within(Duration::from_secs(5), "capturing a child that writes 1 MiB to stderr first", || {
            capture(&mut helper(&["flood-err:1048576", "out:done"]))
        })
        .expect("run a helper");
    assert_eq!(got.stderr.len(), MIB, "all of stderr");
    assert_eq!(got.stdout, b"done\n", "stdout after the flood");
    assert!(got.status.success());
    let got =
        kit::within(Duration::from_secs(5), "capturing a child that writes 1 MiB to stdout first", || {
            capture(&mut helper(&["flood-out:1048576", "err:done"]))
        })
        .expect("run a helper");
    assert_eq!(got.stdout.len(), MIB, "all of stdout");
    assert_eq!(got.stderr, b"done\n", "stderr after the flood");
}

fn capture_keeps_every_byte_and_the_status() {
    let got = kit::within(Duration::from_secs(5), "capturing two streams", || {
        capture(&mut helper(&["lines:3000", "exit:3"]))
    })
    .expect("run a helper");
    let want = |tag: &str| (0..3000).map(|i| format!("{tag} {i}\n")).collect::<String>().into_bytes();
    assert!(
        got.stdout == want("out"),
        "stdout differs: {} bytes, {} expected",
        got.stdout.len(),
        want("out").len()
    );
    assert!(
        got.stderr == want("err"),
        "stderr differs: {} bytes, {} expected",
        got.stderr.len(),
        want("err").len()
    );
    assert_eq!(got.status.code(), Some(3), "the exit status");
    let empty = capture(&mut helper(&["cat"])).expect("run a helper that copies its stdin");
    assert!(empty.stdout.is_empty(), "with stdin empty, a helper that copies its stdin prints nothing");
}

fn capture_gives_the_child_an_empty_stdin() {
    // The command comes with a stdin pipe nobody writes to: only a capture that replaces it
    // with an empty stdin lets the helper, which copies stdin to the end like `cat`, finish.
    let mut cmd = helper(&["cat"]);
    cmd.stdin(Stdio::piped());
    let got = kit::within(
        Duration::from_secs(5),
        "capturing a `cat` (a child that reads stdin to the end): capture must give it an empty stdin (Stdio::null()), and it",
        move || capture(&mut cmd),
    )
    .expect("run a helper that copies its stdin");
    assert!(got.stdout.is_empty(), "with stdin empty, a `cat` prints nothing");
    assert!(got.status.success(), "a `cat` of an empty stdin succeeds");
}

// ---------------------------------------------------------------------------------------------
// run_all

fn run_all_keeps_the_order_of_the_commands() {
    // Later commands finish first.
    let mut cmds: Vec<Command> = (0..5)
        .map(|i| {
            let (nap, out, err, exit) = (
                format!("sleep:{}", (5 - i) * 100),
                format!("out:child {i}"),
                format!("err:note {i}"),
                format!("exit:{i}"),
            );
            helper(&[&nap, &out, &err, &exit])
        })
        .collect();
    let got = kit::within(Duration::from_secs(8), "run_all", move || run_all(&mut cmds)).expect("run_all");
    assert_eq!(got.len(), 5, "one result per command");
    for (i, c) in got.iter().enumerate() {
        assert_eq!(String::from_utf8_lossy(&c.stdout), format!("child {i}\n"), "stdout of command {i}");
        assert_eq!(String::from_utf8_lossy(&c.stderr), format!("note {i}\n"), "stderr of command {i}");
        assert_eq!(c.status.code(), Some(i as i32), "status of command {i}");
    }
}

fn run_all_starts_every_child_at_once() {
    const N: usize = 4;
    let dir = scratch();
    // Each child leaves a marker, then waits (up to about 1.5 s) until all N markers are there,
    // and prints how many it saw: N only if the children ran at the same time.
    let meet = format!("meet:{}:{N}", dir.display());
    let mut cmds: Vec<Command> = (0..N).map(|_| helper(&[&meet])).collect();
    let got = kit::within(Duration::from_secs(9), "run_all", move || run_all(&mut cmds)).expect("run_all");
    assert_eq!(got.len(), N, "one result per command");
    let fewest = got
        .iter()
        .map(|c| String::from_utf8_lossy(&c.stdout).trim().parse::<usize>().unwrap_or(0))
        .min()
        .unwrap_or(0);
    kit::at_least("children running at once (fewest any child saw)", fewest, N, "children");
}

fn sleeping_children_take_about_one_sleep() {
    const NAP: f64 = 0.4;
    let nap = format!("sleep:{}", (NAP * 1000.0) as u64);
    let mut cmds: Vec<Command> = (0..6).map(|i| helper(&[&nap, &format!("out:{i}")])).collect();
    let start = Instant::now();
    let got = kit::within(Duration::from_secs(8), "run_all", move || run_all(&mut cmds)).expect("run_all");
    let took = start.elapsed().as_secs_f64();
    assert_eq!(got.len(), 6);
    kit::at_most("6 children sleeping 0.4 s each took", took, 3.0 * NAP, "s");
}

fn nothing_is_left_behind() {
    let watched = watch_processes();
    // A command that cannot start, between two that can: an error, and nothing left running.
    let mut cmds = vec![
        helper(&["out:one"]),
        Command::new("/nonexistent/kata06-no-such-program"),
        helper(&["sleep:200"]),
    ];
    let got =
        kit::within(Duration::from_secs(5), "run_all with a missing program", move || run_all(&mut cmds));
    assert!(got.is_err(), "a command that cannot start must make run_all return an error");
    if watched {
        report(reaper::settle_all(SETTLE), "after run_all returned an error");
    }
    let got = capture(&mut helper(&["out:hi"])).expect("capture");
    assert_eq!(got.stdout, b"hi\n");
    let _ = run_all(&mut [helper(&["exit:0"]), helper(&["exit:1"])]).expect("run_all");
    if watched {
        report(reaper::settle_all(SETTLE), "after capture and run_all returned");
    }
}

fn run_all_lets_the_others_finish_when_one_cannot_start() {
    let watched = watch_processes();
    let dir = scratch();
    let done = dir.join("done");
    let mut cmds = vec![
        helper(&["sleep:300", &format!("touch:{}", done.display())]),
        Command::new("/nonexistent/kata06-no-such-program"),
    ];
    let got =
        kit::within(Duration::from_secs(5), "run_all with a missing program", move || run_all(&mut cmds));
    assert!(got.is_err(), "a command that cannot start must make run_all return an error");
    if !done.exists() {
        panic!(
            "run_all returned its error before the other command was done (it never finished its work): the error is returned once the others are done"
        );
    }
    if watched {
        report(reaper::settle_all(SETTLE), "after run_all returned an error");
    }
}
