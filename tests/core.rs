//! The grader end to end on this checkout: the solutions pass, the stubs fail fast, a build
//! failure stays inside its exercise, and the JSON report follows its published schema.

use katas::{exercise, grade_json, grader, root, schema_errors, stray_test_processes};
use predicates::prelude::*;
use serde_json::Value;
use serial_test::serial;

fn tests_of(report: &Value) -> Vec<&Value> {
    report["exercises"].as_array().unwrap().iter().flat_map(|e| e["tests"].as_array().unwrap()).collect()
}

fn assert_schema(report: &Value) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("docs/report.schema.json")).unwrap())
            .unwrap();
    let errors = schema_errors(&schema, report);
    assert!(errors.is_empty(), "the report breaks docs/report.schema.json:\n{}", errors.join("\n"));
}

#[test]
#[serial(grader)]
fn the_solutions_pass_every_hidden_test() {
    let (report, code) = grade_json(&["--submission", "solutions"]);
    let failing: Vec<String> = tests_of(&report)
        .into_iter()
        .filter(|t| !["pass", "skipped", "unmeasured"].contains(&t["status"].as_str().unwrap_or("?")))
        .map(|t| format!("{}: {} {}", t["name"], t["status"], t["message"]))
        .collect();
    assert!(failing.is_empty(), "the reference solutions fail:\n{}", failing.join("\n"));
    assert_eq!(code, 0);
    assert_eq!(report["score"], report["max_score"]);
    assert!(report["next"].is_null());
    assert_schema(&report);
    assert!(stray_test_processes().is_empty());
}

#[test]
#[serial(grader)]
fn the_stubs_fail_every_test_fast_as_not_implemented() {
    // The stubs as the course ships them: the working tree may hold a student's solutions.
    let stubs = katas::pristine_stubs();
    let (report, code) = grade_json(&["--submission", &stubs.path().to_string_lossy()]);
    assert_ne!(code, 0);
    for t in tests_of(&report) {
        assert_eq!(t["status"], "fail", "{}", t);
        // Failed, not timed out: the todo!() ended the test before its deadline (no clock
        // here, which a busy machine would make lie).
        assert_eq!(t["not_implemented"], true, "{}", t);
    }
    assert_eq!(report["score"], 0);
    assert_eq!(report["next"], report["exercises"][0]["dir"]);
    assert_schema(&report);
}

#[test]
#[serial(grader)]
fn a_submission_that_does_not_compile_fails_only_its_exercise() {
    let (first, second) = {
        let course = std::fs::read_to_string(root().join("grader/course.toml")).unwrap();
        let numbers: Vec<String> = course
            .lines()
            .filter_map(|l| l.strip_prefix("number = "))
            .map(|n| format!("{:02}", n.trim().parse::<u32>().unwrap()))
            .collect();
        (numbers[0].clone(), numbers.get(1).cloned())
    };
    let dir = tempfile::tempdir().unwrap();
    katas::copy_tree(&root().join("solutions"), dir.path());
    let broken = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with(&first))
        .unwrap();
    std::fs::write(broken.path().join("src/lib.rs"), "pub fn oops() -> u32 { \"not a number\" }\n").unwrap();
    let selector = match &second {
        Some(s) => format!("{first},{s}"),
        None => first.clone(),
    };
    let sub = dir.path().to_string_lossy().into_owned();
    let (report, code) = grade_json(&["--submission", &sub, &selector]);
    assert_ne!(code, 0);
    let bad = &report["exercises"][0];
    assert_eq!(bad["compiled"], false);
    let diagnostics = bad["diagnostics"].as_str().unwrap();
    assert!(diagnostics.contains("mismatched types") || diagnostics.contains("error"), "{diagnostics}");
    assert!(bad["tests"].as_array().unwrap().iter().all(|t| t["status"] == "not-run"));
    assert!(bad["max_score"].as_u64().unwrap() > 0, "not-run tests keep their points in the maximum");
    if second.is_some() {
        let good = &report["exercises"][1];
        assert_eq!(good["compiled"], true);
        assert!(
            good["tests"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| ["pass", "skipped", "unmeasured"].contains(&t["status"].as_str().unwrap_or("?")))
        );
    }
    assert_schema(&report);

    // People see the compiler's own message.
    let out = grader().args(["--submission", &sub, &first]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("the kata does not compile; none of its tests ran") && text.contains("error"),
        "{text}"
    );
    let _ = exercise(&report, bad["dir"].as_str().unwrap());
}

