//! How fast the grader gives feedback, measured on a fresh clone of this checkout's HEAD:
//! cold start, a warm re-grade after an edit against `cargo test` of the same code, the whole
//! course warm, a batch's marginal cost per submission, and where the time goes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::files::copy_tree;
use crate::table::{Row, markdown, median, secs};

/// Runs `cmd` in `dir`, returning its stdout and wall seconds; panics if it could not start.
fn timed(dir: &Path, program: &str, args: &[&str]) -> (String, f64) {
    let start = Instant::now();
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("GRADER_TARGET_DIR")
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{program} {args:?}: {e}"));
    (String::from_utf8_lossy(&out.stdout).into_owned(), start.elapsed().as_secs_f64())
}

/// `cargo run -q -p grader -- ARGS --format json`: the report and the wall seconds.
fn grade(clone: &Path, args: &[&str]) -> (Value, f64) {
    let mut all = vec!["run", "-q", "-p", "grader", "--"];
    all.extend_from_slice(args);
    all.extend(["--format", "json"]);
    let (text, wall) = timed(clone, "cargo", &all);
    (serde_json::from_str(&text).unwrap_or(Value::Null), wall)
}

fn ms(report: &Value, key: &str) -> f64 {
    report[key].as_f64().unwrap_or(0.0) / 1000.0
}

fn edit(file: &Path, n: usize) {
    let mut text = std::fs::read_to_string(file).expect("read the file to edit");
    text.push_str(&format!("\n// benchmark edit {n}\n"));
    std::fs::write(file, text).expect("write the edit");
}

