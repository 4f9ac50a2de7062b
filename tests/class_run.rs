//! A class run end to end, the way the instructor workflow runs it: 30 synthetic submissions
//! of kata 01 (solved, half-solved, broken, hostile, not started, not submitted) graded by the
//! workflow's own "Grade this shard" step on 3 shards, merged and reported by its "Merge the
//! shards" step, and the class page checked against summary.csv and in headless Chromium when
//! one is installed (`apt-get install chromium`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use katas::{Wrong, copy_tree, grader, load_dir, root, write_wrong};

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

fn run_step(script: &str, env: &[(&str, &Path)], extra: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script]).current_dir(root());
    for (k, v) in env {
        cmd.env(k, v);
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.env("NO_COLOR", "1").env_remove("GRADER_COURSE_ROOT").env_remove("GRADER_TARGET_DIR");
    cmd.output().unwrap()
}

fn variant(file: &str, name: &str) -> Wrong {
    load_dir(file).into_iter().find(|w| w.exercise == "01-threads" && w.name == name).unwrap()
}

/// The class: what each student handed in, by name.
fn class(dir: &Path) {
    let solution = root().join("solutions/01-threads");
    for i in 1..=8 {
        let to = dir.join(format!("solved-{i:02}/01-threads"));
        copy_tree(&solution, &to);
        // Every real submission differs a little, so each is built on its own.
        let lib = to.join("src/lib.rs");
        let text = std::fs::read_to_string(&lib).unwrap();
        std::fs::write(&lib, format!("{text}\n// student {i}\n")).unwrap();
    }
    let half = [
        "sequential",
        "both-one-after-the-other",
        "completion-order",
        "lost-result",
        "panic-escapes",
        "detached-thread",
        "exit-zero",
        "fake-pass",
    ];
    for name in half {
        write_wrong(&variant("tests/wrong", name), &dir.join(format!("half-{name}")));
    }
    for name in ["abort", "stack-overflow", "livelock"] {
        write_wrong(&variant("tests/hostile", name), &dir.join(format!("hostile-{name}")));
    }
    let broken = ["pub fn both( {", "fn x() -> u8 { \"no\" }", "use nothing::here;", "}", "pub fn both() {}"];
    for (i, junk) in broken.iter().enumerate() {
        let to = dir.join(format!("broken-{i}/01-threads"));
        copy_tree(&solution, &to);
        let lib = to.join("src/lib.rs");
        let text = std::fs::read_to_string(&lib).unwrap();
        std::fs::write(&lib, format!("{text}\n{junk}\n")).unwrap();
    }
    for i in 1..=3 {
        copy_tree(&root().join("exercises/01-threads"), &dir.join(format!("stub-{i}/01-threads")));
        let empty = dir.join(format!("nothing-{i}"));
        std::fs::create_dir_all(&empty).unwrap();
        std::fs::write(empty.join("README.md"), "I did not get to it.\n").unwrap();
    }
}

type Csv = (Vec<String>, Vec<BTreeMap<String, String>>);

fn read_csv(path: &Path) -> Csv {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|row| header.iter().cloned().zip(row.unwrap().iter().map(String::from)).collect())
        .collect();
    (header, rows)
}

