//! `grader export`: the repository a class starts from, graded the way GitHub Classroom grades a
//! student's push: the exported workflow's grading step, run as written inside the export, with
//! the grader the export itself builds. Builds go to `target/export-test/` (kept between runs).

use std::path::{Path, PathBuf};
use std::process::Command;

use katas::{copy_tree, grader, root};
use serde_json::Value;

/// The lines of the `run: |` block of the workflow step named `step`.
fn run_block(workflow: &str, step: &str) -> String {
    let lines: Vec<&str> = workflow.lines().collect();
    let at = lines.iter().position(|l| l.trim() == format!("- name: {step}")).expect("the step");
    let run = (at..lines.len()).find(|&i| lines[i].trim() == "run: |").expect("a run block");
    let indent = |l: &str| l.len() - l.trim_start().len();
    let depth = indent(lines[run]);
    lines[run + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || indent(l) > depth)
        .map(|l| l.get(depth + 2..).unwrap_or("").to_string() + "\n")
        .collect()
}

/// What one run of the grading step left: its exit code, the job summary, the decoded
/// Classroom results, and the JUnit report.
struct StepRun {
    code: i32,
    summary: String,
    points: Value,
    junit: String,
    log: String,
}

fn grade_step(repo: &Path, target: &Path) -> StepRun {
    let workflow = std::fs::read_to_string(repo.join(".github/workflows/classroom.yml")).unwrap();
    let script = run_block(&workflow, "Grade");
    let github = tempfile::tempdir().unwrap();
    let (output, summary) = (github.path().join("output"), github.path().join("summary"));
    std::fs::write(&output, "").unwrap();
    std::fs::write(&summary, "").unwrap();
    // GitHub runs `run:` blocks with `bash --noprofile --norc -eo pipefail`.
    let started = std::time::Instant::now();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
        .current_dir(repo)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("CARGO_TARGET_DIR", target)
        .env("NO_COLOR", "1")
        .env_remove("GRADER_COURSE_ROOT")
        .env_remove("GRADER_TARGET_DIR")
        .output()
        .unwrap();
    eprintln!("the grading step took {:.1} s", started.elapsed().as_secs_f64());
    let outputs = std::fs::read_to_string(&output).unwrap();
    let encoded = outputs.lines().find_map(|l| l.strip_prefix("result=")).unwrap_or_default();
    let decoded = Command::new("base64").arg("-d").stdin_bytes(encoded);
    StepRun {
        code: out.status.code().unwrap_or(-1),
        summary: std::fs::read_to_string(&summary).unwrap(),
        points: serde_json::from_slice(&decoded).unwrap_or(Value::Null),
        junit: std::fs::read_to_string(repo.join("grader-junit.xml")).unwrap_or_default(),
        log: format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    }
}

trait StdinBytes {
    fn stdin_bytes(&mut self, input: &str) -> Vec<u8>;
}

impl StdinBytes for Command {
    fn stdin_bytes(&mut self, input: &str) -> Vec<u8> {
        use std::io::Write;
        let mut child =
            self.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap().stdout
    }
}

/// Points scored and possible, from the Classroom results the way the reporter adds them up.
fn points(p: &Value) -> (u64, u64) {
    let tests = p["tests"].as_array().expect("tests");
    (tests.iter().map(|t| t["score"].as_u64().unwrap()).sum(), p["max_score"].as_u64().unwrap())
}

/// Paths the README names (`docs/limits.md`, `exercises/NN-name/README.md`...) that do not
/// exist in `repo`.
fn dangling_paths(readme: &str, repo: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    for word in readme.split(|c: char| c.is_whitespace() || "`()[],;:".contains(c)) {
        let word = word.trim_end_matches('.');
        let tops = ["docs/", "exercises/", "grader/", "solutions/", "tests/", "bench/", "src/", ".github/"];
        // A bare `src/` or `tests/` is a kata's folder, spoken of in general.
        let Some(top) = tops.iter().find(|t| word.starts_with(**t)) else { continue };
        if word.len() == top.len() && ["src/", "tests/"].contains(top) {
            continue;
        }
        if word.contains("NN") || word.contains('*') {
            continue;
        }
        if !repo.join(word).exists() {
            missing.push(word.to_string());
        }
    }
    missing
}

