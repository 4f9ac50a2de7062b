//! `cargo run --release -p bench -- stability [--runs N] [--busy B] [--only KATAS] [--alternates DIR]`:
//! the proof that a verdict does not flip on a busy machine.
//!
//! Grades the reference solutions and every correct alternate under tests/correct/ `--runs`
//! times (default 20) while `--busy` threads of this process spin (default one per core), and
//! counts per hidden test the runs that did not pass and, apart from them, the runs that came
//! back `unmeasured`. Submissions are graded in rounds as tests/correct_alternates.rs grades
//! them: round 0 is solutions/, round k the k-th alternate of every kata that has one. Each
//! round is one `grader --submission DIR KATAS --format json`, run `--runs` times in a row, so
//! only the first run of a round compiles anything. Prints a markdown table, writes it to
//! docs/stability.md (after every grading too, so a run stopped early leaves its figures), and
//! exits 1 if any run of any test did not pass or was unmeasured.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde_json::Value;

use crate::files::copy_tree;

/// What the command line asked for.
struct Options {
    runs: u32,
    busy: usize,
    only: Option<Vec<String>>,
    alternates: PathBuf,
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "{problem}\nusage: cargo run --release -p bench -- stability [--runs N] [--busy B] [--only 01-threads,09-deadlocks] [--alternates DIR]"
    );
    std::process::exit(2)
}