#[test]
fn a_class_of_thirty_is_graded_in_three_shards_merged_and_reported() {
    let work = tempfile::tempdir().unwrap();
    let subs = work.path().join("submissions");
    class(&subs);
    let workflow =
        String::from_utf8(grader().args(["ci-template", "instructor"]).output().unwrap().stdout).unwrap();
    let grade = run_block(&workflow, "Grade this shard");
    assert!(grade.contains("--require-sandbox"), "the class is graded only fully confined:\n{grade}");
    // Where a protection is missing the step refuses (tests/protections.rs checks how); grade
    // the class anyway, the rest of the step as written.
    let grade = if katas::sandbox_complete() {
        grade
    } else {
        eprintln!("a protection is missing here: the shards are graded without --require-sandbox");
        grade.replace(" --require-sandbox", "")
    };
    let merge = run_block(&workflow, "Merge the shards");
    let shards = work.path().join("shards");

    let started = std::time::Instant::now();
    for i in 1..=3 {
        let out = shards.join(format!("grades-{i}"));
        let shard = format!("{i}/3");
        let ran = run_step(
            &grade,
            &[("SUBMISSIONS", &subs), ("GRADES", &out)],
            &[("SHARD", &shard), ("KATAS", "01")],
        );
        let log = String::from_utf8_lossy(&ran.stderr);
        eprintln!("shard {shard}:\n{log}");
        assert!(ran.status.success(), "shard {shard} failed:\n{log}");
    }
    let graded = started.elapsed().as_secs_f64();

    // Two shards of three are a gap, refused.
    let partial = grader()
        .args(["merge"])
        .arg(shards.join("grades-1"))
        .arg(shards.join("grades-2"))
        .arg("--out")
        .arg(work.path().join("partial"))
        .output()
        .unwrap();
    assert!(!partial.status.success());
    assert!(String::from_utf8_lossy(&partial.stderr).contains("gap"), "{partial:?}");

    let class_dir = work.path().join("class-grades");
    let summary_md = work.path().join("step-summary.md");
    std::fs::write(&summary_md, "").unwrap();
    let ran = run_step(
        &merge,
        &[("SHARDS_DIR", &shards), ("CLASS", &class_dir), ("GITHUB_STEP_SUMMARY", &summary_md)],
        &[],
    );
    assert!(ran.status.success(), "merge failed:\n{}", String::from_utf8_lossy(&ran.stderr));
    eprintln!(
        "30 submissions of kata 01 on 3 shards, one after another: {graded:.0} s to grade, {:.0} s with merge and report",
        started.elapsed().as_secs_f64()
    );

    let (header, rows) = read_csv(&class_dir.join("summary.csv"));
    assert_eq!(rows.len(), 30, "one row per student");
    let names: Vec<&str> = rows.iter().map(|r| r["submission"].as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "in name order");
    let row = |n: &str| rows.iter().find(|r| r["submission"] == n).unwrap();
    let total = |n: &str| row(n)["total"].parse::<u32>().unwrap();
    let max: u32 = row("solved-01")["max_score"].parse().unwrap();
    // A solved submission loses no point but to a timing test on a machine too busy for it.
    for i in 1..=8 {
        let name = format!("solved-{i:02}");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(class_dir.join(format!("{name}.json"))).unwrap())
                .unwrap();
        for t in report["exercises"][0]["tests"].as_array().unwrap() {
            assert!(t["status"] == "pass" || t["timing"] == true, "{name}: {t}");
        }
    }
    for n in
        names.iter().filter(|n| n.starts_with("broken") || n.starts_with("stub") || n.starts_with("nothing"))
    {
        assert_eq!(total(n), 0, "{n}");
    }
    for name in ["sequential", "lost-result", "fake-pass", "exit-zero"] {
        assert!(total(&format!("half-{name}")) < max, "{name}");
    }
    assert!(std::fs::read_to_string(&summary_md).unwrap().contains("# Class report"));
    for n in &names {
        for ext in ["json", "junit.xml", "gradescope.json"] {
            assert!(class_dir.join(format!("{n}.{ext}")).is_file(), "{n}.{ext}");
        }
        assert!(class_dir.join(format!("feedback/{n}.md")).is_file());
    }

    check_page_against_summary(&class_dir, &header, &rows);
    check_in_chromium(&class_dir);
}

