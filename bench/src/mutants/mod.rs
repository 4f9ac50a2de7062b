//! `cargo run --release -p bench -- mutants [--kata NN[,MM]] [--limit N] [--list]`: a mutation
//! run over the reference solutions, graded by the hidden suites through the real grader.
//!
//! Each mutant is one edit (see `operators`) of one file of a reference's `src/`. A round puts
//! at most one mutant per kata into a submission folder laid out like `exercises/` and grades
//! it with `target/debug/grader --submission DIR NN,MM.. --format json`, so one grader run
//! (one build, one test schedule) serves a mutant of every kata. Results go to
//! target/mutants/results/NN-name.json, one file per kata, and docs/mutants.md is rewritten
//! from every kata's latest results after each round.
//!
//! Why not cargo-mutants: it mutates a cargo package and judges a mutant by `cargo test` (or
//! nextest) of that package. The references are not workspace members, and their tests are
//! the grader's hidden suites, staged by the grader in its own workspace with a per-test
//! supervisor (deadlines, stall inspection, unmeasured timing tests); there is no way to make
//! cargo-mutants run a command of our choosing per mutant. Its operators also stop at
//! expressions and function bodies, where the flaws of concurrent code are orderings,
//! wake-ups, waits and the order of statements around a lock.

mod lexer;
mod operators;
mod report;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

use crate::files::copy_tree;

pub use operators::Edit;

/// One mutant: which kata and file, and the edit.
#[derive(Debug, Clone)]
pub struct Mutant {
    pub kata: String,
    /// Relative to the kata's folder: `src/lib.rs`.
    pub file: String,
    pub line: usize,
    pub edit: Edit,
}

impl Mutant {
    /// How the equivalents file names it: `src/lib.rs:80: delete ...`.
    pub fn key(&self) -> String {
        format!("{}:{}: {}", self.file, self.line, self.edit.what)
    }
}

struct Options {
    katas: Option<Vec<String>>,
    limit: Option<usize>,
    list: bool,
    report_only: bool,
    /// Only mutants whose key contains this text.
    only: Option<String>,
}

fn parse_args(args: &[String]) -> Options {
    let mut opts = Options { katas: None, limit: None, list: false, report_only: false, only: None };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--kata" => {
                let v = it.next().expect("--kata needs NN or NN,MM");
                opts.katas = Some(v.split(',').map(str::to_string).collect());
            }
            "--limit" => {
                opts.limit = Some(it.next().and_then(|v| v.parse().ok()).expect("--limit needs a number"))
            }
            "--list" => opts.list = true,
            "--report" => opts.report_only = true,
            "--match" => opts.only = Some(it.next().expect("--match needs a text").clone()),
            other => panic!(
                "mutants: unknown argument {other} (use --kata NN, --limit N, --match TEXT, --list, --report)"
            ),
        }
    }
    opts
}

/// The katas in course order, with the files course.toml marks `given` (the grader replaces
/// them with its trusted copy, so mutating them proves nothing).
fn course(root: &Path) -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(root.join("grader/course.toml")).expect("read grader/course.toml");
    let table: toml::Table = text.parse().expect("parse grader/course.toml");
    let exercises = table.get("exercise").and_then(|e| e.as_array()).cloned().unwrap_or_default();
    exercises
        .iter()
        .map(|e| {
            let n = e.get("number").and_then(toml::Value::as_integer).unwrap_or(0);
            let name = e.get("name").and_then(toml::Value::as_str).unwrap_or("");
            let given = e
                .get("given")
                .and_then(|g| g.as_array())
                .map(|g| g.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            (format!("{n:02}-{name}"), given)
        })
        .collect()
}

fn rust_files(dir: &Path, rel: &str, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).into_iter().flatten().flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = format!("{rel}/{name}");
        if e.path().is_dir() {
            rust_files(&e.path(), &rel, out);
        } else if name.ends_with(".rs") {
            out.push(rel);
        }
    }
}

