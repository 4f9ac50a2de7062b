//! Instructors' grading: a batch of a class with every output format, shards, repeats,
//! private suites, the Gradescope package and the CI templates, each checked for what it
//! produces.

use std::path::Path;
use std::process::Command;

use katas::{copy_tree, grader, load_wrong, root, schema_errors, write_wrong};
use serde_json::Value;
use serial_test::serial;

fn schema(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join("docs").join(name)).unwrap()).unwrap()
}

fn assert_valid(schema_name: &str, value: &Value, what: &str) {
    let errors = schema_errors(&schema(schema_name), value);
    assert!(errors.is_empty(), "{what} breaks {schema_name}:\n{}", errors.join("\n"));
}

fn wrong(name: &str) -> katas::Wrong {
    load_wrong().into_iter().find(|w| w.exercise == "01-threads" && w.name == name).unwrap()
}

/// The tests of a written report that did not pass, with their messages, for a failure to quote.
fn failing_tests(report: &Path) -> String {
    let report: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let tests = report["exercises"].as_array().unwrap().iter().flat_map(|e| e["tests"].as_array().unwrap());
    tests
        .filter(|t| t["status"] != "pass")
        .map(|t| format!("\n{} {}: {}", t["name"], t["status"], t["message"]))
        .collect()
}

/// A class of five: perfect, partial, not compiling, hanging, and one that edited its manifest.
fn class(dir: &Path) {
    copy_tree(&root().join("solutions/01-threads"), &dir.join("alice-perfect/01-threads"));
    write_wrong(&wrong("sequential"), &dir.join("bob-partial"));
    copy_tree(&root().join("solutions/01-threads"), &dir.join("carol-broken/01-threads"));
    std::fs::write(dir.join("carol-broken/01-threads/src/lib.rs"), "pub fn both( {").unwrap();
    write_wrong(&wrong("deadlock"), &dir.join("dave-hangs"));
    copy_tree(&root().join("solutions/01-threads"), &dir.join("erin-edits/01-threads"));
    std::fs::write(dir.join("erin-edits/01-threads/Cargo.toml"), "[package]\nname = \"threads\"\n").unwrap();
}

#[test]
#[serial(grader)]
fn a_class_is_graded_in_one_batch_with_every_format() {
    let subs = tempfile::tempdir().unwrap();
    class(subs.path());
    let out = tempfile::tempdir().unwrap();
    let run = grader()
        .args(["batch", &subs.path().to_string_lossy(), "--out", &out.path().to_string_lossy()])
        .args(["--exercise", "01", "--deadline", "3"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "the batch failed:\n{log}");
    eprintln!("{log}");

    let mut summary = csv::Reader::from_path(out.path().join("summary.csv")).unwrap();
    let header = summary.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = summary.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5, "one row per submission");
    let col =
        |row: &csv::StringRecord, name: &str| row[header.iter().position(|h| h == name).unwrap()].to_string();
    let by_name = |n: &str| rows.iter().find(|r| &r[0] == n).unwrap().clone();
    let (alice, bob, carol, dave, erin) = (
        by_name("alice-perfect"),
        by_name("bob-partial"),
        by_name("carol-broken"),
        by_name("dave-hangs"),
        by_name("erin-edits"),
    );
    let failing = |name: &str| failing_tests(&out.path().join(format!("{name}.json")));
    assert_eq!(col(&alice, "total"), col(&alice, "max_score"), "{}", failing("alice-perfect"));
    assert_eq!(col(&alice, "failures"), "0");
    let bob_total: u32 = col(&bob, "total").parse().unwrap();
    assert!(bob_total > 0 && bob_total < col(&bob, "max_score").parse().unwrap(), "partial credit");
    assert_eq!(col(&carol, "total"), "0");
    assert_ne!(col(&dave, "failures"), "0");
    assert_eq!(
        col(&erin, "total"),
        col(&erin, "max_score"),
        "graded on its src/ alone: {}",
        failing("erin-edits")
    );

    for name in ["alice-perfect", "bob-partial", "carol-broken", "dave-hangs", "erin-edits"] {
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(out.path().join(format!("{name}.json"))).unwrap())
                .unwrap();
        assert_valid("report.schema.json", &report, name);
        let gs: Value = serde_json::from_str(
            &std::fs::read_to_string(out.path().join(format!("{name}.gradescope.json"))).unwrap(),
        )
        .unwrap();
        assert_valid("gradescope.schema.json", &gs, name);
        assert_eq!(gs["score"], report["score"]);
        let xml = std::fs::read_to_string(out.path().join(format!("{name}.junit.xml"))).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{name}: bad JUnit XML: {e}"));
        let cases = doc.descendants().filter(|n| n.has_tag_name("testcase")).count();
        assert_eq!(
            cases,
            report["exercises"][0]["tests"].as_array().unwrap().len(),
            "{name}: a case per test"
        );
    }
    let carol: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("carol-broken.json")).unwrap())
            .unwrap();
    assert_eq!(carol["exercises"][0]["compiled"], false);
    let erin: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("erin-edits.json")).unwrap()).unwrap();
    assert_eq!(erin["exercises"][0]["ignored_files"][0], "Cargo.toml");
    let dave: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("dave-hangs.json")).unwrap()).unwrap();
    let timeouts =
        dave["exercises"][0]["tests"].as_array().unwrap().iter().filter(|t| t["status"] == "timeout").count();
    assert!(timeouts > 0, "the hanging submission times out: {dave:#}");
    assert!(katas::stray_test_processes().is_empty());
}