/// Every number of class.html that summary.csv holds, and the histograms' counts, match it.
fn check_page_against_summary(dir: &Path, header: &[String], rows: &[BTreeMap<String, String>]) {
    let html = std::fs::read_to_string(dir.join("class.html")).unwrap();
    assert!(
        !html.contains("<script") && !html.contains("http://") && !html.contains("https://"),
        "self-contained"
    );
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
    )
    .expect("class.html is well-formed");
    let by_id = |id: &str| {
        doc.descendants().find(|n| n.attribute("id") == Some(id)).unwrap_or_else(|| panic!("#{id}"))
    };
    let text = |n: roxmltree::Node| {
        n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect::<String>()
    };
    assert_eq!(text(by_id("count")), rows.len().to_string());
    let totals: Vec<f64> = rows.iter().map(|r| r["total"].parse().unwrap()).collect();
    let mean = totals.iter().sum::<f64>() / totals.len() as f64;
    assert_eq!(text(by_id("mean")), format!("{mean:.1}"));
    let seconds: f64 = rows.iter().map(|r| r["seconds"].parse::<f64>().unwrap()).sum();
    assert_eq!(text(by_id("seconds")), format!("{seconds:.1}"));

    let table = by_id("students");
    let trs: Vec<roxmltree::Node> =
        table.descendants().filter(|n| n.attribute("data-submission").is_some()).collect();
    assert_eq!(trs.len(), rows.len());
    for (tr, row) in trs.iter().zip(rows) {
        assert_eq!(tr.attribute("data-submission").unwrap(), row["submission"]);
        let cells: Vec<roxmltree::Node> =
            tr.children().filter(|c| c.attribute("data-col").is_some()).collect();
        assert!(cells.len() >= 4);
        for td in cells {
            let col = td.attribute("data-col").unwrap();
            assert!(header.iter().any(|h| h == col), "{col} is a summary column");
            assert_eq!(text(td), row[col], "{} {col}", row["submission"]);
        }
    }

    let bars = |svg: roxmltree::Node| -> Vec<(f64, f64, usize)> {
        svg.descendants()
            .filter(|n| n.attribute("class") == Some("bar"))
            .map(|b| {
                let a = |k: &str| b.attribute(k).unwrap().parse::<f64>().unwrap();
                (a("data-from"), a("data-to"), a("data-count") as usize)
            })
            .collect()
    };
    let total_bars = bars(by_id("total"));
    assert_eq!(total_bars.iter().map(|b| b.2).sum::<usize>(), rows.len(), "every student in one bar");
    let last = total_bars.len() - 1;
    for (i, (from, to, count)) in total_bars.iter().enumerate() {
        let expected = totals.iter().filter(|&&t| t >= *from && (t < *to || (i == last && t <= *to))).count();
        assert_eq!(*count, expected, "bar {from}..{to}");
    }
    let kata_bars = bars(by_id("kata-01-threads"));
    assert_eq!(
        kata_bars.iter().map(|b| b.2).sum::<usize>(),
        rows.iter().filter(|r| !r["01-threads"].is_empty()).count()
    );
}

/// The page in a real browser: the histograms and the table are laid out with a size, and a
/// screenshot of it is an image of the page's size with something drawn on it.
fn check_in_chromium(dir: &Path) {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success()))
    else {
        eprintln!("no Chromium here: the browser check is skipped (apt-get install chromium)");
        return;
    };
    let probe = r#"<pre id="layout"></pre><script>
      const size = (el) => { const r = el.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; };
      document.getElementById('layout').textContent = JSON.stringify({
        total_bars: [...document.querySelectorAll('#total .bar')].map(b => size(b)),
        chart: size(document.getElementById('total')),
        rows: [...document.querySelectorAll('#students tbody tr')].map(r => size(r)[1]),
        table: size(document.getElementById('students')),
      });
    </script></body>"#;
    let html = std::fs::read_to_string(dir.join("class.html")).unwrap();
    let probed = dir.join("class-probe.html");
    std::fs::write(&probed, html.replace("</body>", probe)).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let browser = |args: &[&str], page: &Path| {
        Command::new(chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(args)
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap()
    };
    let dom = browser(&["--virtual-time-budget=2000", "--dump-dom"], &probed);
    let dom = String::from_utf8_lossy(&dom.stdout);
    let json = dom
        .split("<pre id=\"layout\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .expect("the probe ran");
    let layout: serde_json::Value = serde_json::from_str(&json.replace("&quot;", "\"")).unwrap();
    let bars = layout["total_bars"].as_array().unwrap();
    assert!(!bars.is_empty() && bars.iter().all(|b| b[0].as_u64().unwrap() > 10), "bars drawn: {layout}");
    assert!(bars.iter().any(|b| b[1].as_u64().unwrap() > 20), "some bar has height: {layout}");
    assert!(layout["chart"][0].as_u64().unwrap() >= 500, "{layout}");
    let rows = layout["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 30);
    assert!(rows.iter().all(|h| h.as_u64().unwrap() >= 15), "every row laid out: {layout}");

    let shot: PathBuf = dir.join("class.png");
    let ran = browser(
        &[&format!("--screenshot={}", shot.display()), "--window-size=1280,2000"],
        &dir.join("class.html"),
    );
    let png = std::fs::read(&shot).unwrap_or_else(|_| panic!("no screenshot: {ran:?}"));
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (w, h) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert_eq!((w, h), (1280, 2000));
    // A blank page of that size compresses to a few KiB; charts, text and table rows do not.
    assert!(png.len() > 40_000, "the screenshot looks empty: {} bytes", png.len());
    eprintln!("screenshot: {} ({} bytes)", shot.display(), png.len());
    let keep = std::env::var_os("CLASS_REPORT_KEEP").map(PathBuf::from);
    if let Some(keep) = keep {
        copy_tree(dir, &keep);
    }
}