/// Every mutant of a kata's reference, in a fixed order; `limit` keeps an evenly spread sample.
pub fn generate(root: &Path, kata: &str, given: &[String], limit: Option<usize>) -> (usize, Vec<Mutant>) {
    let dir = root.join("solutions").join(kata);
    let mut files = Vec::new();
    rust_files(&dir.join("src"), "src", &mut files);
    let mut all = Vec::new();
    for file in files.iter().filter(|f| !given.contains(f)) {
        let text = std::fs::read_to_string(dir.join(file)).expect("read a reference file");
        let stub = std::fs::read_to_string(root.join("exercises").join(kata).join(file)).ok();
        let lines: Vec<usize> =
            text.char_indices().filter(|&(_, c)| c == '\n').map(|(i, _)| i).collect::<Vec<_>>();
        for edit in operators::mutants(&text, stub.as_deref()) {
            let line = lines.partition_point(|&nl| nl < edit.start) + 1;
            all.push(Mutant { kata: kata.to_string(), file: file.clone(), line, edit });
        }
    }
    // Two edits can read the same (both orderings of one compare_exchange): number the later ones
    // so every mutant has its own key.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for m in &mut all {
        let n = seen.entry(m.key()).or_insert(0);
        *n += 1;
        if *n > 1 {
            m.edit.what = format!("{} (#{n})", m.edit.what);
        }
    }
    let generated = all.len();
    if let Some(n) = limit.filter(|&n| n < all.len()) {
        let picked: Vec<Mutant> = (0..n).map(|i| all[i * all.len() / n].clone()).collect();
        all = picked;
    }
    (generated, all)
}

/// What became of one mutant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Some hidden test failed or crashed.
    Caught,
    /// No test failed, but one ran past its deadline.
    Timeout,
    /// Every test passed (or could not be measured).
    Missed,
    /// The kata did not build with this edit: not counted as caught.
    Unviable,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Caught => "caught",
            Outcome::Timeout => "timeout",
            Outcome::Missed => "missed",
            Outcome::Unviable => "not-compiling",
        }
    }
}

/// Grades `dir` (laid out like exercises/) for `katas`; the report and the wall seconds.
fn grade(root: &Path, dir: &Path, katas: &[&str]) -> (Value, f64) {
    let numbers: Vec<&str> = katas.iter().map(|k| &k[..2]).collect();
    let start = Instant::now();
    let out = Command::new(root.join("target/debug/grader"))
        .arg("--submission")
        .arg(dir)
        .arg(numbers.join(","))
        .args(["--format", "json"])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("GRADER_TARGET_DIR")
        .output()
        .expect("run target/debug/grader");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("the grader gave no JSON report ({e}); stderr:\n{}", String::from_utf8_lossy(&out.stderr))
    });
    (report, start.elapsed().as_secs_f64())
}

/// The tests of one kata's report that did not pass, by status.
fn failures(exercise: &Value) -> Vec<(String, String)> {
    exercise["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let status = t["status"].as_str().unwrap_or("");
            (!matches!(status, "pass" | "skipped" | "unmeasured"))
                .then(|| (t["name"].as_str().unwrap_or("").to_string(), status.to_string()))
        })
        .collect()
}

fn exercise_of<'a>(report: &'a Value, kata: &str) -> Option<&'a Value> {
    report["exercises"].as_array()?.iter().find(|e| e["dir"].as_str() == Some(kata))
}

/// Classifies a kata's report for a mutant; `flaky` are tests that failed on the reference too.
fn classify(exercise: Option<&Value>, flaky: &[String]) -> (Outcome, Vec<String>, usize, f64) {
    let Some(ex) = exercise else { return (Outcome::Unviable, vec![], 0, 0.0) };
    let tests = ex["tests"].as_array().cloned().unwrap_or_default();
    let test_secs = tests.iter().map(|t| t["duration_ms"].as_f64().unwrap_or(0.0)).sum::<f64>() / 1000.0;
    let unmeasured = tests.iter().filter(|t| t["status"] == "unmeasured").count();
    if ex["compiled"] != Value::Bool(true) {
        return (Outcome::Unviable, vec![], 0, test_secs);
    }
    let failed: Vec<(String, String)> =
        failures(ex).into_iter().filter(|(n, _)| !flaky.contains(n)).collect();
    let named = |want: &[&str]| -> Vec<String> {
        failed.iter().filter(|(_, s)| want.contains(&s.as_str())).map(|(n, s)| format!("{n} ({s})")).collect()
    };
    let caught = named(&["fail", "crash", "not-run"]);
    if !caught.is_empty() {
        return (Outcome::Caught, caught, unmeasured, test_secs);
    }
    let timed_out = named(&["timeout"]);
    if !timed_out.is_empty() {
        return (Outcome::Timeout, timed_out, unmeasured, test_secs);
    }
    (Outcome::Missed, vec![], unmeasured, test_secs)
}

