//! Every correct alternate under tests/correct/ passes every hidden test: a test that fails
//! a correct design is a bug in the test. `ALT_ONLY=01-threads cargo test --test
//! correct_alternates` checks one kata.
//!
//! Alternates are graded in rounds, as the wrong implementations are: round k takes the k-th
//! alternate of every kata, so one build and one run cover an alternate of each kata at once.

use std::collections::BTreeMap;

use katas::{Alternate, grade_json, load_alternates, stray_test_processes, write_alternate};
use serial_test::serial;

/// Alternates each kata must have, written differently from the reference and each other.
const AT_LEAST: usize = 2;

#[test]
#[serial(grader)]
fn every_correct_alternate_passes_every_hidden_test() {
    let only = std::env::var("ALT_ONLY").ok();
    let alts: Vec<Alternate> =
        load_alternates().into_iter().filter(|a| only.as_deref().is_none_or(|o| a.exercise == o)).collect();
    let mut by_kata: BTreeMap<&str, Vec<&Alternate>> = BTreeMap::new();
    for a in &alts {
        by_kata.entry(a.exercise.as_str()).or_default().push(a);
    }
    if only.is_none() {
        let katas = std::fs::read_dir(katas::root().join("exercises")).unwrap().count();
        let short: Vec<String> = by_kata
            .iter()
            .filter(|(_, v)| v.len() < AT_LEAST)
            .map(|(k, v)| format!("{k}: {}", v.len()))
            .collect();
        assert!(
            by_kata.len() == katas && short.is_empty(),
            "every kata needs {AT_LEAST} correct alternates; {} katas have some, short: {short:?}",
            by_kata.len()
        );
    }
    let rounds = by_kata.values().map(Vec::len).max().unwrap_or(0);
    let mut failing = Vec::new();
    for round in 0..rounds {
        let this: Vec<&Alternate> = by_kata.values().filter_map(|v| v.get(round).copied()).collect();
        let dir = tempfile::tempdir().expect("temp dir");
        for alt in &this {
            write_alternate(alt, dir.path());
        }
        let sub = dir.path().to_string_lossy().into_owned();
        let katas: Vec<&str> = this.iter().map(|a| a.exercise.as_str()).collect();
        let (report, _) = grade_json(&["--submission", &sub, &katas.join(",")]);
        for alt in &this {
            let ex = katas::exercise(&report, &alt.exercise);
            for t in ex["tests"].as_array().expect("tests") {
                match t["status"].as_str().unwrap_or("?") {
                    "pass" | "skipped" => {}
                    // The machine was too busy to measure: no verdict either way, and the
                    // stability run (bench) is where such a test must prove itself.
                    "unmeasured" => {
                        eprintln!("unmeasured here: {}/{}: {}", alt.exercise, alt.name, t["name"])
                    }
                    status => failing.push(format!(
                        "{}/{}: {} {status}: {}",
                        alt.exercise,
                        alt.name,
                        t["name"],
                        t["message"].as_str().unwrap_or("")
                    )),
                }
            }
        }
        let strays = stray_test_processes();
        assert!(strays.is_empty(), "round {round} left processes behind: {strays:?}");
    }
    assert!(failing.is_empty(), "correct alternates failed hidden tests:\n{}", failing.join("\n"));
}
