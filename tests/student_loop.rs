//! The student's loop on a copy of the course: welcome, list, hint, reset, watch, colour.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use katas::{course_copy, grader_in, load_wrong, root, write_wrong};
use serial_test::serial;

fn stdout(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().expect("run the grader");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn solve(course: &Path) {
    katas::copy_tree(&root().join("solutions/01-threads/src"), &course.join("exercises/01-threads/src"));
}

#[test]
#[serial(grader)]
fn welcome_list_and_hint_follow_the_students_progress() {
    let course = course_copy();
    let c = course.path();

    let first = stdout(grader_in(c).arg("01"));
    assert!(first.contains("Welcome to the concurrency katas!"), "{first}");
    assert!(first.contains("not started: all"), "{first}");
    let again = stdout(grader_in(c).arg("01"));
    assert!(!again.contains("Welcome"), "the welcome is for the first run only");

    let list = stdout(grader_in(c).arg("list"));
    assert!(list.lines().any(|l| l.contains("01 threads") && l.contains("not started")), "{list}");

    // A wrong implementation: failing, with hints from gentle to specific.
    let sequential =
        load_wrong().into_iter().find(|w| w.exercise == "01-threads" && w.name == "sequential").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    write_wrong(&sequential, tmp.path());
    katas::copy_tree(&tmp.path().join("01-threads/src"), &c.join("exercises/01-threads/src"));
    stdout(grader_in(c).arg("01"));
    let list = stdout(grader_in(c).arg("list"));
    assert!(
        list.lines().any(|l| l.contains("01 threads") && l.contains("failing:") && l.contains("tests pass")),
        "{list}"
    );
    let hint = stdout(grader_in(c).args(["hint", "threads"]));
    let readme = hint.find("README.md").expect("points to the lesson");
    let specific = hint.find("spawn every job first").expect("the test's own hint");
    let measured = hint.find("jobs running at once: measured 1 jobs").expect("the figure");
    assert!(readme < specific && specific < measured, "gentle to specific:\n{hint}");

    // Solved: done, and the list's score counts it.
    solve(c);
    stdout(grader_in(c).arg("01"));
    let list = stdout(grader_in(c).arg("list"));
    assert!(list.lines().any(|l| l.contains("01 threads") && l.contains("done")), "{list}");
    let hint = stdout(grader_in(c).args(["hint", "01"]));
    assert!(hint.contains("passes every hidden test"), "{hint}");
}

#[test]
#[serial(grader)]
fn reset_restores_the_stub_and_keeps_a_backup() {
    let course = course_copy();
    let c = course.path();
    let stub = std::fs::read_to_string(c.join("exercises/01-threads/src/lib.rs")).unwrap();
    solve(c);
    std::fs::write(c.join("exercises/01-threads/src/extra.rs"), "// mine\n").unwrap();
    let out = stdout(grader_in(c).args(["reset", "threads"]));
    assert!(out.contains("back to its stub"), "{out}");
    assert_eq!(std::fs::read_to_string(c.join("exercises/01-threads/src/lib.rs")).unwrap(), stub);
    assert!(!c.join("exercises/01-threads/src/extra.rs").exists());
    let backups: Vec<_> = std::fs::read_dir(c.join(".kata-backups/01-threads")).unwrap().flatten().collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(std::fs::read_to_string(backups[0].path().join("extra.rs")).unwrap(), "// mine\n");
}

#[test]
#[serial(grader)]
fn colour_on_request_and_never_with_no_color() {
    let course = course_copy();
    let c = course.path();
    let coloured = stdout(grader_in(c).arg("01").env_remove("NO_COLOR").env("CLICOLOR_FORCE", "1"));
    assert!(coloured.contains("\u{1b}["), "CLICOLOR_FORCE gives colour:\n{coloured}");
    let plain = stdout(grader_in(c).arg("01").env("NO_COLOR", "1").env("CLICOLOR_FORCE", "1"));
    assert!(!plain.contains('\u{1b}'), "NO_COLOR wins:\n{plain}");
    assert!(plain.contains("✗ 01 threads"));
}

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_for_screen(session: &str, needle: &str, limit: Duration) -> String {
    let until = Instant::now() + limit;
    loop {
        let screen = tmux(&["capture-pane", "-p", "-t", session, "-S", "-200"]);
        if screen.contains(needle) || Instant::now() > until {
            return screen;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
#[serial(grader)]
fn watch_regrades_a_kata_when_its_file_is_saved() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed (.ci/run installs it)");
        return;
    }
    let course = course_copy();
    let c = course.path();
    let session = format!("katas-watch-{}", std::process::id());
    let command = format!(
        "cd {} && GRADER_COURSE_ROOT={} GRADER_TARGET_DIR={} {} watch 01",
        c.display(),
        c.display(),
        katas::target_dir().display(),
        katas::grader_bin().display()
    );
    let started = Command::new("tmux")
        .args(["new-session", "-d", "-x", "160", "-y", "60", "-s", &session, &command])
        .status()
        .unwrap();
    assert!(started.success());
    let screen = wait_for_screen(&session, "watching exercises/01-threads/src", Duration::from_secs(120));
    assert!(screen.contains("not started"), "first grade:\n{screen}");

    let saved = Instant::now();
    solve(c);
    let screen = wait_for_screen(&session, "Everything selected passes", Duration::from_secs(120));
    let took = saved.elapsed();
    tmux(&["send-keys", "-t", &session, "q"]);
    let quit_by = Instant::now() + Duration::from_secs(60); // after any re-grade still running
    let mut alive = true;
    while alive && Instant::now() < quit_by {
        std::thread::sleep(Duration::from_millis(200));
        alive = Command::new("tmux").args(["has-session", "-t", &session]).status().unwrap().success();
    }
    if alive {
        tmux(&["kill-session", "-t", &session]);
    }
    assert!(screen.contains("Everything selected passes"), "no re-grade after saving:\n{screen}");
    eprintln!("watch re-graded {:.1} s after the save", took.as_secs_f64());
    assert!(!alive, "q quits watch mode");
}
