//! What one more submission costs in a batch, against grading it alone: the same distinct
//! whole-course submissions graded one by one (`grader --submission S`) and then as one batch,
//! in this checkout's warm target directory. Two kinds of class: every kata solved (and edited,
//! so each submission's code differs and is built), and a class as it is mid-course (three
//! katas solved and edited, the rest the untouched stubs).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::files::copy_tree;
use crate::grader::scheduling_limit;
use crate::table::{Row, markdown, median, secs};

/// The grader built by this checkout, debug, as `cargo run -p grader` runs it.
fn grader(root: &Path) -> PathBuf {
    let ok = Command::new("cargo").args(["build", "-q", "-p", "grader"]).current_dir(root).status();
    assert!(ok.is_ok_and(|s| s.success()), "cargo build -p grader failed");
    root.join("target/debug/grader")
}

/// Runs the grader; its wall seconds and what it printed.
fn run(grader: &Path, root: &Path, args: &[&str]) -> (f64, String) {
    let start = Instant::now();
    let out = Command::new(grader)
        .args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("GRADER_TARGET_DIR")
        .output()
        .unwrap_or_else(|e| panic!("grader {args:?}: {e}"));
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "grader {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (start.elapsed().as_secs_f64(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A submission: every kata from `solutions/` for the first `solved` katas (with a line that
/// makes its code differ from every other submission's), the stubs for the rest.
fn submission(root: &Path, into: &Path, n: usize, solved: usize) {
    let mut katas: Vec<PathBuf> =
        std::fs::read_dir(root.join("exercises")).expect("exercises/").flatten().map(|e| e.path()).collect();
    katas.sort();
    for (i, kata) in katas.iter().enumerate() {
        let name = kata.file_name().expect("a kata folder");
        let to = into.join(name).join("src");
        if i < solved {
            copy_tree(&root.join("solutions").join(name).join("src"), &to);
            let lib = to.join("lib.rs");
            let text = std::fs::read_to_string(&lib).expect("lib.rs");
            std::fs::write(&lib, format!("{text}\n// submission {n}\n")).expect("write lib.rs");
        } else {
            copy_tree(&kata.join("src"), &to);
        }
    }
}

/// One kind of class: (alone, median seconds), (batch wall), (marginal seconds), notes.
fn measure(root: &Path, grader: &Path, work: &Path, label: &str, solved: usize, count: usize) -> Vec<Row> {
    let dir = work.join(label);
    let subs = dir.join("submissions");
    // A warm-up submission first, so neither side pays for the first build of its staging area.
    for n in 0..=count {
        submission(root, &subs.join(format!("s{n}")), n + 1000 * solved, solved);
    }
    let sub = |n: usize| subs.join(format!("s{n}")).to_string_lossy().into_owned();
    run(grader, root, &["--submission", &sub(0), "--format", "json"]);
    let (mut alone, mut floors) = (Vec::new(), Vec::new());
    for n in 1..=count {
        let (wall, report) = run(grader, root, &["--submission", &sub(n), "--format", "json"]);
        alone.push(wall);
        floors.push(scheduling_limit(&serde_json::from_str(&report).unwrap_or_default()).0);
    }
    let alone_total: f64 = alone.iter().sum();
    let alone_median = median(&mut alone);
    let floor = median(&mut floors);

    let mut rows = vec![
        Row::new(format!("{label}: grading one alone (median of {count})"), secs(alone_median))
            .note(format!("{count} one by one: {}", secs(alone_total))),
        Row::new(format!("{label}: its tests' own time, the floor of any batch"), secs(floor)).note(format!(
            "{:.2} of alone: shared tests' time / cores + timing tests' time, which run alone",
            floor / alone_median
        )),
    ];
    // Each batch grades fresh copies with other edits, so it cannot reuse what was built
    // before it; its warm-up gives every slot's staging area one submission.
    for at_once in [1, 2] {
        let batch_subs = dir.join(format!("batch-{at_once}"));
        let warm = dir.join(format!("warm-{at_once}"));
        for n in 0..count + at_once {
            let into = if n < at_once { &warm } else { &batch_subs };
            let id = n + 1000 * (2 + at_once) + 10_000 * solved;
            submission(root, &into.join(format!("b{n}")), id, solved);
        }
        let out = |name: &str| dir.join(format!("{name}-{at_once}")).to_string_lossy().into_owned();
        let at = at_once.to_string();
        let args = |subs: &Path, out: String| {
            vec![
                "batch".to_string(),
                subs.to_string_lossy().into_owned(),
                "--out".into(),
                out,
                "--submissions-at-once".into(),
                at.clone(),
            ]
        };
        let warm_args = args(&warm, out("grades-warm"));
        run(grader, root, &warm_args.iter().map(String::as_str).collect::<Vec<_>>());
        let batch_args = args(&batch_subs, out("grades"));
        let (batch, _) = run(grader, root, &batch_args.iter().map(String::as_str).collect::<Vec<_>>());
        let marginal = batch / count as f64;
        rows.push(Row::new(
            format!("{label}: a batch of the same {count} (other edits), {at_once} at once"),
            secs(batch),
        ));
        rows.push(
            Row::new(
                format!("{label}: one more submission in a batch ({at_once} at once) / alone"),
                format!("{:.2}", marginal / alone_median),
            )
            .goal("<= 0.60")
            .note(format!("{} a submission in the batch", secs(marginal))),
        );
    }
    rows
}

pub fn run_all(root: &Path) -> String {
    let work = std::env::temp_dir().join(format!("katas-bench-batch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let grader = grader(root);
    let count: usize = std::env::var("BENCH_BATCH").ok().and_then(|n| n.parse().ok()).unwrap_or(3);
    let katas = std::fs::read_dir(root.join("exercises")).map(|d| d.count()).unwrap_or(13);
    eprintln!("bench: batch against one by one, {count} whole-course submissions...");
    let mut rows = measure(root, &grader, &work, "every kata solved", katas, count);
    eprintln!("bench: batch against one by one, mid-course (3 katas solved)...");
    rows.extend(measure(root, &grader, &work, "3 katas solved, the rest stubs", 3, count));
    let _ = std::fs::remove_dir_all(&work);
    markdown(
        "Batch",
        "Whole-course submissions graded one by one and in one `grader batch`, one and two \
         submissions at once (`--submissions-at-once`), in this \
         checkout's warm target directory; every submission's code differs from the others', so \
         each is built. A batch grades a kata folder identical to one it already graded (an \
         untouched stub) once. No batch can beat its submissions' own tests: the floor row is \
         that time for one submission (timing tests alone, the rest packed onto the cores).",
        &rows,
    )
}