#[test]
#[serial(grader)]
fn the_human_report_shows_figures_hints_and_the_next_step() {
    let dir = tempfile::tempdir().unwrap();
    let wrong = katas::load_wrong()
        .into_iter()
        .find(|w| w.exercise == "01-threads" && w.name == "sequential")
        .unwrap();
    katas::write_wrong(&wrong, dir.path());
    let sub = dir.path().to_string_lossy().into_owned();
    let out =
        grader().args(["--submission", &sub, "threads", "run_all_runs_every_job_at_once"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "✗ 01 threads",
        "jobs running at once: measured 1 job, needs at least 8 jobs",
        "hint:",
        "Score 0/2",
        "Next: 01-threads",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert!(!text.contains('\u{1b}'), "NO_COLOR output has no escape codes:\n{text}");
}

#[test]
fn unknown_exercises_are_refused_with_the_course_list() {
    grader().arg("no-such-kata").assert().code(2).stderr(
        predicates::str::contains("no kata matches `no-such-kata`")
            .and(predicates::str::contains("01-threads")),
    );
}

#[test]
#[serial(grader)]
fn a_build_of_the_checkout_never_passes_for_the_graded_code() {
    // Cargo names a path package's artifacts after its path inside its workspace; the staged
    // katas live under another name, so building the checkout's stubs in the same target
    // directory between two gradings cannot make the grader test the stubs.
    let course = katas::course_copy();
    let c = course.path();
    let (first, _) = grade_json_in(c, &["--submission", "solutions", "01"]);
    assert_eq!(first["score"], first["max_score"]);
    let built = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "threads", "--tests"])
        .current_dir(c)
        .env("CARGO_TARGET_DIR", katas::target_dir())
        .status()
        .unwrap();
    assert!(built.success());
    let (again, code) = grade_json_in(c, &["--submission", "solutions", "01"]);
    assert_eq!(code, 0, "the solutions were graded as something else: {again:#}");
}

fn grade_json_in(course: &std::path::Path, args: &[&str]) -> (Value, i32) {
    let out = katas::grader_in(course).args(args).args(["--format", "json"]).output().unwrap();
    (serde_json::from_slice(&out.stdout).expect("a JSON report"), out.status.code().unwrap_or(-1))
}

#[test]
#[serial(grader)]
fn a_kata_that_does_not_build_reports_the_same_tests_and_points() {
    // The grader reads a suite's registrations from its source when the kata does not build;
    // they must agree with what the built suite lists (names, order, points), for every kata.
    let stubs = katas::pristine_stubs();
    let (listed, _) = grade_json(&["--submission", &stubs.path().to_string_lossy()]);
    let dir = tempfile::tempdir().unwrap();
    for ex in listed["exercises"].as_array().unwrap() {
        let src = dir.path().join(ex["dir"].as_str().unwrap()).join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("lib.rs"), "compile_error!(\"broken on purpose\");\n").unwrap();
    }
    let sub = dir.path().to_string_lossy().into_owned();
    let (scanned, _) = grade_json(&["--submission", &sub]);
    let tests = |report: &Value, i: usize| -> Vec<(String, u64)> {
        report["exercises"][i]["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_string(), t["max_points"].as_u64().unwrap()))
            .collect()
    };
    for (i, ex) in listed["exercises"].as_array().unwrap().iter().enumerate() {
        assert_eq!(scanned["exercises"][i]["compiled"], false, "{}", ex["dir"]);
        assert_eq!(tests(&scanned, i), tests(&listed, i), "{}: scanned and listed tests differ", ex["dir"]);
    }
}