pub fn run(root: &Path) -> String {
    let work: PathBuf = std::env::temp_dir().join(format!("katas-bench-{}", std::process::id()));
    let clone = work.join("clone");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("create the work folder");
    let cloned = Command::new("git").args(["clone", "-q", "--local"]).arg(root).arg(&clone).status();
    assert!(cloned.is_ok_and(|s| s.success()), "git clone of the checkout failed");
    let mut rows = Vec::new();

    eprintln!("bench: cold start (fresh clone, empty target directory, empty dependency cache)...");
    let fetched = work.join("clone-fetched");
    let cargo_home = work.join("cargo-home");
    let cloned = Command::new("git").args(["clone", "-q", "--local"]).arg(root).arg(&fetched).status();
    assert!(cloned.is_ok_and(|s| s.success()), "git clone of the checkout failed");
    let start = Instant::now();
    let fetched_ok = Command::new("cargo")
        .args(["run", "-q", "-p", "grader", "--", "--format", "json"])
        .current_dir(&fetched)
        .env("CARGO_HOME", &cargo_home)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("GRADER_TARGET_DIR")
        .output()
        .is_ok_and(|o| serde_json::from_slice::<Value>(&o.stdout).is_ok());
    let truly_cold = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&fetched);
    let _ = std::fs::remove_dir_all(&cargo_home);
    rows.push(
        Row::new(
            "fresh clone to the first report, nothing cached (crates fetched from crates.io)",
            if fetched_ok { secs(truly_cold) } else { "no report (offline?)".into() },
        )
        .goal("< 60 s")
        .note("empty target directory and an empty CARGO_HOME"),
    );

    eprintln!("bench: cold start (fresh clone, empty target directory)...");
    let (first, cold) = grade(&clone, &[]);
    rows.push(
        Row::new("fresh clone to the first report (`cargo run -p grader`, stubs)", secs(cold))
            .goal("< 60 s")
            .note(format!(
                "empty target directory, crates already downloaded; build {:.0} s of it",
                ms(&first, "build_ms")
            )),
    );

    eprintln!("bench: warm re-grade of one kata after an edit...");
    let lib = clone.join("exercises/01-threads/src/lib.rs");
    copy_tree(&root.join("solutions/01-threads/src"), &clone.join("exercises/01-threads/src"));
    grade(&clone, &["01"]);
    let (mut walls, mut overheads) = (Vec::new(), Vec::new());
    for n in 0..3 {
        edit(&lib, n);
        let (report, wall) = grade(&clone, &["01"]);
        walls.push(wall);
        overheads.push(wall - ms(&report, "run_ms"));
    }
    let (one, overhead) = (median(&mut walls), median(&mut overheads));
    let mut floors = Vec::new();
    timed(&clone, "cargo", &["test", "-q", "-p", "threads"]);
    for n in 3..6 {
        edit(&lib, n);
        floors.push(timed(&clone, "cargo", &["test", "-q", "-p", "threads"]).1);
    }
    let floor = median(&mut floors);
    rows.push(
        Row::new("re-grade kata 01 after an edit to its src/", secs(one))
            .goal("overhead < 3 s")
            .note(format!("{} beyond the hidden tests' own run", secs(overhead))),
    );
    rows.push(Row::new(
        "the floor: `cargo test -p threads` of the same edit (compile + visible tests)",
        secs(floor),
    ));
    rows.push(
        Row::new("grader overhead against the floor", format!("{:.2}x", overhead / floor))
            .goal("<= 1.2x")
            .note("(re-grade minus its tests' run) / floor"),
    );

    eprintln!("bench: the whole course, warm...");
    grade(&clone, &["--submission", "solutions"]);
    let (course, course_wall) = grade(&clone, &["--submission", "solutions"]);
    rows.push(Row::new("whole course graded warm (reference solutions)", secs(course_wall)).goal("< 60 s"));
    let report_s = course_wall - ms(&course, "stage_ms") - ms(&course, "build_ms") - ms(&course, "run_ms");
    rows.push(Row::new(
        "its split: staging / build / tests / cargo and reporting",
        format!(
            "{} / {} / {} / {}",
            secs(ms(&course, "stage_ms")),
            secs(ms(&course, "build_ms")),
            secs(ms(&course, "run_ms")),
            secs(report_s.max(0.0))
        ),
    ));

    let (limit, tests) = scheduling_limit(&course);
    rows.push(
        Row::new("whole course against its scheduling limit", format!("{:.2}x", course_wall / limit))
            .goal("<= 1.15x")
            .note(format!(
                "{tests} tests; limit {} = shared tests' time / {} cores + timing tests' time",
                secs(limit),
                cores()
            )),
    );

    eprintln!("bench: one unchanged test, re-graded...");
    let grader_bin = clone.join("target/debug/grader");
    let one_test = ["--submission", "solutions", "13", "try_lock_fails_while_held", "--format", "json"];
    let bin = grader_bin.to_string_lossy().into_owned();
    timed(&clone, &bin, &one_test);
    let (mut beyond, mut isolation) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let (text, wall) = timed(&clone, &bin, &one_test);
        let report: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let test_s = report["exercises"][0]["tests"][0]["duration_ms"].as_f64().unwrap_or(0.0) / 1000.0;
        beyond.push(wall - test_s);
        isolation.push(ms(&report, "run_ms") - test_s);
    }
    rows.push(
        Row::new(
            "re-grade one unchanged 5 ms test (grader binary): wall beyond the test",
            secs(median(&mut beyond)),
        )
        .goal("< 0.06 s")
        .note("no cargo build: staging changed nothing"),
    );
    rows.push(
        Row::new("per-test isolation: run stage minus the test's own time", secs(median(&mut isolation)))
            .goal("< 0.015 s")
            .note("supervisor start, limits, mounts, cgroup, the test process, the sweep"),
    );

    eprintln!("bench: a batch of four submissions...");
    let subs = work.join("submissions");
    for n in 0..4 {
        let dir = subs.join(format!("student-{n}/01-threads/src"));
        copy_tree(&root.join("solutions/01-threads/src"), &dir);
        edit(&dir.join("lib.rs"), 100 + n);
    }
    let out = work.join("grades");
    timed(&clone, "cargo", &["run", "-q", "-p", "grader", "--", "batch"]);
    let args = [
        "run",
        "-q",
        "-p",
        "grader",
        "--",
        "batch",
        &subs.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--exercise",
        "01",
    ];
    let (_, batch_wall) = timed(&clone, "cargo", &args);
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap_or_default();
    let seconds_col = csv.lines().next().and_then(|h| h.split(',').position(|c| c == "seconds"));
    let per: Vec<f64> = csv
        .lines()
        .skip(1)
        .filter_map(|l| seconds_col.and_then(|i| l.split(',').nth(i)).and_then(|s| s.parse().ok()))
        .collect();
    if per.len() > 1 {
        let marginal = median(&mut per[1..].to_vec());
        rows.push(
            Row::new("batch: marginal seconds per extra submission (kata 01)", secs(marginal))
                .note(format!("4 submissions in {}", secs(batch_wall))),
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    markdown(
        "The grader",
        "Measured on a fresh `git clone` of HEAD with its own target directory, so the cold start \
         compiles everything. 'Overhead' is wall time minus the time the hidden tests themselves \
         ran (their sleeps and measurements are the point of the tests).",
        &rows,
    )
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The fastest the course's tests could run on this machine, from their own times: the shared
/// tests packed onto every core, the timing tests alone. Returns it and the number of tests.
pub fn scheduling_limit(report: &Value) -> (f64, usize) {
    let tests: Vec<&Value> = report["exercises"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["tests"].as_array().into_iter().flatten())
        .collect();
    let seconds = |timing: bool| -> f64 {
        tests
            .iter()
            .filter(|t| t["timing"].as_bool() == Some(timing))
            .map(|t| t["duration_ms"].as_f64().unwrap_or(0.0) / 1000.0)
            .sum()
    };
    (seconds(false) / cores() as f64 + seconds(true), tests.len())
}