/// Judgements from bench/mutants-equivalent.toml: (kata, mutant key) -> the reason a person gave,
/// for the `[[equivalent]]` entries (`which = "equivalent"`) or the `[[gap]]` ones (`"gap"`: a
/// real miss, with the promise the suites do not check).
fn judged(root: &Path, which: &str, field_name: &str) -> BTreeMap<(String, String), String> {
    let path = root.join("bench/mutants-equivalent.toml");
    let Ok(text) = std::fs::read_to_string(&path) else { return BTreeMap::new() };
    let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    table
        .get(which)
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let field = |k: &str| e.get(k).and_then(toml::Value::as_str).map(str::to_string);
            Some(((field("kata")?, field("mutant")?), field(field_name)?))
        })
        .collect()
}

fn equivalents(root: &Path) -> BTreeMap<(String, String), String> {
    judged(root, "equivalent", "reason")
}

pub fn gaps(root: &Path) -> BTreeMap<(String, String), String> {
    judged(root, "gap", "promise")
}

fn now() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

pub fn run(root: &Path, args: &[String]) {
    let opts = parse_args(args);
    let work = root.join("target/mutants");
    let results_dir = work.join("results");
    if opts.report_only {
        report::write(root, &results_dir, &equivalents(root));
        return;
    }
    let course = course(root);
    let selected: Vec<&(String, Vec<String>)> = course
        .iter()
        .filter(|(kata, _)| {
            opts.katas
                .as_ref()
                .is_none_or(|want| want.iter().any(|w| kata.starts_with(w.as_str()) || kata[3..] == *w))
        })
        .collect();
    let mut plan: Vec<(String, usize, Vec<Mutant>)> = Vec::new();
    for (kata, given) in &selected {
        let (generated, mut mutants) = generate(root, kata, given, opts.limit);
        if let Some(text) = &opts.only {
            mutants.retain(|m| m.key().contains(text.as_str()));
        }
        if mutants.is_empty() {
            continue;
        }
        plan.push((kata.clone(), generated, mutants));
    }
    if opts.list {
        for (kata, generated, mutants) in &plan {
            println!("{kata}: {generated} generated, {} to grade", mutants.len());
            for m in mutants {
                println!("  [{}] {}", m.edit.op, m.key());
            }
        }
        return;
    }

    eprintln!("mutants: building the grader...");
    let built = Command::new("cargo").args(["build", "-q", "-p", "grader"]).current_dir(root).status();
    assert!(built.is_ok_and(|s| s.success()), "cargo build -p grader failed");
    let equivalent = equivalents(root);
    std::fs::create_dir_all(&results_dir).expect("create target/mutants/results");

    // The references themselves first: a test that fails there cannot count as catching.
    eprintln!("mutants: grading the references (the baseline)...");
    let names: Vec<&str> = plan.iter().map(|(k, _, _)| k.as_str()).collect();
    let (baseline, baseline_secs) = grade(root, &root.join("solutions"), &names);
    let flaky: BTreeMap<String, Vec<String>> = names
        .iter()
        .map(|k| {
            let failed = exercise_of(&baseline, k).map(failures).unwrap_or_default();
            if !failed.is_empty() {
                eprintln!("mutants: {k}: the reference fails {failed:?}; those tests are not counted");
            }
            (k.to_string(), failed.into_iter().map(|(n, _)| n).collect())
        })
        .collect();
    eprintln!("mutants: baseline graded in {baseline_secs:.0} s");

    let mut results: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let rounds = plan.iter().map(|(_, _, m)| m.len()).max().unwrap_or(0);
    let started = Instant::now();
    for r in 0..rounds {
        let round_dir = work.join("round");
        let _ = std::fs::remove_dir_all(&round_dir);
        let mut in_round: Vec<&Mutant> = Vec::new();
        for (kata, _, mutants) in &plan {
            let Some(m) = mutants.get(r) else { continue };
            let src = root.join("solutions").join(kata);
            copy_tree(&src.join("src"), &round_dir.join(kata).join("src"));
            let file = round_dir.join(kata).join(&m.file);
            let text = std::fs::read_to_string(&file).expect("read the file to mutate");
            std::fs::write(&file, m.edit.apply(&text)).expect("write the mutant");
            in_round.push(m);
        }
        let katas: Vec<&str> = in_round.iter().map(|m| m.kata.as_str()).collect();
        let (report, wall) = grade(root, &round_dir, &katas);
        for m in &in_round {
            // Stored as graded; the report counts a missed mutant judged equivalent as such.
            let exercise = exercise_of(&report, &m.kata);
            let (outcome, tests, unmeasured, test_secs) = classify(exercise, &flaky[&m.kata]);
            // What the catching tests said, to judge a catch without grading the mutant again.
            let messages: Vec<String> = exercise
                .and_then(|e| e["tests"].as_array())
                .into_iter()
                .flatten()
                .filter(|t| tests.iter().any(|n| n.split(' ').next() == t["name"].as_str()))
                .map(|t| {
                    let msg: String = t["message"].as_str().unwrap_or("").chars().take(240).collect();
                    format!("{}: {msg}", t["name"].as_str().unwrap_or(""))
                })
                .collect();
            eprintln!("mutants: round {}/{rounds} {}: {} {}", r + 1, m.kata, outcome.name(), m.key());
            results.entry(m.kata.clone()).or_default().push(json!({
                "file": m.file, "line": m.line, "op": m.edit.op, "what": m.edit.what,
                "outcome": outcome.name(), "tests": tests, "messages": messages, "unmeasured": unmeasured,
                "test_seconds": test_secs, "round_seconds": wall, "round_size": in_round.len(),
            }));
        }
        // Save after every round, so an interrupted run keeps what it measured.
        for (kata, generated, _) in &plan {
            let file = results_dir.join(format!("{kata}.json"));
            // A partial run (--match, --limit) adds to the kata's earlier results: an earlier
            // result of a mutant graded again now is replaced.
            let key_of = |m: &Value| {
                format!(
                    "{}:{}: {}",
                    m["file"].as_str().unwrap_or(""),
                    m["line"],
                    m["what"].as_str().unwrap_or("")
                )
            };
            let now_graded: Vec<String> = results.get(kata).into_iter().flatten().map(key_of).collect();
            let earlier: Vec<Value> = std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .and_then(|d| d["mutants"].as_array().cloned())
                .unwrap_or_default()
                .into_iter()
                .filter(|m| !now_graded.contains(&key_of(m)))
                .collect();
            let done: Vec<Value> =
                earlier.into_iter().chain(results.get(kata).cloned().unwrap_or_default()).collect();
            let doc = json!({
                "kata": kata, "generated": generated, "planned": generated, "limit": opts.limit,
                "finished_at": now(), "baseline_failures": flaky[kata], "mutants": done,
            });
            std::fs::write(&file, serde_json::to_string_pretty(&doc).expect("json")).expect("write results");
        }
        report::write(root, &results_dir, &equivalent);
        eprintln!(
            "mutants: round {} took {wall:.0} s ({:.0} s so far, {:.1} s a mutant)",
            r + 1,
            started.elapsed().as_secs_f64(),
            started.elapsed().as_secs_f64() / results.values().map(Vec::len).sum::<usize>() as f64
        );
    }
    report::write(root, &results_dir, &equivalent);
}

/// Every kata of the course with the keys of all its mutants, for the doc: results of mutants no
/// longer generated (the reference or the stub changed) are left out of the tables.
pub fn course_mutants(root: &Path) -> Vec<(String, std::collections::BTreeSet<String>)> {
    course(root)
        .iter()
        .map(|(kata, given)| {
            (kata.clone(), generate(root, kata, given, None).1.iter().map(Mutant::key).collect())
        })
        .collect()
}

pub fn results_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}
