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
    // `hint` gives one step per call, gentlest first, for the failure to fix next.
    let out = grader_in(c).args(["01", "--format", "json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let focus = report["exercises"][0]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["status"] != "pass" && t["status"] != "skipped" && t["status"] != "unmeasured")
        .expect("a failing test")
        .clone();
    let name = focus["name"].as_str().unwrap();
    let steps: Vec<String> = (0..4).map(|_| stdout(grader_in(c).args(["hint", "threads"]))).collect();
    assert!(steps[0].contains("Hint 1 of 3") && steps[0].contains(name), "{}", steps[0]);
    assert!(steps[0].contains("\"The ideas\" in exercises/01-threads/README.md"), "{}", steps[0]);
    assert!(!steps[0].contains(focus["hint"].as_str().unwrap()), "one step at a time:\n{}", steps[0]);
    assert!(
        steps[1].contains("Hint 2 of 3") && steps[1].contains(focus["hint"].as_str().unwrap()),
        "{}",
        steps[1]
    );
    let first_line = focus["message"].as_str().unwrap().lines().next().unwrap();
    assert!(steps[2].contains("Hint 3 of 3") && steps[2].contains(first_line), "{}", steps[2]);
    assert!(steps[2].contains("grader/suites/01-threads.rs:"), "where the test is:\n{}", steps[2]);
    assert!(steps[3].contains("Hint 3 of 3") && steps[3].contains("every step"), "{}", steps[3]);

    // Solved: done, and the list's score counts it.
    solve(c);
    let out = grader_in(c).arg("01").output().unwrap();
    let list = stdout(grader_in(c).arg("list"));
    let hint = stdout(grader_in(c).args(["hint", "01"]));
    if out.status.success() {
        assert!(list.lines().any(|l| l.contains("01 threads") && l.contains("done")), "{list}");
        assert!(hint.contains("passes every hidden test"), "{hint}");
    } else {
        // A timing test can come back slow when the machine is loaded; the loop still follows.
        eprintln!(
            "the reference did not pass every test on this busy machine:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(list.lines().any(|l| l.contains("01 threads") && l.contains("failing:")), "{list}");
    }

    // Reset puts the stub back: list and hint must not still say it is done.
    stdout(grader_in(c).args(["reset", "01"]));
    let list = stdout(grader_in(c).arg("list"));
    assert!(list.lines().any(|l| l.contains("01 threads") && l.contains("not started")), "{list}");
    let hint = stdout(grader_in(c).args(["hint", "01"]));
    assert!(!hint.contains("passes every hidden test") && hint.contains("Hint 1 of 3"), "{hint}");
}

#[test]
#[serial(grader)]
fn a_pass_names_the_next_kata_and_edits_outside_src_are_warned_about() {
    let course = course_copy();
    let c = course.path();
    solve(c);
    // Tests that do not measure time, so a loaded machine cannot make this run fail.
    let quick = "both_returns_both_results,run_all_keeps_the_order_of_the_jobs";
    let out = stdout(grader_in(c).args(["01", quick]));
    assert!(out.contains("Next kata: 02-"), "after a pass, the next kata:\n{out}");
    assert!(!out.contains("warning:"), "no edit outside src/ yet:\n{out}");

    // An edit the grader here uses but an instructor's grading will not: warned at the top.
    let manifest = c.join("exercises/01-threads/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{text}\n# my change\n")).unwrap();
    let out = stdout(grader_in(c).args(["01", quick]));
    let warning = out.find("warning: you changed a file outside src/: exercises/01-threads/Cargo.toml");
    let report = out.find("01 threads").unwrap();
    assert!(warning.is_some_and(|w| w < report), "warned at the top:\n{out}");
    assert!(out.contains("these edits will not be graded"), "{out}");
}

#[test]
#[serial(grader)]
fn a_panic_in_the_students_code_is_reported_first_at_its_place_in_exercises() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("01-threads/src");
    katas::copy_tree(&root().join("solutions/01-threads/src"), &src);
    let lib = src.join("lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    let overflowing = "acc.wrapping_add(x.wrapping_mul(*x))";
    assert!(text.contains(overflowing), "the reference sums with wrapping arithmetic");
    let line = text.lines().position(|l| l.contains(overflowing)).unwrap() + 1;
    std::fs::write(&lib, text.replace(overflowing, "acc + x * x * 1_000_000_007")).unwrap();
    let sub = dir.path().to_string_lossy().into_owned();
    let out = katas::grader()
        .args(["--submission", &sub, "01", "sum_of_squares_is_exact", "--verbose"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let place = format!("your code panicked at exercises/01-threads/src/lib.rs:{line}");
    assert!(text.contains(&place), "the panic first, at the student's line:\n{text}");
    assert!(text.contains("overflow"), "{text}");
    for internal in ["katas-0/", "katas-1/", "grader/kit/", "stage/"] {
        assert!(!text.contains(internal), "no staged or kit path ({internal}):\n{text}");
    }
    assert!(text.contains("fix that panic first"), "{text}");
    let (report, _) = katas::grade_json(&["--submission", &sub, "01", "sum_of_squares_is_exact"]);
    let hint = report["exercises"][0]["tests"][0]["hint"].as_str().unwrap();
    assert!(!text.contains(hint), "not the test's own hint, written for another mistake:\n{text}");
}

#[test]
#[serial(grader)]
fn a_failing_figure_is_said_once_with_its_unit_agreeing() {
    let dir = tempfile::tempdir().unwrap();
    let both =
        load_wrong().into_iter().find(|w| w.exercise == "01-threads" && w.name == "both-one-after-the-other");
    write_wrong(&both.unwrap(), dir.path());
    let sub = dir.path().to_string_lossy().into_owned();
    let out =
        katas::grader().args(["--submission", &sub, "01", "both_runs_the_jobs_at_once"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("measured 1 job, needs at least 2 jobs"), "{text}");
    assert_eq!(text.matches("(needs >= 2)").count(), 0, "the figure is said once:\n{text}");
    assert!(!text.contains("1 jobs"), "{text}");
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

/// A tmux session running `grader watch` on a course copy, the way a student starts it.
struct Watch {
    session: String,
}

impl Watch {
    /// Starts `grader watch ARGS` in a 160x60 terminal; `then` runs after the grader exits.
    fn start(course: &Path, args: &str, then: &str) -> Watch {
        let session = format!("katas-watch-{}-{}", std::process::id(), args.replace(' ', "-"));
        let command = format!(
            "cd {c} && GRADER_COURSE_ROOT={c} GRADER_TARGET_DIR={t} {g} watch {args}; {then}",
            c = course.display(),
            t = katas::target_dir().display(),
            g = katas::grader_bin().display()
        );
        let started = Command::new("tmux")
            .args(["new-session", "-d", "-x", "160", "-y", "60", "-s", &session, &command])
            .status()
            .unwrap();
        assert!(started.success());
        Watch { session }
    }

    fn screen(&self) -> String {
        tmux(&["capture-pane", "-p", "-t", &self.session, "-S", "-200"])
    }

    /// Waits until the screen shows `needle`; the screen then (or at the limit).
    fn wait_for(&self, needle: &str, limit: Duration) -> String {
        wait_for_screen(&self.session, needle, limit)
    }

    fn alive(&self) -> bool {
        Command::new("tmux").args(["has-session", "-t", &self.session]).status().unwrap().success()
    }

    /// Whether the session ended (the grader quit) within `limit`.
    fn ends_within(&self, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        while self.alive() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100));
        }
        !self.alive()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if self.alive() {
            tmux(&["kill-session", "-t", &self.session]);
        }
    }
}

fn tmux_missing() -> bool {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed (.ci/run installs it); watch mode needs a real terminal");
        return true;
    }
    false
}

/// Re-grades so far, from the status line watch prints after each one ("grade N took ...").
fn grades_on(screen: &str) -> u32 {
    screen
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("grade "))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .max()
        .unwrap_or(0)
}