#[test]
#[serial(grader)]
fn two_shards_cover_every_submission_exactly_once() {
    let subs = tempfile::tempdir().unwrap();
    class(subs.path());
    let mut seen = Vec::new();
    for shard in ["1/2", "2/2"] {
        let out = tempfile::tempdir().unwrap();
        grader()
            .args([
                "batch",
                &subs.path().to_string_lossy(),
                "--out",
                &out.path().to_string_lossy(),
                "--shard",
                shard,
            ])
            .args(["--exercise", "01", "--test", "both_returns_both_results", "--submissions-at-once", "2"])
            .assert()
            .success();
        let mut summary = csv::Reader::from_path(out.path().join("summary.csv")).unwrap();
        seen.extend(summary.records().map(|r| r.unwrap()[0].to_string()));
    }
    seen.sort();
    assert_eq!(seen, ["alice-perfect", "bob-partial", "carol-broken", "dave-hangs", "erin-edits"]);
}

#[test]
#[serial(grader)]
fn repeat_fails_a_flaky_test_and_counts_its_passes() {
    let dir = tempfile::tempdir().unwrap();
    let mut flaky = wrong("sequential");
    flaky.edit = vec![katas::Edit {
        file: "lib.rs".into(),
        find: "(ha.join().expect(\"job a panicked\"), hb.join().expect(\"job b panicked\"))".into(),
        replace: "let (ra, rb) = (ha.join().expect(\"a\"), hb.join().expect(\"b\"));\n    \
                  let coin = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() / 1000 % 2;\n    \
                  assert!(coin == 0, \"unlucky\");\n    (ra, rb)"
            .into(),
    }];
    write_wrong(&flaky, dir.path());
    let sub = dir.path().to_string_lossy().into_owned();
    let (report, code) =
        katas::grade_json(&["--submission", &sub, "01", "both_returns_both_results", "--repeat", "20"]);
    assert_ne!(code, 0);
    let t = katas::test(&report, "01-threads", "both_returns_both_results");
    assert_eq!(t["runs"], 20);
    let passed = t["passed_runs"].as_u64().unwrap();
    assert!(passed < 20, "a coin flip passed 20 times running");
    assert_eq!(t["status"], "fail");
    assert!(t["message"].as_str().unwrap().starts_with(&format!("passed {passed} of 20 runs")), "{t}");
    assert_eq!(t["points"], 0);
}

#[test]
#[serial(grader)]
fn private_suites_replace_and_extend_the_shipped_ones() {
    let private = tempfile::tempdir().unwrap();
    let suite = |test: &str, body: &str| {
        format!(
            "use kit::test;\nfn main() {{ kit::suite(&[test!({test}).points(5)]); }}\nfn {test}() {{ {body} }}\n"
        )
    };
    std::fs::write(
        private.path().join("01-threads.rs"),
        suite("instructors_both", "assert_eq!(threads::both(|| 1, || 2), (1, 2));"),
    )
    .unwrap();
    std::fs::write(
        private.path().join("01-threads.extra.rs"),
        suite("instructors_extra", "assert_eq!(threads::run_all(vec![|| 7]), vec![7]);"),
    )
    .unwrap();
    let private = private.path().to_string_lossy().into_owned();
    // `--hidden`, the flag's first name, still works for scripts written before the rename.
    let (report, code) = katas::grade_json(&["--submission", "solutions", "01", "--hidden", &private]);
    assert_eq!(code, 0, "{report:#}");
    let names: Vec<&str> = report["exercises"][0]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["instructors_both", "instructors_extra"]);
    assert_eq!(report["max_score"], 10);
}