fn parse(args: &[String], root: &Path) -> Options {
    let mut opts = Options {
        runs: 20,
        busy: std::thread::available_parallelism().map_or(1, |n| n.get()),
        only: None,
        alternates: root.join("tests/correct"),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--runs" => opts.runs = value().parse().unwrap_or_else(|_| usage("--runs takes a number")),
            "--busy" => opts.busy = value().parse().unwrap_or_else(|_| usage("--busy takes a number")),
            "--only" => opts.only = Some(value().split(',').map(str::to_string).collect()),
            "--alternates" => opts.alternates = PathBuf::from(value()),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if opts.runs == 0 {
        usage("--runs must be at least 1");
    }
    opts
}

/// One submission in a round: which kata, which design, and the src/ to grade.
struct Entry {
    kata: String,
    design: String,
    src: PathBuf,
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Round 0: the reference solutions; round k: the k-th alternate of every kata that has k.
fn rounds(root: &Path, opts: &Options) -> Vec<Vec<Entry>> {
    let wanted = |kata: &str| opts.only.as_ref().is_none_or(|o| o.iter().any(|k| k == kata));
    let solutions: Vec<Entry> = sorted_dirs(&root.join("solutions"))
        .into_iter()
        .filter(|d| wanted(&name(d)) && d.join("src").is_dir())
        .map(|d| Entry { kata: name(&d), design: "solutions".into(), src: d.join("src") })
        .collect();
    let mut rounds = vec![solutions];
    for kata in sorted_dirs(&opts.alternates).into_iter().filter(|d| wanted(&name(d))) {
        for (k, variant) in sorted_dirs(&kata).into_iter().enumerate() {
            if rounds.len() <= k + 1 {
                rounds.push(Vec::new());
            }
            rounds[k + 1].push(Entry { kata: name(&kata), design: name(&variant), src: variant.join("src") });
        }
    }
    rounds
}

/// Threads that spin until dropped: the load the verdicts must not depend on.
struct Busy {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Busy {
    fn start(n: usize) -> Busy {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..n)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        Busy { stop, threads }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Tally of one hidden test over every run of every design that has it.
#[derive(Default)]
struct Tally {
    runs: u32,
    not_passed: u32,
    unmeasured: u32,
    /// design -> (runs not passed, unmeasured), for the designs that had any.
    designs: BTreeMap<String, (u32, u32)>,
    /// The first message of a run that did not pass.
    first: Option<String>,
}

fn grade(root: &Path, dir: &Path, katas: &[String]) -> Value {
    let out = Command::new("cargo")
        .args(["run", "-q", "-p", "grader", "--", "--submission"])
        .arg(dir)
        .arg(katas.join(","))
        .args(["--format", "json"])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .expect("run the grader");
    serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap_or_else(|e| {
        panic!("the grader printed no JSON report ({e}); it said:\n{}", String::from_utf8_lossy(&out.stderr))
    })
}

pub fn run(root: &Path, args: &[String]) -> i32 {
    let opts = parse(args, root);
    let rounds = rounds(root, &opts);
    let work = std::env::temp_dir().join(format!("katas-stability-{}", std::process::id()));
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let header = Header {
        args: args.join(" "),
        designs: rounds.iter().map(Vec::len).sum(),
        rounds: rounds.len(),
        runs: opts.runs,
        busy: opts.busy,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        load_before: load_average(),
    };
    let out = root.join("docs/stability.md");
    let start = Instant::now();
    {
        let _busy = Busy::start(opts.busy);
        for (r, round) in rounds.iter().enumerate() {
            let dir = work.join(format!("round-{r}"));
            let _ = std::fs::remove_dir_all(&dir);
            for e in round {
                copy_tree(&e.src, &dir.join(&e.kata).join("src"));
            }
            let katas: Vec<String> = round.iter().map(|e| e.kata.clone()).collect();
            let designs: Vec<String> = round.iter().map(|e| format!("{}/{}", e.kata, e.design)).collect();
            for n in 1..=opts.runs {
                let t = Instant::now();
                let report = grade(root, &dir, &katas);
                eprintln!(
                    "round {r} ({} designs), run {n}/{}: {:.0} s",
                    designs.len(),
                    opts.runs,
                    t.elapsed().as_secs_f64()
                );
                for e in round {
                    let tests = report["exercises"]
                        .as_array()
                        .and_then(|a| a.iter().find(|x| x["dir"] == e.kata.as_str()))
                        .and_then(|x| x["tests"].as_array().cloned())
                        .unwrap_or_default();
                    if tests.is_empty() {
                        let t = tallies.entry((e.kata.clone(), "(no tests reported)".into())).or_default();
                        t.runs += 1;
                        t.not_passed += 1;
                        t.designs.entry(e.design.clone()).or_default().0 += 1;
                    }
                    for test in tests {
                        let key = (e.kata.clone(), test["name"].as_str().unwrap_or("?").to_string());
                        let t = tallies.entry(key).or_default();
                        t.runs += 1;
                        match test["status"].as_str().unwrap_or("?") {
                            "pass" | "skipped" => {}
                            "unmeasured" => {
                                t.unmeasured += 1;
                                t.designs.entry(e.design.clone()).or_default().1 += 1;
                            }
                            status => {
                                t.not_passed += 1;
                                t.designs.entry(e.design.clone()).or_default().0 += 1;
                                if t.first.is_none() {
                                    let msg = test["message"]
                                        .as_str()
                                        .unwrap_or("")
                                        .replace('|', "/")
                                        .replace('\n', " ");
                                    let msg: String = msg.chars().take(160).collect();
                                    t.first = Some(format!("{}: {status}: {msg}", e.design));
                                }
                            }
                        }
                    }
                }
                // The table so far, so a long run that has to stop early still leaves its figures.
                let progress = format!("round {r} of {}, run {n} of {}", rounds.len() - 1, opts.runs);
                std::fs::write(&out, render(&header, &tallies, Some(progress), start).0)
                    .expect("write docs/stability.md");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    let (text, failed, unmeasured) = render(&header, &tallies, None, start);
    println!("{text}");
    std::fs::write(&out, &text).expect("write docs/stability.md");
    eprintln!("wrote {}", out.display());
    if failed > 0 || unmeasured > 0 { 1 } else { 0 }
}

/// What the table's introduction says about the run.
struct Header {
    args: String,
    designs: usize,
    rounds: usize,
    runs: u32,
    busy: usize,
    cores: usize,
    load_before: String,
}

fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// The markdown table so far, with how many runs did not pass and how many were unmeasured.
/// `partial` says how far a run still under way has come.
fn render(
    h: &Header,
    tallies: &BTreeMap<(String, String), Tally>,
    partial: Option<String>,
    start: Instant,
) -> (String, u32, u32) {
    let (runs, failed, unmeasured) =
        tallies.values().fold((0, 0, 0), |(r, f, u), t| (r + t.runs, f + t.not_passed, u + t.unmeasured));
    let mut text = format!(
        "# Stability run\n\nWritten by `cargo run --release -p bench -- stability {}`. {} designs \
         (solutions and correct alternates) in {} rounds, each round graded {} times while {} threads spun \
         on this machine's {} cores; {:.0} min in all. Load average (1, 5, 15 min) before: {}; after: {}.\n\n",
        h.args,
        h.designs,
        h.rounds,
        h.runs,
        h.busy,
        h.cores,
        start.elapsed().as_secs_f64() / 60.0,
        h.load_before,
        load_average(),
    );
    if let Some(p) = partial {
        let _ = writeln!(text, "**Still running**: {p}.\n");
    }
    text.push_str(
        "A row per hidden test: the runs graded (every design that has the test, every time), the runs \
         that did not pass, and apart from those the runs that came back unmeasured.\n\n\
         | kata | test | runs | not passed | unmeasured | designs affected |\n|---|---|---|---|---|---|\n",
    );
    for ((kata, test), t) in tallies {
        let mut affected: Vec<String> =
            t.designs.iter().map(|(d, (f, u))| format!("{d} ({f} not passed, {u} unmeasured)")).collect();
        if let Some(first) = &t.first {
            affected.push(format!("first: {first}"));
        }
        let _ = writeln!(
            text,
            "| {kata} | {test} | {} | {} | {} | {} |",
            t.runs,
            t.not_passed,
            t.unmeasured,
            affected.join("; ")
        );
    }
    let _ = writeln!(text, "| **total** | {} tests | {runs} | {failed} | {unmeasured} | |", tallies.len());
    (text, failed, unmeasured)
}

/// The section of docs/benchmarks.md that says how to rerun the stability proof.
pub fn doc_section() -> String {
    "## Stability run\n\n\
     `cargo run --release -p bench -- stability --runs 20` grades the reference solutions and every \
     correct alternate under tests/correct/ 20 times while busy loops keep the cores loaded, and \
     prints per hidden test how many runs did not pass and, separately, how many came back \
     unmeasured (the machine was too busy to measure), with totals. It exits 1 if any run did not \
     pass or was unmeasured. The table of the last run is in [stability.md](stability.md).\n\n\
     - **The load**: `--busy B` threads of the bench process spin (`std::hint::spin_loop` in a \
     loop, no sleep) for the whole run; the default is one per core. They are plain threads, so \
     `top` shows them as the bench process.\n\
     - **Rounds**: as tests/correct_alternates.rs grades them. Round 0 is solutions/, round k \
     the k-th alternate of every kata that has one; each round is one \
     `grader --submission DIR KATAS --format json`, repeated `--runs` times, so only its first \
     run compiles.\n\
     - **Options**: `--runs N` (default 20), `--busy B`, `--only 01-threads,09-deadlocks` for \
     some katas, `--alternates DIR` for alternates kept elsewhere.\n\
     - **Goal**: on a 2-core machine, `--runs 20` with the default load gives 0 not passed and \
     0 unmeasured. A shared machine (other builds running) adds load beyond the busy loops; say \
     so when you report a run.\n"
        .to_string()
}