/// The hidden tests registered with `.timing()` in the repository's suites.
fn timing_tests(repo: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for suite in std::fs::read_dir(repo.join("grader/suites")).unwrap().flatten() {
        let text = std::fs::read_to_string(suite.path()).unwrap_or_default();
        for chunk in text.split("test!(").skip(1) {
            let name = chunk.split(')').next().unwrap_or_default().trim();
            if chunk.split("test!(").next().unwrap_or_default().contains(".timing()") {
                names.push(name.to_string());
            }
        }
    }
    names
}

#[test]
fn an_exported_class_repository_builds_grades_its_stubs_and_passes_when_solved() {
    // At a stable path beside its build, so the export's crates replace their last build
    // instead of piling up in target/export-test/.
    let target = katas::target_dir().join("export-test");
    let repo = target.join("class");
    let _ = std::fs::remove_dir_all(&repo);
    grader().args(["export", &repo.to_string_lossy()]).assert().success();

    // What a class gets, and what it does not.
    for kept in
        ["grader/suites", "grader/kit", "exercises/01-threads/README.md", "docs/limits.md", "Cargo.lock"]
    {
        assert!(repo.join(kept).exists(), "the export lacks {kept}");
    }
    for left in ["solutions", "tests", "bench", "docs/instructors.md", "docs/benchmarks.md", "src"] {
        assert!(!repo.join(left).exists(), "the export carries instructors' {left}");
    }
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    assert!(!readme.contains("For instructors") && !readme.contains("solutions/"), "{readme}");
    assert!(readme.contains("## Layout") && readme.contains(".github/workflows/"), "{readme}");
    assert_eq!(dangling_paths(&readme, &repo), Vec::<String>::new(), "the README names missing paths");
    let lock = std::fs::read_to_string(repo.join("Cargo.lock")).unwrap();
    assert!(!lock.contains("name = \"assert_cmd\""), "the lock file keeps the course tests' crates");
    let manifest = std::fs::read_to_string(repo.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("bench") && !manifest.contains("[package]"), "{manifest}");
    // An export refuses to write over something.
    grader().args(["export", &repo.to_string_lossy()]).assert().failure();

    // The stubs, graded by the workflow's own step: red, no points, every kata to write.
    let stubs = grade_step(&repo, &target);
    assert_ne!(stubs.code, 0, "grading the stubs passed:\n{}", stubs.log);
    let (scored, max) = points(&stubs.points);
    assert_eq!(scored, 0, "points for stubs: {:#}", stubs.points);
    assert!(max > 0);
    assert_eq!(stubs.points["status"], "fail");
    assert!(stubs.points["tests"].as_array().unwrap().iter().all(|t| t["status"] == "fail"));
    assert!(stubs.summary.contains(&format!("0/{max} points")), "{}", stubs.summary);
    assert!(stubs.summary.contains("not written yet"), "{}", stubs.summary);
    roxmltree::Document::parse(&stubs.junit).expect("JUnit XML");

    // The same repository with the reference solutions in it: green, every point.
    let course = root();
    for kata in std::fs::read_dir(course.join("solutions")).unwrap().flatten() {
        let src: PathBuf = repo.join("exercises").join(kata.file_name()).join("src");
        std::fs::remove_dir_all(&src).unwrap();
        copy_tree(&kata.path().join("src"), &src);
    }
    let solved = grade_step(&repo, &target);
    let doc = roxmltree::Document::parse(&solved.junit).expect("JUnit XML");
    let failed: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure") || n.has_tag_name("error"))
        .map(|n| {
            format!(
                "{}: {}",
                n.parent().unwrap().attribute("name").unwrap_or("?"),
                n.attribute("message").unwrap_or("")
            )
        })
        .collect();
    // A correct solution may lose only a timing test, and only on a machine too busy for it.
    let timing = timing_tests(&repo);
    let failed: Vec<&String> =
        failed.iter().filter(|f| !timing.iter().any(|t| f.starts_with(&format!("{t}:")))).collect();
    assert!(failed.is_empty(), "solved katas failed: {failed:#?}\n{}", solved.log);
    let (scored, max) = points(&solved.points);
    if solved.code == 0 {
        assert_eq!(scored, max, "{:#}", solved.points);
        assert_eq!(solved.points["status"], "pass");
    } else {
        for t in solved.points["tests"].as_array().unwrap().iter().filter(|t| t["status"] != "pass") {
            let name = t["name"].as_str().unwrap().rsplit(' ').next().unwrap();
            assert!(timing.iter().any(|n| n == name), "{t}");
        }
    }
}
