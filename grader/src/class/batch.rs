//! `grader batch DIR`: grade every submission folder of a class with one build cache, a few at
//! once, optionally one shard of a CI matrix; a result file per submission and a summary CSV.
//! A submission that breaks the grader is recorded as an error; the batch goes on.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::class::reuse::{Key, Reuse};
use crate::course::Course;
use crate::grade::{self, Request};
use crate::model::protections::{Protection, Protections};
use crate::model::{ExerciseReport, Report, Timings};
use crate::report;
use crate::stage::{self, Source};

/// `I/N`: the I-th of N shards, counting from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let (i, n) = s.split_once('/').ok_or("a shard is I/N, like 2/4")?;
        let (index, count): (usize, usize) =
            (i.parse().map_err(|_| "I must be a number")?, n.parse().map_err(|_| "N must be a number")?);
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {s}: I must be between 1 and N"));
        }
        Ok(Shard { index, count })
    }
}

/// The submission folders of `dir` in this shard, sorted by name so every shard agrees.
pub fn submissions(dir: &Path, shard: Option<Shard>) -> Result<Vec<PathBuf>> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    all.sort();
    Ok(match shard {
        None => all,
        Some(s) => {
            all.into_iter().enumerate().filter(|(i, _)| i % s.count == s.index - 1).map(|(_, p)| p).collect()
        }
    })
}

/// One submission's line of the summary.
struct Row {
    name: String,
    report: Option<Report>,
    error: Option<String>,
    seconds: f64,
    /// Katas whose result was reused from an identical folder graded before.
    reused: usize,
}

/// Grades every submission; `template` carries the limits, `at_once` is how many in parallel.
pub fn run(
    course: &Course,
    template: &Request,
    subs: &[PathBuf],
    at_once: usize,
    out: &Path,
) -> Result<usize> {
    if subs.is_empty() {
        bail!("no submission folders to grade");
    }
    if template.require_sandbox {
        grade::require_sandbox(course, template)?;
    }
    std::fs::create_dir_all(out)?;
    let rows = Mutex::new(Vec::new());
    let at_once = at_once.clamp(1, subs.len());
    let started = Instant::now();
    let reuse = Reuse::default();
    // In name order, as the summary lists them, so an instructor can tell how far it got.
    crate::run::workers::drain(subs, at_once, |slot, sub| {
        let row = grade_one(course, template, sub, slot, out, &reuse);
        let mut rows = rows.lock().expect("rows");
        let outcome = match (&row.report, &row.error) {
            (_, Some(e)) => format!("error: {e}"),
            (Some(r), None) => format!("{}/{}", r.score, r.max_score),
            (None, None) => String::new(),
        };
        let reused = match row.reused {
            0 => String::new(),
            n => format!(", {} as graded before", protocol::quantity(n as f64, "katas")),
        };
        eprintln!(
            "[{}/{}] {} {outcome} ({:.1} s{reused}; {:.0} s so far)",
            rows.len() + 1,
            subs.len(),
            row.name,
            row.seconds,
            started.elapsed().as_secs_f64()
        );
        rows.push(row);
    });
    let mut rows = rows.into_inner().expect("rows");
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    write_summary(course, &rows, &out.join("summary.csv"))?;
    Ok(rows.len())
}

