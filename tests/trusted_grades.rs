//! Grades an instructor can trust, on the paths an instructor takes: a kata a submission lacks
//! scores 0 whatever the grader's own checkout holds, an unknown name is an error, a busy
//! machine leaves the maximum alone, and every format of one batch tells the same story.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use katas::{copy_tree, course_copy, grader, grader_in, load_dir, load_wrong, root, write_wrong};
use serde_json::Value;
use serial_test::serial;

const SPEEDUP: &str = "sum_of_squares_speeds_up_on_cores";
const BOTH: &str = "both_returns_both_results";

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn tests_of(report: &Value) -> Vec<&Value> {
    report["exercises"].as_array().unwrap().iter().flat_map(|e| e["tests"].as_array().unwrap()).collect()
}

#[test]
#[serial(grader)]
fn a_kata_the_submission_lacks_scores_zero_even_where_the_checkout_solved_it() {
    // The instructor's own checkout has 01 solved: that must not be graded in its place.
    let course = course_copy();
    copy_tree(&root().join("solutions/01-threads/src"), &course.path().join("exercises/01-threads/src"));
    let subs = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(subs.path().join("dave/01-threads")).unwrap();
    let dave = subs.path().join("dave").to_string_lossy().into_owned();

    let out =
        grader_in(course.path()).args(["--submission", &dave, "01", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["score"], 0);
    let max = report["max_score"].as_u64().unwrap();
    let listed: u64 = tests_of(&report).iter().map(|t| t["max_points"].as_u64().unwrap()).sum();
    assert!(max > 0 && max == listed, "the maximum does not shrink for what is missing: {max}");
    assert_eq!(report["exercises"][0]["missing_src"], true);
    for t in tests_of(&report) {
        assert_eq!(t["status"], "not-submitted", "{t}");
        assert_eq!(t["points"], 0);
    }

    let human = grader_in(course.path()).args(["--submission", &dave, "01"]).output().unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("not submitted") && text.contains(&format!("0/{max}")), "{text}");

    let grades = tempfile::tempdir().unwrap();
    let batch = grader_in(course.path())
        .args(["batch", &subs.path().to_string_lossy(), "--out", &grades.path().to_string_lossy()])
        .args(["--exercise", "01"])
        .output()
        .unwrap();
    assert!(batch.status.success(), "{}", String::from_utf8_lossy(&batch.stderr));
    let summary = std::fs::read_to_string(grades.path().join("summary.csv")).unwrap();
    let row = summary_row(&summary, "dave");
    assert_eq!((row["01-threads"].as_str(), row["total"].as_str()), ("0", "0"), "{summary}");
    assert_eq!(row["not_submitted"], "01-threads", "{summary}");
    let gradescope = read_json(&grades.path().join("dave.gradescope.json"));
    assert_eq!(gradescope["score"], 0);
    assert!(gradescope["tests"].as_array().unwrap().iter().all(|t| t["status"] == "failed"));
}

#[test]
fn an_unknown_kata_or_test_is_an_error_that_names_the_close_matches() {
    for (args, says) in [
        (&["01", "no_such_test"][..], "no hidden test `no_such_test` in 01-threads"),
        (&["01", "both_runs_the_job"], "Did you mean `both_runs_the_jobs_at_once`"),
        (&["thread"], "Did you mean `threads`"),
        (&["99"], "no kata matches `99`"),
    ] {
        let out = grader().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?} must say {says:?}: {err}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("Everything selected passes"));
    }
    let subs = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(subs.path().join("erin/01-threads/src")).unwrap();
    let grades = tempfile::tempdir().unwrap();
    let out = grader()
        .args(["batch", &subs.path().to_string_lossy(), "--out", &grades.path().to_string_lossy()])
        .args(["--test", "both_returns_both_result"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a typo in batch --test is an error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Did you mean `both_returns_both_results`"));
    assert!(!grades.path().join("summary.csv").exists(), "nobody is graded 0/0");
}

/// Runs `f` while spinning threads keep every core busy (two per core).
fn while_busy<T>(f: impl FnOnce() -> T) -> T {
    let stop = AtomicBool::new(false);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..2 * cores {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            });
        }
        let value = f();
        stop.store(true, Ordering::Relaxed);
        value
    })
}

/// The row of summary.csv for one submission, by column name.
fn summary_row(text: &str, name: &str) -> std::collections::HashMap<String, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let row = reader.records().map(Result::unwrap).find(|r| &r[0] == name).expect("a row");
    header.iter().zip(row.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
}

/// A class whose one batch holds a missing kata, an unmeasured test and a crash.
fn mixed_class(dir: &Path) {
    let one_core =
        load_wrong().into_iter().find(|w| w.exercise == "01-threads" && w.name == "one-core").unwrap();
    write_wrong(&one_core, &dir.join("alice-sequential"));
    std::fs::create_dir_all(dir.join("bob-missing/01-threads")).unwrap();
    let abort = load_dir("tests/hostile").into_iter().find(|w| w.name == "abort").unwrap();
    write_wrong(&abort, &dir.join("carol-aborts"));
}