/// A folder that is not removed at the end, unlike a temporary one.
struct Stable(std::path::PathBuf);

impl Stable {
    fn path(&self) -> &Path {
        &self.0
    }
}

/// The Gradescope package as Gradescope uses it: written by `grader gradescope`, built by its own
/// `setup.sh` (a fetch, then an offline `--locked` release build, then the warm-up), and its
/// `run_autograder` grading a submission with the grader that build made. The build goes to
/// `target/gradescope-package/` (kept between runs, so only the package's own crates rebuild).
#[test]
#[serial(grader)]
fn the_gradescope_package_builds_from_its_setup_and_grades_a_submission() {
    // At a stable path, so the build's path crates replace their last build instead of piling up.
    let target = katas::target_dir().join("gradescope-package");
    let autograder = Stable(target.join("autograder"));
    let _ = std::fs::remove_dir_all(autograder.path());
    let source = autograder.path().join("source");
    grader()
        .args(["gradescope", &source.to_string_lossy(), "--gradescope-visibility", "after_published"])
        .assert()
        .success();
    for script in ["setup.sh", "run_autograder"] {
        let ok = Command::new("bash").args(["-n"]).arg(source.join(script)).status().unwrap().success();
        assert!(ok, "{script} is not valid bash");
    }
    assert!(!source.join("tests").exists(), "the project's own tests are not part of the package");

    let started = std::time::Instant::now();
    let setup = Command::new("bash")
        .arg(source.join("setup.sh"))
        .env("AUTOGRADER_ROOT", autograder.path())
        .env("CARGO_TARGET_DIR", &target)
        .env("GRADER_WARM", "01")
        .env_remove("GRADER_COURSE_ROOT")
        .env_remove("GRADER_TARGET_DIR")
        .output()
        .unwrap();
    assert!(setup.status.success(), "setup.sh failed:\n{}", String::from_utf8_lossy(&setup.stderr));
    eprintln!(
        "setup.sh (fetch, offline release build, warm-up of 01) took {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // A student who submitted kata 01 only, done sequentially: partial credit there, nothing
    // for the katas not submitted.
    write_wrong(&wrong("sequential"), &autograder.path().join("submission"));
    let run_autograder = || {
        Command::new("bash")
            .arg(source.join("run_autograder"))
            .env("AUTOGRADER_ROOT", autograder.path())
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("GRADER_COURSE_ROOT")
            .env_remove("GRADER_TARGET_DIR")
            .status()
            .unwrap()
    };
    let script = std::fs::read_to_string(source.join("run_autograder")).unwrap();
    assert!(script.contains("--require-sandbox"), "the package grades only fully confined");
    if !katas::sandbox_complete() {
        // A protection is missing here: the package refuses, and says why in results.json.
        assert!(run_autograder().success());
        let refused = std::fs::read_to_string(autograder.path().join("results/results.json")).unwrap();
        assert!(refused.contains("--require-sandbox: refusing to grade"), "{refused}");
        std::fs::write(source.join("run_autograder"), script.replace("--require-sandbox ", "")).unwrap();
    }
    let started = std::time::Instant::now();
    let ran = run_autograder();
    assert!(ran.success());
    eprintln!("run_autograder took {:.1} s", started.elapsed().as_secs_f64());
    let log = std::fs::read_to_string(autograder.path().join("results/grader.log")).unwrap_or_default();
    let results: Value = serde_json::from_str(
        &std::fs::read_to_string(autograder.path().join("results/results.json")).unwrap(),
    )
    .unwrap();
    assert_valid("gradescope.schema.json", &results, "results.json");
    let tests = results["tests"].as_array().unwrap();
    assert!(!tests.is_empty(), "no tests in results.json: {results:#}\n{log}");
    assert!(tests.iter().all(|t| t["visibility"] == "after_published"));
    let of_01: Vec<&Value> =
        tests.iter().filter(|t| t["name"].as_str().unwrap().starts_with("01-threads")).collect();
    assert!(of_01.iter().any(|t| t["status"] == "failed"), "{results:#}");
    assert!(of_01.iter().any(|t| t["status"] == "passed"), "{results:#}");
    let others: u64 = tests
        .iter()
        .filter(|t| !t["name"].as_str().unwrap().starts_with("01-threads"))
        .map(|t| t["score"].as_u64().unwrap())
        .sum();
    assert_eq!(others, 0, "a kata not submitted scores nothing");
    let score_01: u64 = of_01.iter().map(|t| t["score"].as_u64().unwrap()).sum();
    assert_eq!(results["score"].as_u64().unwrap(), score_01);
}

/// Both workflows are safe by default: read-only code, no credentials left in the checkout, a
/// time limit on every job; the student's fails when a test fails. Their steps are run for
/// real in tests/class_repository.rs (student) and tests/class_run.rs (instructor).
#[test]
fn the_ci_templates_are_safe_by_default() {
    for kind in ["student", "instructor"] {
        let text = String::from_utf8(grader().args(["ci-template", kind]).output().unwrap().stdout).unwrap();
        assert!(text.contains("permissions:\n  contents: read"), "{kind}: no read-only default");
        assert!(!text.contains("write-all") && !text.contains("contents: write"), "{kind}");
        assert!(!text.contains("|| true"), "{kind}: a step that cannot fail");
        let jobs = text.lines().filter(|l| l.trim() == "runs-on: ubuntu-latest").count();
        let limits = text.lines().filter(|l| l.trim().starts_with("timeout-minutes:")).count();
        assert_eq!(jobs, limits, "{kind}: every job has a time limit");
        let checkouts = text.matches("uses: actions/checkout@").count();
        assert_eq!(checkouts, text.matches("persist-credentials: false").count(), "{kind}");
        if kind == "instructor" {
            assert!(text.contains("--require-sandbox"), "the class is graded only fully confined");
        }
        // Secrets only where the students' repositories are collected, never where code runs.
        for (i, line) in text.lines().enumerate() {
            if line.contains("secrets.") {
                let before: Vec<&str> = text.lines().take(i).collect();
                let job = before.iter().rev().find(|l| l.starts_with("  ") && !l.starts_with("   ")).unwrap();
                assert_eq!(job.trim(), "collect:", "{kind}: a secret in job {job}");
            }
        }
    }
    let student =
        String::from_utf8(grader().args(["ci-template", "student"]).output().unwrap().stdout).unwrap();
    assert!(student.contains("classroom-resources/autograding-grading-reporter"), "points reach Classroom");
    assert!(student.contains("GITHUB_STEP_SUMMARY") && student.contains("dorny/test-reporter"));
}

/// A kata folder byte for byte the same as one already graded in the batch is not graded
/// again: it gets the same result, and the progress line says so. One changed byte is graded.
#[test]
#[serial(grader)]
fn a_batch_grades_an_identical_kata_folder_once() {
    let subs = tempfile::tempdir().unwrap();
    for name in ["ann", "bob"] {
        copy_tree(&root().join("exercises/01-threads"), &subs.path().join(format!("{name}/01-threads")));
    }
    copy_tree(&root().join("exercises/01-threads"), &subs.path().join("cat/01-threads"));
    let lib = subs.path().join("cat/01-threads/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, format!("{text}\n// mine\n")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = grader()
        .args(["batch", &subs.path().to_string_lossy(), "--out", &out.path().to_string_lossy()])
        .args(["--exercise", "01"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{log}");
    let line =
        |name: &str| log.lines().find(|l| l.contains(&format!("] {name} "))).unwrap_or_default().to_string();
    assert!(!line("ann").contains("as graded before"), "{log}");
    assert!(line("bob").contains("1 kata as graded before"), "{log}");
    assert!(!line("cat").contains("as graded before"), "{log}");
    let report = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(out.path().join(format!("{name}.json"))).unwrap())
            .unwrap()
    };
    assert_eq!(report("ann")["exercises"], report("bob")["exercises"]);
    assert_eq!(report("bob")["score"], 0);
    let order: Vec<String> =
        log.lines().filter_map(|l| l.split("] ").nth(1)?.split(' ').next().map(String::from)).collect();
    assert_eq!(order, ["ann", "bob", "cat"], "graded in name order: {log}");
}
