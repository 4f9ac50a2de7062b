//! `grader report DIR`: a class result (`grader batch` or `grader merge` output) as pages people
//! would rather look at than read. One self-contained `class.html` (inline CSS and SVG, no
//! script, nothing fetched): the distribution of totals and of each kata's score, the tests
//! most students fail with their most common message, where grading time went, the
//! submissions that hit a deadline, crashed or broke the grader, ignored files, and a table of
//! students linking to each one's feedback page. `class.md` is the same summary for a CI job
//! page; `feedback/NAME.md` and `feedback/NAME.html` are one student's feedback, to mail or post.
//! Every number of the students' table is copied from summary.csv, the source of truth.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, ensure};

use crate::model::{Report, Status};
use crate::report::markdown;

/// One row of summary.csv, and the submission's report when it has one.
struct Student {
    name: String,
    /// Kata folder → score, as summary.csv has it (empty when not graded).
    katas: Vec<(String, String)>,
    total: String,
    max: String,
    failures: String,
    seconds: String,
    error: String,
    report: Option<Report>,
}

/// What the pages were made from, for the command to summarise.
pub struct Written {
    pub students: usize,
}

pub fn write(dir: &Path) -> Result<Written> {
    let students = load(dir)?;
    ensure!(!students.is_empty(), "{}/summary.csv has no submissions", dir.display());
    let feedback = dir.join("feedback");
    std::fs::create_dir_all(&feedback)?;
    for s in &students {
        if let Some(r) = &s.report {
            std::fs::write(feedback.join(format!("{}.md", s.name)), markdown::render_titled(r, &s.name))?;
            std::fs::write(feedback.join(format!("{}.html", s.name)), student_page(&s.name, r))?;
        }
    }
    std::fs::write(dir.join("class.html"), class_page(&students))?;
    std::fs::write(dir.join("class.md"), class_markdown(&students))?;
    Ok(Written { students: students.len() })
}

fn load(dir: &Path) -> Result<Vec<Student>> {
    let path = dir.join("summary.csv");
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("reading {}", path.display()))?;
    let header = reader.headers()?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let kata_cols: Vec<(usize, String)> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| h.len() > 3 && h.as_bytes()[..2].iter().all(u8::is_ascii_digit) && &h[2..3] == "-")
        .map(|(i, h)| (i, h.to_string()))
        .collect();
    let get =
        |row: &csv::StringRecord, name: &str| col(name).and_then(|i| row.get(i)).unwrap_or("").to_string();
    let mut students = Vec::new();
    for row in reader.records() {
        let row = row?;
        let name = row.get(0).unwrap_or("").to_string();
        ensure!(
            !name.is_empty() && !name.contains(['/', '\\']) && name != "." && name != "..",
            "a summary row names no usable submission: {name:?}"
        );
        let report = std::fs::read_to_string(dir.join(format!("{name}.json")))
            .ok()
            .and_then(|text| serde_json::from_str::<Report>(&text).ok());
        students.push(Student {
            katas: kata_cols
                .iter()
                .map(|(i, k)| (k.clone(), row.get(*i).unwrap_or("").to_string()))
                .collect(),
            total: get(&row, "total"),
            max: get(&row, "max_score"),
            failures: get(&row, "failures"),
            seconds: get(&row, "seconds"),
            error: get(&row, "error"),
            report,
            name,
        });
    }
    Ok(students)
}

/// Equal-width buckets over 0..=max: (label, lower bound, upper bound, count).
fn buckets(values: &[f64], max: f64, n: usize) -> Vec<(String, f64, f64, usize)> {
    let n = n.max(1);
    let width = if max > 0.0 { max / n as f64 } else { 1.0 };
    (0..n)
        .map(|i| {
            let (lo, hi) = (width * i as f64, width * (i + 1) as f64);
            let last = i + 1 == n;
            let count = values.iter().filter(|&&v| v >= lo && (v < hi || (last && v <= hi))).count();
            let label = if last { format!("{lo:.0}–{hi:.0}") } else { format!("{lo:.0}–<{hi:.0}") };
            (label, lo, hi, count)
        })
        .collect()
}