#[test]
#[serial(grader)]
fn a_busy_machine_leaves_the_maximum_alone_and_every_format_agrees() {
    let subs = tempfile::tempdir().unwrap();
    mixed_class(subs.path());
    let grades = tempfile::tempdir().unwrap();
    let tests = format!("{SPEEDUP},{BOTH}");
    let batch = while_busy(|| {
        grader()
            .args(["batch", &subs.path().to_string_lossy(), "--out", &grades.path().to_string_lossy()])
            .args(["--exercise", "01", "--test", &tests])
            .output()
            .unwrap()
    });
    assert!(batch.status.success(), "{}", String::from_utf8_lossy(&batch.stderr));
    let summary = std::fs::read_to_string(grades.path().join("summary.csv")).unwrap();

    let alice = read_json(&grades.path().join("alice-sequential.json"));
    let speedup = katas::test(&alice, "01-threads", SPEEDUP);
    // One thread never computes beside another; on cores this busy that cannot be told from
    // a machine that gave no second core, so the test is unmeasured, never skipped.
    eprintln!("a sequential sum under load: {} ({})", speedup["status"], speedup["message"]);
    assert!(["unmeasured", "fail"].contains(&speedup["status"].as_str().unwrap()), "{speedup}");
    if speedup["status"] == "unmeasured" {
        assert_eq!(speedup["points"], speedup["max_points"], "awarded by default: {speedup}");
        assert!(speedup["message"].as_str().unwrap().starts_with("unmeasured: "), "{speedup}");
        assert_eq!(alice["unmeasured"], 1);
    }
    let carol = read_json(&grades.path().join("carol-aborts.json"));
    assert_eq!(katas::test(&carol, "01-threads", BOTH)["status"], "crash");
    let bob = read_json(&grades.path().join("bob-missing.json"));
    assert!(tests_of(&bob).iter().all(|t| t["status"] == "not-submitted"));

    let mut maxima = Vec::new();
    for name in ["alice-sequential", "bob-missing", "carol-aborts"] {
        let json = read_json(&grades.path().join(format!("{name}.json")));
        maxima.push(json["max_score"].clone());
        agree(&json, grades.path(), name, &summary);
    }
    assert!(maxima.windows(2).all(|w| w[0] == w[1]), "one maximum for every student: {maxima:?}");

    let alice_dir = subs.path().join("alice-sequential").to_string_lossy().into_owned();
    let (withheld, code) = while_busy(|| {
        katas::grade_json(&["--submission", &alice_dir, "01", SPEEDUP, "--unmeasured", "withhold"])
    });
    let t = katas::test(&withheld, "01-threads", SPEEDUP);
    assert_eq!(t["points"], 0, "withheld or failed, never given: {t}");
    assert_eq!(code, 1);
    assert_eq!(withheld["max_score"], t["max_points"], "the maximum keeps the test");
}

/// The JSON report, JUnit, Gradescope and summary.csv of one submission say the same thing.
fn agree(json: &Value, dir: &Path, name: &str, summary: &str) {
    let gradescope = read_json(&dir.join(format!("{name}.gradescope.json")));
    let junit = std::fs::read_to_string(dir.join(format!("{name}.junit.xml"))).unwrap();
    let junit = roxmltree::Document::parse(&junit).unwrap();
    let row = summary_row(summary, name);
    assert_eq!(gradescope["score"], json["score"], "{name}: gradescope score");
    assert_eq!(gradescope["max_score"], json["max_score"], "{name}: gradescope maximum");
    assert_eq!(row["total"], json["score"].to_string(), "{name}: summary total");
    assert_eq!(row["max_score"], json["max_score"].to_string(), "{name}: summary maximum");
    assert_eq!(row["unmeasured"], json["unmeasured"].to_string(), "{name}: summary unmeasured");
    let failing = tests_of(json)
        .iter()
        .filter(|t| !["pass", "skipped"].contains(&t["status"].as_str().unwrap()))
        .filter(|t| t["status"] != "unmeasured" || t["points"] != t["max_points"])
        .count();
    assert_eq!(row["failures"], failing.to_string(), "{name}: summary failures");
    for t in tests_of(json) {
        let label = format!("01-threads · {}", t["name"].as_str().unwrap());
        let g = gradescope["tests"].as_array().unwrap().iter().find(|g| g["name"] == label).unwrap();
        assert_eq!(g["score"], t["points"], "{name} {label}: gradescope points");
        assert_eq!(g["max_score"], t["max_points"], "{name} {label}: gradescope max");
        let case = junit
            .descendants()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == t["name"].as_str())
            .unwrap();
        let property = |key: &str| {
            case.descendants()
                .find(|p| p.has_tag_name("property") && p.attribute("name") == Some(key))
                .and_then(|p| p.attribute("value"))
                .map(str::to_string)
        };
        assert_eq!(property("status").as_deref(), t["status"].as_str(), "{name} {label}: junit status");
        assert_eq!(property("points"), Some(t["points"].to_string()), "{name} {label}: junit points");
    }
}