#[test]
#[serial(grader)]
fn watch_regrades_once_per_save_and_never_without_one() {
    if tmux_missing() {
        return;
    }
    // Seconds of no edit watched for a re-grade; 60 s for the figure in the issue.
    let idle: u64 = std::env::var("WATCH_IDLE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(15);
    let course = course_copy();
    let c = course.path();
    let stty = c.join("stty-after.txt");
    let watch = Watch::start(c, "01", &format!("stty -a > {}", stty.display()));
    let screen = watch.wait_for("grade 1 took", Duration::from_secs(600));
    // (On a loaded machine a timing test can time out before it reaches the stub's todo!().)
    assert!(screen.contains("not started") || screen.contains(" todo"), "first grade:\n{screen}");

    // No edit: grading itself reads every kata's files, which must not count as a save.
    std::thread::sleep(Duration::from_secs(idle));
    let screen = watch.screen();
    assert_eq!(grades_on(&screen), 1, "re-graded in {idle} s without an edit:\n{screen}");

    // One save of the kata's file: exactly one re-grade, of that kata.
    let lib = c.join("exercises/01-threads/src/lib.rs");
    let solved = std::fs::read_to_string(root().join("solutions/01-threads/src/lib.rs")).unwrap();
    let saved = Instant::now();
    solve(c);
    let screen = watch.wait_for("grade 2 took", Duration::from_secs(300));
    let save_to_result = saved.elapsed();
    // The saved work was graded (its timing tests may still be slow on a loaded machine).
    assert!(screen.contains("✓ both_returns_both_results"), "after the save:\n{screen}");
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(grades_on(&watch.screen()), 2, "one save, one re-grade:\n{}", watch.screen());

    // An editor's save: write a temp file beside it, then rename it over the file.
    let saved = Instant::now();
    let temp = lib.with_file_name(".lib.rs.tmp");
    std::fs::write(&temp, format!("{solved}\n// saved the way editors save\n")).unwrap();
    std::fs::rename(&temp, &lib).unwrap();
    watch.wait_for("grade 3 took", Duration::from_secs(300));
    let rename_to_result = saved.elapsed();
    // Reading, touching and opening the file are not saves.
    let _ = std::fs::read_to_string(&lib).unwrap();
    std::fs::File::options()
        .append(true)
        .open(&lib)
        .unwrap()
        .set_modified(std::time::SystemTime::now())
        .unwrap();
    std::thread::sleep(Duration::from_secs(5));
    let screen = watch.screen();
    assert_eq!(grades_on(&screen), 3, "a temp-file-and-rename save is one re-grade:\n{screen}");
    assert!(screen.contains("watching exercises/01-threads/src"), "stays on the kata:\n{screen}");

    tmux(&["send-keys", "-t", &watch.session, "q"]);
    assert!(watch.ends_within(Duration::from_secs(20)), "q quits watch mode:\n{}", watch.screen());
    let modes = std::fs::read_to_string(&stty).unwrap_or_default();
    assert!(
        modes.contains(" icanon") && modes.contains(" echo "),
        "the terminal is back in line mode with echo after q:\n{modes}"
    );
    eprintln!(
        "watch: 0 re-grades in {idle} s without an edit; 1 per save; save to result {:.1} s, \
         temp-file-and-rename save to result {:.1} s",
        save_to_result.as_secs_f64(),
        rename_to_result.as_secs_f64()
    );
}

#[test]
#[serial(grader)]
fn watch_quits_on_ctrl_c() {
    if tmux_missing() {
        return;
    }
    let course = course_copy();
    let watch = Watch::start(course.path(), "01", "true");
    let screen = watch.wait_for("grade 1 took", Duration::from_secs(600));
    assert!(screen.contains("watching exercises/01-threads/src"), "{screen}");
    tmux(&["send-keys", "-t", &watch.session, "C-c"]);
    assert!(watch.ends_within(Duration::from_secs(20)), "Ctrl-C quits watch mode:\n{}", watch.screen());
}

/// Every file under `dir`, by path relative to it, with its contents.
fn files_of(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                todo.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read_to_string(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
#[serial(grader)]
fn the_projects_tests_read_the_stubs_from_the_course_on_a_solved_checkout() {
    // A student's checkout with every kata solved, and the work committed: the project's tests
    // that need the stubs must still find them (from git's course commits), and grading the
    // working tree grades the student's work.
    let course = course_copy();
    let c = course.path();
    for kata in katas::kata_dirs(c) {
        let src = c.join("exercises").join(&kata).join("src");
        std::fs::remove_dir_all(&src).unwrap();
        katas::copy_tree(&root().join("solutions").join(&kata).join("src"), &src);
    }
    let committed = Command::new("git")
        .args(["-c", "user.name=s", "-c", "user.email=s@s", "commit", "-qam", "my solutions"])
        .current_dir(c)
        .status()
        .unwrap();
    assert!(committed.success());

    let stubs = tempfile::tempdir().unwrap();
    katas::write_stubs(c, stubs.path());
    let shipped = katas::pristine_stubs();
    assert_eq!(files_of(stubs.path()), files_of(shipped.path()), "the stubs read from a solved checkout");
    assert!(
        files_of(&stubs.path().join("01-threads/src")).iter().any(|(_, text)| text.contains("todo!(")),
        "the stubs are stubs"
    );

    // Grading with no --submission grades the solved working tree...
    let out = grader_in(c).args(["01", "--format", "json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // (Timing tests may come back slow on a loaded machine: what matters is that the work, not
    // a stub, was graded.)
    let tests = report["exercises"][0]["tests"].as_array().unwrap();
    assert!(tests.iter().all(|t| t["not_implemented"] == false), "the solved kata was graded: {report:#}");
    assert!(report["score"].as_u64().unwrap() * 2 > report["max_score"].as_u64().unwrap(), "{report:#}");
    // ...and the stubs, graded as a submission, still fail as not implemented (a timing test
    // may time out before it reaches the todo!() on a loaded machine; none may pass).
    let sub = stubs.path().to_string_lossy().into_owned();
    let out = grader_in(c).args(["--submission", &sub, "01", "--format", "json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["score"], 0, "{report:#}");
    for t in report["exercises"][0]["tests"].as_array().unwrap() {
        assert!(t["not_implemented"] == true || t["timing"] == true, "{t}");
    }
}

/// A report line with its numbers and spacing made comparable (timings differ run to run).
fn shape(line: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in line.split_whitespace().collect::<Vec<_>>().join(" ").chars() {
        if c.is_ascii_digit() || (in_number && c == '.') {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

#[test]
#[serial(grader)]
fn the_readmes_sample_session_is_what_the_grader_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("    $ cargo run -q -p grader -- threads\n").expect("the sample session");
    let sample: Vec<&str> = readme[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("    ") || l.is_empty())
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "...")
        .collect();
    assert!(sample.len() > 5, "{sample:?}");

    // The mistake the sample shows: every job joined before the next one starts.
    let course = course_copy();
    let c = course.path();
    let wrong =
        load_wrong().into_iter().find(|w| w.exercise == "01-threads" && w.name == "sequential").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    write_wrong(&wrong, tmp.path());
    katas::copy_tree(&tmp.path().join("01-threads/src"), &c.join("exercises/01-threads/src"));
    stdout(grader_in(c).arg("01")); // past the welcome
    let out = stdout(grader_in(c).arg("threads"));
    let printed: Vec<String> = out.lines().map(shape).collect();
    let mut at = 0;
    for line in sample {
        let found = printed[at..].iter().position(|p| *p == shape(line));
        let found =
            found.unwrap_or_else(|| panic!("README's sample line {line:?} not printed, in order:\n{out}"));
        at += found + 1;
    }
}