/// Grades one submission, taking the result of each kata folder already graded in this batch
/// as it was (see `reuse`) and grading the others.
fn grade_reusing(course: &Course, req: &Request, reuse: &Reuse) -> Result<(Report, usize)> {
    let selected = course.select(req.selector.as_deref())?;
    let source = Source::resolve(course, req.submission.as_deref())?;
    let keys: Vec<Option<Key>> = selected.iter().map(|ex| Reuse::key(&source.exercises, &ex.dir())).collect();
    let reused: Vec<Option<ExerciseReport>> =
        keys.iter().map(|k| k.as_ref().and_then(|k| reuse.get(k))).collect();
    let to_grade: Vec<String> =
        selected.iter().zip(&reused).filter(|(_, r)| r.is_none()).map(|(ex, _)| ex.dir()).collect();
    let graded = if to_grade.is_empty() {
        let ignored = stage::checkout_ignored(course, &source)?;
        Report::new(
            vec![],
            ignored.iter().map(|p| p.to_string_lossy().into_owned()).collect(),
            req.unmeasured,
            Timings::default(),
            None,
        )
    } else {
        grade::grade(course, &Request { selector: Some(to_grade.join(",")), ..req.clone() }, &|_| {})?
    };
    // What confined this submission's fresh tests; reused katas' tests carry their own.
    let probed = (!to_grade.is_empty()).then(|| graded.protections.clone());
    let mut fresh = graded.exercises.into_iter();
    let mut exercises = Vec::new();
    let count = reused.iter().filter(|r| r.is_some()).count();
    for (key, reused) in keys.into_iter().zip(reused) {
        let report = match reused {
            Some(r) => r,
            None => {
                let r = fresh.next().context("a graded kata is missing from its report")?;
                if let Some(key) = key {
                    reuse.keep(key, &r);
                }
                r
            }
        };
        exercises.push(report);
    }
    let timings = Timings {
        total: graded.duration_ms,
        stage: graded.stage_ms,
        build: graded.build_ms,
        run: graded.run_ms,
    };
    Ok((Report::new(exercises, graded.ignored_files, req.unmeasured, timings, probed), count))
}

fn grade_one(course: &Course, template: &Request, sub: &Path, slot: usize, out: &Path, reuse: &Reuse) -> Row {
    let name = sub.file_name().map_or_else(|| "submission".into(), |n| n.to_string_lossy().into_owned());
    let start = Instant::now();
    let req = Request { submission: Some(sub.to_path_buf()), slot, ..template.clone() };
    let mut reused = 0;
    let result = grade_reusing(course, &req, reuse).and_then(|(report, count)| {
        reused = count;
        std::fs::write(out.join(format!("{name}.json")), report::json::render(&report))?;
        std::fs::write(out.join(format!("{name}.junit.xml")), report::junit::render(&report))?;
        let gradescope = report::gradescope::render(&report, report::gradescope::Visibility::Visible);
        std::fs::write(out.join(format!("{name}.gradescope.json")), gradescope)?;
        Ok(report)
    });
    let seconds = start.elapsed().as_secs_f64();
    match result {
        Ok(report) => Row { name, report: Some(report), error: None, seconds, reused },
        Err(e) => {
            let _ = std::fs::write(out.join(format!("{name}.error.txt")), format!("{e:#}"));
            Row { name, report: None, error: Some(format!("{e:#}")), seconds, reused }
        }
    }
}

fn write_summary(course: &Course, rows: &[Row], path: &Path) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    let mut header = vec!["submission".to_string()];
    header.extend(course.exercises.iter().map(|e| e.dir()));
    header.extend(["total", "max_score", "failures", "unmeasured", "not_submitted"].map(String::from));
    // What confined this submission's tests: `yes`, or `no: why`, per protection.
    header.extend(Protections::unknown().each().map(|(key, _, _)| key.to_string()));
    header.extend(["seconds", "error"].map(String::from));
    w.write_record(&header)?;
    for row in rows {
        let mut record = vec![row.name.clone()];
        for ex in &course.exercises {
            let score = row.report.as_ref().and_then(|r| r.exercises.iter().find(|e| e.dir == ex.dir()));
            record.push(score.map_or(String::new(), |e| e.score.to_string()));
        }
        let [total, max, failures, unmeasured, not_submitted] =
            row.report.as_ref().map_or(Default::default(), |r| {
                let failures =
                    r.exercises.iter().flat_map(|e| &e.tests).filter(|t| !t.counts_as_pass()).count();
                let missing: Vec<&str> =
                    r.exercises.iter().filter(|e| e.missing_src).map(|e| e.dir.as_str()).collect();
                [
                    r.score.to_string(),
                    r.max_score.to_string(),
                    failures.to_string(),
                    r.unmeasured.to_string(),
                    missing.join(" "),
                ]
            });
        record.extend([total, max, failures, unmeasured, not_submitted]);
        let said = |p: &Protection| if p.in_force { "yes".to_string() } else { format!("no: {}", p.detail) };
        match &row.report {
            Some(r) => record.extend(r.protections.each().map(|(_, _, p)| said(p))),
            None => record.extend([""; 5].map(String::from)),
        }
        record.extend([format!("{:.1}", row.seconds), row.error.clone().unwrap_or_default()]);
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_nonsense() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "x/2", "3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
