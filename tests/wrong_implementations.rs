//! Every known-wrong implementation under tests/wrong/ is caught by the hidden test it names.
//! `WRONG_ONLY=01-threads cargo test --test wrong_implementations` checks one kata.
//!
//! To keep this quick, variants are graded in rounds: round k takes the k-th variant of every
//! kata, so one build and one run cover a variant of each kata at once.

use std::collections::BTreeMap;

use katas::{Wrong, exercise, grade_json, load_wrong, stray_test_processes, test, write_wrong};
use serial_test::serial;

/// Re-grades of a named test that skipped for want of a free core.
const BUSY_RETRIES: usize = 3;

/// Whether the named test caught the variant, or what it said instead.
fn caught(report: &serde_json::Value, wrong: &Wrong, name: &str) -> Result<(), String> {
    let t = test(report, &wrong.exercise, name);
    let status = t["status"].as_str().unwrap_or("?");
    let message = t["message"].as_str().unwrap_or("");
    let caught = status != "pass"
        && status != "skipped"
        && wrong.status.as_deref().is_none_or(|s| s == status)
        && wrong.message.as_deref().is_none_or(|m| message.contains(m));
    if caught { Ok(()) } else { Err(format!("{status}: {message}")) }
}

#[test]
#[serial(grader)]
fn every_wrong_implementation_is_caught_by_its_named_test() {
    let only = std::env::var("WRONG_ONLY").ok();
    let wrongs: Vec<Wrong> =
        load_wrong().into_iter().filter(|w| only.as_deref().is_none_or(|o| w.exercise == o)).collect();
    assert!(!wrongs.is_empty(), "no wrong implementations found under tests/wrong/");
    let course = std::fs::read_to_string(katas::root().join("grader/course.toml")).unwrap();
    for w in &wrongs {
        let name = w.exercise.split_once('-').map(|(_, n)| n).unwrap_or("");
        assert!(course.contains(&format!("name = \"{name}\"")), "{}: not in grader/course.toml", w.exercise);
    }
    let mut by_kata: BTreeMap<&str, Vec<&Wrong>> = BTreeMap::new();
    for w in &wrongs {
        by_kata.entry(w.exercise.as_str()).or_default().push(w);
    }
    let rounds = by_kata.values().map(Vec::len).max().unwrap_or(0);
    let mut missed = Vec::new();
    for round in 0..rounds {
        let this: Vec<&Wrong> = by_kata.values().filter_map(|v| v.get(round).copied()).collect();
        let dir = tempfile::tempdir().expect("temp dir");
        for wrong in &this {
            write_wrong(wrong, dir.path());
        }
        let sub = dir.path().to_string_lossy().into_owned();
        let katas: Vec<&str> = this.iter().map(|w| w.exercise.as_str()).collect();
        let mut tests: Vec<&str> = this.iter().flat_map(|w| w.caught_by.iter().map(String::as_str)).collect();
        tests.sort();
        tests.dedup();
        let (report, code) = grade_json(&["--submission", &sub, &katas.join(","), &tests.join(",")]);
        assert_ne!(code, 0, "round {round}: the grader passed every wrong implementation");
        for wrong in &this {
            let label = format!("{}/{} ({})", wrong.exercise, wrong.name, wrong.what);
            assert_eq!(exercise(&report, &wrong.exercise)["compiled"], true, "{label} must compile");
            for name in &wrong.caught_by {
                let mut verdict = caught(&report, wrong, name);
                // A timing test skips, rather than fails, when the machine gives it no second
                // core; it must still catch this variant once the machine is quieter.
                for _ in 0..BUSY_RETRIES {
                    match &verdict {
                        Err(s) if s.starts_with("skipped") => {
                            let (again, _) = grade_json(&["--submission", &sub, &wrong.exercise, name]);
                            verdict = caught(&again, wrong, name);
                        }
                        _ => break,
                    }
                }
                if let Err(seen) = verdict {
                    missed.push(format!("{label}: {name} gave {seen}"));
                }
            }
        }
        let strays = stray_test_processes();
        assert!(strays.is_empty(), "round {round} left processes behind: {strays:?}");
    }
    assert!(missed.is_empty(), "not caught as declared:\n{}", missed.join("\n"));
}
