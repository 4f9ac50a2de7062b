//! docs/mutants.md, written from the latest results of every kata (target/mutants/results/).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde_json::Value;

const INTRO: &str = "\
Written by `cargo run --release -p bench -- mutants [--kata NN[,MM]] [--limit N]`; \
`-- mutants --list` prints the mutants without grading them, `-- mutants --report` rewrites this \
page from the last results (target/mutants/results/). The driver is bench/src/mutants/.

**What it does.** Every reference solution (`solutions/NN-name/src`, except the files course.toml \
marks `given`) is mutated one edit at a time, and each mutant is graded by the hidden suites \
through the real grader (`target/debug/grader --submission DIR NN,.. --format json`). A round puts \
one mutant of each kata into one submission folder, so one grader run (one build, one test \
schedule) grades a mutant of every kata at once. The references are graded first: a test that \
fails on the reference is not counted as catching anything.

**Operators** (source level, code only: comments and string literals are skipped, and the list \
is sorted by file and position, so a run is reproducible): `ordering` (`SeqCst`/`AcqRel`/`Acquire`/\
`Release` -> `Relaxed`); `drop-notify`, `drop-flush`, `drop-wait`, `drop-join` (delete the \
statement holding `notify_one()`/`notify_all()`, `flush()`, `.wait(..)`/`wait_timeout`/`wait_while`, \
`.join()`); `while-to-if`; `comparison` (`<` <-> `<=`, `>` <-> `>=`); `off-by-one` (an integer \
literal after an arithmetic or comparison operator +1 and -1, `..` <-> `..=`); `swap` (two \
neighbouring statements of a block when one takes or gives back a lock: `.lock()`, `drop(..)`); \
`trivial-body` (a function returning a value returns a trivial one of its type instead: \
`0`/`1`, `true`/`false`, `None`, `Vec::new()`, `Ok(..)`).

**Outcomes.** *caught*: a hidden test failed or crashed; *timeout*: none failed but one ran past \
its deadline (also a catch); *missed*: every test passed (or was unmeasured on a busy machine); \
*equivalent*: missed, and judged by a person to behave like the reference, with the reason in \
bench/mutants-equivalent.toml; *not compiling*: counted apart, never as caught. \
Score = (caught + timeout) / (graded - not compiling - equivalent).

**Why not cargo-mutants.** It mutates a cargo package and judges each mutant by `cargo test` \
(or nextest) of that package. The references are not workspace members, and their tests are the \
grader's hidden suites, staged by the grader in its own workspace and run one process per test \
under a supervisor (deadlines, stall inspection, unmeasured timing tests), with the trusted copy \
of `given` files put back. cargo-mutants cannot run a command of our choosing per mutant, and \
its operators stop at expressions and function bodies; the flaws of concurrent code are \
orderings, wake-ups, waits and the order of statements around a lock. The driver reuses its \
ideas: source-level edits, a baseline first, outcomes caught/missed/unviable/timeout, and \
`trivial-body` values picked from the return type as cargo-mutants does.
";

/// The hidden tests a kata's suite registers as `.timing()`: they measure time, so on a busy
/// machine they can fail for a mutant that changed nothing they check.
fn timing_tests(root: &Path, kata: &str) -> Vec<String> {
    let suite = std::fs::read_to_string(root.join(format!("grader/suites/{kata}.rs"))).unwrap_or_default();
    suite
        .split("test!(")
        .skip(1)
        .filter(|reg| reg.split("test!(").next().unwrap_or("").contains(".timing()"))
        .filter_map(|reg| reg.split(')').next().map(|n| n.trim().to_string()))
        .collect()
}

fn count(mutants: &[Value], outcome: &str) -> usize {
    mutants.iter().filter(|m| m["outcome"] == outcome).count()
}