/// A bar chart as inline SVG: one bar per bucket, its count above it and its range below.
fn histogram(id: &str, title: &str, buckets: &[(String, f64, f64, usize)], width: u32) -> String {
    let height = 150u32;
    let top = buckets.iter().map(|b| b.3).max().unwrap_or(0).max(1);
    let slot = width as f64 / buckets.len().max(1) as f64;
    let mut svg = format!(
        "<svg class=\"histogram\" id=\"{id}\" role=\"img\" aria-label=\"{}\" width=\"{width}\" height=\"{}\" viewBox=\"0 0 {width} {}\">\n",
        html(title),
        height + 40,
        height + 40
    );
    let _ = writeln!(
        svg,
        "<line x1=\"0\" y1=\"{}\" x2=\"{width}\" y2=\"{}\" class=\"axis\"/>",
        height + 20,
        height + 20
    );
    for (i, (label, lo, hi, count)) in buckets.iter().enumerate() {
        let h = (*count as f64 / top as f64 * height as f64).round();
        let x = i as f64 * slot + slot * 0.1;
        let y = height as f64 + 20.0 - h;
        let _ = writeln!(
            svg,
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" data-count=\"{count}\" data-from=\"{lo}\" data-to=\"{hi}\"><title>{}: {count}</title></rect>",
            slot * 0.8,
            html(label)
        );
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"count\">{count}</text><text x=\"{:.1}\" y=\"{}\" class=\"range\">{}</text>",
            x + slot * 0.4,
            (y - 4.0).max(12.0),
            x + slot * 0.4,
            height + 35,
            html(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn num(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

/// Digits replaced, so "measured 1.3 s" and "measured 2.1 s" count as one kind of message.
fn kind(message: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in message.chars() {
        if c.is_ascii_digit() || (in_number && c == '.') {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

struct Failing {
    kata: String,
    test: String,
    students: usize,
    graded: usize,
    message: String,
    same_message: usize,
}

/// Of one test: students failing it, students graded on it, and its messages by kind (how
/// many, and one example).
type Tally = (usize, usize, BTreeMap<String, (usize, String)>);

/// The tests most students fail, most first, with their most common kind of message.
fn most_failed(students: &[Student]) -> Vec<Failing> {
    let mut by_test: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for r in students.iter().filter_map(|s| s.report.as_ref()) {
        for ex in &r.exercises {
            for t in &ex.tests {
                let entry = by_test.entry((ex.dir.clone(), t.name.clone())).or_default();
                entry.1 += 1;
                if !t.counts_as_pass() {
                    entry.0 += 1;
                    let message = if t.not_implemented {
                        "not written yet (todo!())".to_string()
                    } else {
                        t.message.clone().unwrap_or_else(|| format!("{:?}", t.status).to_lowercase())
                    };
                    let k = entry.2.entry(kind(&message)).or_insert((0, message));
                    k.0 += 1;
                }
            }
        }
    }
    let mut out: Vec<Failing> = by_test
        .into_iter()
        .filter(|(_, (n, _, _))| *n > 0)
        .map(|((kata, test), (n, graded, kinds))| {
            let (same, message) = kinds.into_values().max_by_key(|(c, _)| *c).unwrap_or_default();
            Failing { kata, test, students: n, graded, message, same_message: same }
        })
        .collect();
    out.sort_by(|a, b| b.students.cmp(&a.students).then(a.kata.cmp(&b.kata)).then(a.test.cmp(&b.test)));
    out.truncate(10);
    out
}

fn class_page(students: &[Student]) -> String {
    let totals: Vec<f64> = students.iter().filter_map(|s| num(&s.total)).collect();
    let max = students.iter().filter_map(|s| num(&s.max)).fold(0.0, f64::max);
    let mut p = String::new();
    p.push_str(HEAD);
    let _ = writeln!(
        p,
        "<h1>Class report</h1>\n<p class=\"lead\"><span id=\"count\">{}</span> submissions; total scores out of <span id=\"max\">{max}</span>; mean <span id=\"mean\">{:.1}</span>, median <span id=\"median\">{:.1}</span>.</p>",
        students.len(),
        mean(&totals),
        median(&totals)
    );

    p.push_str("<h2>Scores</h2>\n<div class=\"charts\"><figure>");
    p.push_str(&histogram("total", "total scores", &buckets(&totals, max, 10), 560));
    p.push_str("<figcaption>Total score</figcaption></figure></div>\n<div class=\"charts small\">");
    // The katas this class was graded on: a batch narrowed with --exercise leaves the others empty.
    let all_katas: Vec<String> =
        students.first().map(|s| s.katas.iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default();
    let katas: Vec<String> = all_katas
        .iter()
        .enumerate()
        .filter(|(i, _)| students.iter().any(|s| !s.katas[*i].1.is_empty()))
        .map(|(_, k)| k.clone())
        .collect();
    for kata in &katas {
        let i = all_katas.iter().position(|k| k == kata).expect("a kata column");
        let scores: Vec<f64> = students.iter().filter_map(|s| num(&s.katas[i].1)).collect();
        let kata_max = students
            .iter()
            .filter_map(|s| s.report.as_ref()?.exercises.iter().find(|e| &e.dir == kata).map(|e| e.max_score))
            .max()
            .unwrap_or(0) as f64;
        let _ = write!(
            p,
            "<figure>{}<figcaption>{} (of {kata_max})</figcaption></figure>",
            histogram(&format!("kata-{kata}"), kata, &buckets(&scores, kata_max, 4), 220),
            html(kata)
        );
    }
    p.push_str("</div>\n");

    p.push_str("<h2>Tests most students fail</h2>\n");
    let failing = most_failed(students);
    if failing.is_empty() {
        p.push_str("<p>Every graded test passed for every student.</p>\n");
    } else {
        p.push_str("<table id=\"failing\"><thead><tr><th>kata</th><th>test</th><th>students failing</th><th>most common message</th></tr></thead><tbody>\n");
        for f in &failing {
            let _ = writeln!(
                p,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{} of {}</td><td>{} <span class=\"dim\">({})</span></td></tr>",
                html(&f.kata),
                html(&f.test),
                f.students,
                f.graded,
                html(&markdown_free(&f.message, 200)),
                if f.same_message == 1 {
                    "1 student".to_string()
                } else {
                    format!("{} students", f.same_message)
                }
            );
        }
        p.push_str("</tbody></table>\n");
    }

    p.push_str("<h2>Where grading time went</h2>\n<table id=\"time\"><thead><tr><th>kata</th><th>tests' run time, mean per student</th><th>longest</th></tr></thead><tbody>\n");
    for kata in &katas {
        let per: Vec<f64> = students
            .iter()
            .filter_map(|s| s.report.as_ref()?.exercises.iter().find(|e| &e.dir == kata))
            .map(|e| e.tests.iter().map(|t| t.duration_ms).sum::<u64>() as f64 / 1000.0)
            .collect();
        let _ = writeln!(
            p,
            "<tr><td>{}</td><td class=\"n\">{:.1} s</td><td class=\"n\">{:.1} s</td></tr>",
            html(kata),
            mean(&per),
            per.iter().copied().fold(0.0, f64::max)
        );
    }
    let seconds: f64 = students.iter().filter_map(|s| num(&s.seconds)).sum();
    let _ = writeln!(
        p,
        "</tbody></table>\n<p>Grading the class took <span id=\"seconds\">{seconds:.1}</span> s of machine time in all (summary.csv's seconds).</p>"
    );

    p.push_str("<h2>Deadlines, crashes and errors</h2>\n");
    let mut trouble = String::new();
    for s in students {
        if !s.error.is_empty() {
            let _ = writeln!(
                trouble,
                "<li><b>{}</b>: the grader could not grade it: {}</li>",
                html(&s.name),
                html(&s.error)
            );
        }
        for ex in s.report.iter().flat_map(|r| &r.exercises) {
            for t in ex.tests.iter().filter(|t| matches!(t.status, Status::Timeout | Status::Crash)) {
                let _ = writeln!(
                    trouble,
                    "<li><b>{}</b>: {} <code>{}</code> {}: {}</li>",
                    html(&s.name),
                    html(&ex.dir),
                    html(&t.name),
                    if t.status == Status::Timeout { "hit its deadline" } else { "crashed" },
                    html(&markdown_free(t.message.as_deref().unwrap_or(""), 200))
                );
            }
        }
    }
    if trouble.is_empty() {
        p.push_str("<p>None.</p>\n");
    } else {
        let _ = writeln!(p, "<ul id=\"trouble\">\n{trouble}</ul>");
    }

    p.push_str("<h2>Ignored files</h2>\n<p>Files a submission changed outside each kata's <code>src/</code>: not used for grading.</p>\n");
    let mut ignored = String::new();
    for s in students {
        let Some(r) = &s.report else { continue };
        let mut files: Vec<String> = r.ignored_files.clone();
        for ex in &r.exercises {
            files.extend(ex.ignored_files.iter().map(|f| format!("{}/{f}", ex.dir)));
        }
        if !files.is_empty() {
            let _ = writeln!(ignored, "<li><b>{}</b>: {}</li>", html(&s.name), html(&files.join(", ")));
        }
    }
    if ignored.is_empty() {
        p.push_str("<p>None.</p>\n");
    } else {
        let _ = writeln!(p, "<ul id=\"ignored\">\n{ignored}</ul>");
    }

    p.push_str("<h2>Students</h2>\n<table id=\"students\"><thead><tr><th>submission</th>");
    for kata in &katas {
        let _ = write!(p, "<th>{}</th>", html(&kata[..2]));
    }
    p.push_str("<th>total</th><th>max</th><th>failing tests</th><th>seconds</th></tr></thead><tbody>\n");
    for s in students {
        let name = if s.report.is_some() {
            format!("<a href=\"feedback/{}.html\">{}</a>", attr(&s.name), html(&s.name))
        } else {
            html(&s.name)
        };
        let _ = write!(p, "<tr data-submission=\"{}\"><td>{name}</td>", attr(&s.name));
        for (kata, score) in s.katas.iter().filter(|(k, _)| katas.contains(k)) {
            let _ = write!(p, "<td class=\"n\" data-col=\"{}\">{}</td>", attr(kata), html(score));
        }
        let _ = writeln!(
            p,
            "<td class=\"n\" data-col=\"total\">{}</td><td class=\"n\" data-col=\"max_score\">{}</td><td class=\"n\" data-col=\"failures\">{}</td><td class=\"n\" data-col=\"seconds\">{}</td></tr>",
            html(&s.total),
            html(&s.max),
            html(&s.failures),
            html(&s.seconds)
        );
    }
    p.push_str("</tbody></table>\n</body>\n</html>\n");
    p
}

fn class_markdown(students: &[Student]) -> String {
    let totals: Vec<f64> = students.iter().filter_map(|s| num(&s.total)).collect();
    let max = students.iter().filter_map(|s| num(&s.max)).fold(0.0, f64::max);
    let mut out = format!(
        "# Class report\n\n{} submissions; total out of {max}: mean {:.1}, median {:.1}. The full report is class.html in the class-grades artifact.\n\n| total | students |\n|---|---:|\n",
        students.len(),
        mean(&totals),
        median(&totals)
    );
    for (label, _, _, count) in buckets(&totals, max, 10) {
        let _ = writeln!(out, "| {label} | {count} |");
    }
    let failing = most_failed(students);
    if !failing.is_empty() {
        out.push_str("\n## Tests most students fail\n\n| kata | test | failing | most common message |\n|---|---|---:|---|\n");
        for f in failing {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} of {} | {} |",
                f.kata,
                f.test,
                f.students,
                f.graded,
                markdown::escape(&markdown_free(&f.message, 160))
            );
        }
    }
    out
}

/// One student's feedback as a page of its own.
fn student_page(name: &str, r: &Report) -> String {
    let mut p = String::from(HEAD);
    let _ = writeln!(
        p,
        "<p><a href=\"../class.html\">class report</a></p>\n<h1>{}: {}/{} points</h1>",
        html(name),
        r.score,
        r.max_score
    );
    p.push_str("<table><thead><tr><th>kata</th><th>score</th><th>tests passed</th></tr></thead><tbody>\n");
    for ex in &r.exercises {
        let passed = ex.tests.iter().filter(|t| t.status == Status::Pass).count();
        let _ = writeln!(
            p,
            "<tr class=\"{}\"><td>{} {}</td><td class=\"n\">{}/{}</td><td class=\"n\">{passed}/{}</td></tr>",
            if ex.passed() { "ok" } else { "ko" },
            html(&ex.dir),
            html(&ex.title),
            ex.score,
            ex.max_score,
            ex.tests.len()
        );
    }
    p.push_str("</tbody></table>\n");
    for ex in r.exercises.iter().filter(|e| !e.passed()) {
        let _ = writeln!(p, "<h2>{} {}</h2>", html(&ex.dir), html(&ex.title));
        if let Some(d) = &ex.diagnostics {
            let lines: Vec<&str> = d.lines().take(30).collect();
            let _ = writeln!(p, "<p>It does not compile:</p><pre>{}</pre>", html(&lines.join("\n")));
            continue;
        }
        p.push_str("<ul>\n");
        for t in ex.tests.iter().filter(|t| !t.counts_as_pass()) {
            let what = if t.not_implemented {
                "not written yet (todo!())".to_string()
            } else {
                t.message.clone().unwrap_or_default()
            };
            let _ = write!(p, "<li><code>{}</code>: {}", html(&t.name), html(&what));
            if !t.hint.is_empty() && !t.not_implemented {
                let _ = write!(p, "<br><span class=\"dim\">hint: {}</span>", html(&t.hint));
            }
            p.push_str("</li>\n");
        }
        p.push_str("</ul>\n");
    }
    p.push_str("</body>\n</html>\n");
    p
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>Concurrency katas: class report</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #1d2330; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #d8dce6; }
.lead { color: #4a5163; }
table { border-collapse: collapse; margin: 0.5em 0; }
td:first-child, #failing td:nth-child(2) { white-space: nowrap; }
th, td { padding: 0.25em 0.6em; border-bottom: 1px solid #e3e6ee; text-align: left; vertical-align: top; }
thead th { background: #eef1f8; }
tbody tr:nth-child(even) { background: #f7f8fb; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } figcaption { text-align: center; color: #4a5163; }
.histogram .bar { fill: #3b6fd4; } .histogram .axis { stroke: #8a90a0; }
.histogram text { font: 11px system-ui, sans-serif; text-anchor: middle; fill: #1d2330; }
.histogram .range { fill: #6b7183; font-size: 10px; }
.dim { color: #6b7183; } tr.ko td:first-child { color: #a3242e; } tr.ok td:first-child { color: #1f7a3a; }
pre { background: #f4f5f8; padding: 0.6em; overflow-x: auto; }
</style>
</head>
<body>
"#;

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 }
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Text for HTML element content.
fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Text for an HTML attribute value in double quotes.
fn attr(text: &str) -> String {
    html(text).replace('"', "&quot;")
}

/// One line of at most `max` bytes.
fn markdown_free(text: &str, max: usize) -> String {
    crate::report::classroom::truncate(&text.replace(['\n', '\r'], " "), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_count_every_value_once_with_the_maximum_in_the_last() {
        let b = buckets(&[0.0, 5.0, 9.9, 10.0, 20.0], 20.0, 2);
        assert_eq!(b.iter().map(|b| b.3).collect::<Vec<_>>(), [3, 2]);
        assert_eq!(buckets(&[0.0, 0.0], 0.0, 4).iter().map(|b| b.3).sum::<usize>(), 2);
    }

    #[test]
    fn messages_that_differ_only_in_figures_are_one_kind() {
        assert_eq!(kind("measured 1.3 s, needs 2"), kind("measured 12.05 s, needs 2"));
        assert_ne!(kind("deadlock"), kind("busy loop"));
    }
}