/// Rewrites docs/mutants.md from the results in `results_dir`.
pub fn write(root: &Path, results_dir: &Path, equivalent: &BTreeMap<(String, String), String>) {
    let current: BTreeMap<String, std::collections::BTreeSet<String>> =
        super::course_mutants(root).into_iter().collect();
    let sizes: BTreeMap<String, usize> = current.iter().map(|(k, v)| (k.clone(), v.len())).collect();
    let gaps = super::gaps(root);
    let mut table = String::from(
        "| kata | generated | graded | not compiling | caught | timeout | missed | equivalent | score | \
         time (s) | s / mutant |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut missed_list = String::new();
    let mut timing_list = String::new();
    let mut equivalent_list = String::new();
    let (mut total_secs, mut total_graded, mut total) = (0.0, 0usize, [0usize; 6]);
    let mut seen = Vec::new();
    let mut dates = Vec::new();
    let mut not_counted = Vec::new();
    for file in super::results_files(results_dir) {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let Ok(doc) = serde_json::from_str::<Value>(&text) else { continue };
        let kata = doc["kata"].as_str().unwrap_or("").to_string();
        let Some(keys) = current.get(&kata) else { continue };
        let timing = timing_tests(root, &kata);
        let key_of = |m: &Value| {
            format!(
                "{}:{}: {}",
                m["file"].as_str().unwrap_or(""),
                m["line"],
                m["what"].as_str().unwrap_or("")
            )
        };
        let mut seen_here = std::collections::BTreeSet::new();
        let mut mutants: Vec<Value> = doc["mutants"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| keys.contains(&key_of(m)))
            .filter(|m| seen_here.insert(key_of(m)))
            .cloned()
            .collect();
        dates.push(doc["finished_at"].as_str().unwrap_or("").to_string());
        for t in doc["baseline_failures"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            not_counted.push(format!("{kata} `{t}`"));
        }
        for m in &mut mutants {
            let key = format!(
                "{}:{}: {}",
                m["file"].as_str().unwrap_or(""),
                m["line"],
                m["what"].as_str().unwrap_or("")
            );
            if let Some(reason) = equivalent.get(&(kata.clone(), key.clone())) {
                seen.push((kata.clone(), key.clone()));
                if m["outcome"] == "missed" {
                    m["outcome"] = "equivalent".into();
                    let _ = writeln!(equivalent_list, "- {kata} {key}: {reason}");
                }
            }
            let catchers: Vec<&str> =
                m["tests"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let only_timing = !catchers.is_empty()
                && catchers.iter().all(|t| timing.iter().any(|n| t.split(' ').next() == Some(n.as_str())));
            if m["outcome"] == "caught" && only_timing {
                let gap = match gaps.get(&(kata.clone(), key.clone())) {
                    Some(promise) => {
                        seen.push((kata.clone(), key.clone()));
                        format!(". **Gap**: {promise}")
                    }
                    None => String::new(),
                };
                let _ = writeln!(
                    timing_list,
                    "- {kata} {key} [{}]: {}{gap}",
                    m["op"].as_str().unwrap_or(""),
                    catchers.join(", ")
                );
            }
            if m["outcome"] == "missed" {
                let unmeasured = m["unmeasured"].as_u64().unwrap_or(0);
                let mut note =
                    if unmeasured > 0 { format!(" ({unmeasured} tests unmeasured)") } else { String::new() };
                if let Some(promise) = gaps.get(&(kata.clone(), key.clone())) {
                    seen.push((kata.clone(), key.clone()));
                    let _ = write!(note, ". **Gap**: {promise}");
                }
                let _ = writeln!(missed_list, "- {kata} {key} [{}]{note}", m["op"].as_str().unwrap_or(""));
            }
        }
        let secs: f64 = mutants
            .iter()
            .map(|m| m["round_seconds"].as_f64().unwrap_or(0.0) / m["round_size"].as_f64().unwrap_or(1.0))
            .sum();
        let c = ["not-compiling", "caught", "timeout", "missed", "equivalent"].map(|o| count(&mutants, o));
        let graded = mutants.len();
        let judged = graded - c[0] - c[4];
        let score = if judged > 0 {
            format!("{:.0}%", 100.0 * (c[1] + c[2]) as f64 / judged as f64)
        } else {
            "-".into()
        };
        let planned = (doc["planned"].as_u64().unwrap_or(0) as usize).min(keys.len());
        let graded_cell =
            if graded < planned { format!("{graded} of {planned} planned") } else { graded.to_string() };
        let _ = writeln!(
            table,
            "| {kata} | {} | {graded_cell} | {} | {} | {} | {} | {} | {score} | {secs:.0} | {:.1} |",
            keys.len(),
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            secs / graded.max(1) as f64
        );
        total_secs += secs;
        total_graded += graded;
        total[0] += keys.len();
        for (t, v) in total[1..].iter_mut().zip(c) {
            *t += v;
        }
    }
    let judged = total_graded - total[1] - total[5];
    let _ = writeln!(
        table,
        "| **all graded** | {} | {total_graded} | {} | {} | {} | {} | {} | {} | {total_secs:.0} | {:.1} |",
        total[0],
        total[1],
        total[2],
        total[3],
        total[4],
        total[5],
        if judged > 0 {
            format!("{:.0}%", 100.0 * (total[2] + total[3]) as f64 / judged as f64)
        } else {
            "-".into()
        },
        total_secs / total_graded.max(1) as f64
    );
    let course_total: usize = sizes.values().sum();
    let per = total_secs / total_graded.max(1) as f64;
    let not_run: Vec<&String> =
        sizes.keys().filter(|k| !results_dir.join(format!("{k}.json")).exists()).collect();
    let stale: Vec<String> = equivalent
        .keys()
        .chain(gaps.keys())
        .filter(|k| !seen.contains(k))
        .map(|(kata, key)| format!("- {kata} {key}"))
        .collect();
    dates.sort();
    let mut out = format!("# Mutation run\n\n{INTRO}\n## Results\n\n");
    let _ = writeln!(
        out,
        "Last graded {}. Time is each kata's share of the rounds' wall time (a round's wall time split \
         evenly among its mutants), on the machine of docs/benchmarks.md shared with other jobs.\n\n{table}",
        dates.last().map_or("never", String::as_str)
    );
    let _ = writeln!(
        out,
        "The whole course has {course_total} mutants ({}). At the measured {per:.1} s a mutant, a full run \
         takes about {:.1} h on this machine{}.\n",
        sizes.iter().map(|(k, n)| format!("{} {n}", &k[..2])).collect::<Vec<_>>().join(", "),
        course_total as f64 * per / 3600.0,
        if not_run.is_empty() {
            String::new()
        } else {
            format!("; not graded yet: {}", not_run.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "))
        }
    );
    if !not_counted.is_empty() {
        let _ = writeln!(
            out,
            "Not counted as catching in the last run of their kata, because they failed on the reference \
             itself then (a busy machine): {}.\n",
            not_counted.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "## Missed mutants\n\nEach is a change the hidden suites did not notice: judge it equivalent (add it \
         to bench/mutants-equivalent.toml with a reason) or add a test for the promise it breaks (a `[[gap]]` \
         entry there names the promise until the test exists).\n\n{}",
        if missed_list.is_empty() { "None.\n" } else { &missed_list }
    );
    let _ = writeln!(
        out,
        "## Caught only by a timing test\n\nOn a busy machine a timing test (registered `.timing()`) can fail for a \
         mutant that changed nothing it checks, so these catches are not proof: regrade them on a quiet machine, \
         or read the mutant and say which promise should catch it.\n\n{}",
        if timing_list.is_empty() { "None.\n" } else { &timing_list }
    );
    let _ = writeln!(
        out,
        "## Judged equivalent\n\n{}",
        if equivalent_list.is_empty() { "None.\n" } else { &equivalent_list }
    );
    if !stale.is_empty() {
        let _ = writeln!(
            out,
            "## Judgements not matched by a graded mutant\n\nThe reference changed or the kata was not graded; \
             judge these again.\n\n{}\n",
            stale.join("\n")
        );
    }
    let path = root.join("docs/mutants.md");
    std::fs::write(&path, out.trim_end().to_string() + "\n").expect("write docs/mutants.md");
    eprintln!("mutants: wrote {}", path.display());
}
