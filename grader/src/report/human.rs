//! The report for people: a line per test, the reason and the measured figure for each
//! failure, a hint, the score and the next thing to do.

use std::fmt::Write;

use console::{Style, style};

use crate::model::paths::student_paths;
use crate::model::{ExerciseReport, Report, Status, TestReport, UnmeasuredPolicy};

/// Compiler output shown for a failed build, in lines; the rest is summarised.
const DIAGNOSTIC_LINES: usize = 60;

pub struct Options {
    /// Show captured output of failing tests.
    pub verbose: bool,
}

pub fn render(report: &Report, opts: &Options) -> String {
    let mut out = String::new();
    unmeasured_notice(&mut out, report);
    for ex in &report.exercises {
        exercise(&mut out, ex, opts);
    }
    summary(&mut out, report);
    out
}

fn exercise(out: &mut String, ex: &ExerciseReport, opts: &Options) {
    let mark = if ex.passed() { style("✓").green().bold() } else { style("✗").red().bold() };
    let _ = writeln!(
        out,
        "{mark} {} {}  {}",
        style(format!("{:02}", ex.number)).bold(),
        style(&ex.name).bold(),
        style(&ex.title).dim()
    );
    if ex.missing_src {
        let _ = writeln!(
            out,
            "    {}",
            style("not submitted: the submission has no src/ for this kata; its tests score 0").red()
        );
    }
    if !ex.ignored_files.is_empty() {
        let _ = writeln!(
            out,
            "    {} {}",
            style("ignored (only src/ is graded):").yellow(),
            ex.ignored_files.join(", ")
        );
    }
    if !ex.compiled {
        let why = ex
            .tests
            .first()
            .and_then(|t| t.message.as_deref())
            .unwrap_or("not run: the kata does not compile");
        let _ = writeln!(out, "    {}", style(format!("{why}; none of its tests ran")).red());
        let diag = student_paths(ex.diagnostics.as_deref().unwrap_or(""));
        let lines: Vec<&str> = diag.lines().collect();
        for line in lines.iter().take(DIAGNOSTIC_LINES) {
            let _ = writeln!(out, "    {line}");
        }
        if lines.len() > DIAGNOSTIC_LINES {
            let _ = writeln!(
                out,
                "    ... {} more lines: run `cargo build -p {}`",
                lines.len() - DIAGNOSTIC_LINES,
                ex.dir
            );
        }
    }
    let todo = ex.tests.iter().filter(|t| t.not_implemented).count();
    if ex.compiled && todo == ex.tests.len() && todo > 0 {
        let _ =
            writeln!(out, "    {}", style(format!("not started: all {todo} tests reach a todo!()")).yellow());
    } else if ex.compiled && !ex.missing_src {
        for t in &ex.tests {
            test(out, t, opts);
        }
    }
    let _ = writeln!(out, "    score {}/{}\n", ex.score, ex.max_score);
}

fn test(out: &mut String, t: &TestReport, opts: &Options) {
    let (mark, colour): (&str, Style) = match t.status {
        Status::Pass => ("✓", Style::new().green()),
        Status::Skipped => ("-", Style::new().yellow()),
        Status::Unmeasured => ("?", Style::new().yellow()),
        Status::Fail if t.not_implemented => ("○", Style::new().yellow()),
        Status::NotRun => ("·", Style::new().dim()),
        _ => ("✗", Style::new().red()),
    };
    let label = match t.status {
        Status::Fail if t.not_implemented => "todo".to_string(),
        s => s.label().to_string(),
    };
    let _ = writeln!(
        out,
        "  {} {:<44} {:>8} {}",
        colour.apply_to(mark),
        t.name,
        style(format!("{:.2} s", t.duration_ms as f64 / 1000.0)).dim(),
        colour.apply_to(label)
    );
    if t.status == Status::Pass {
        figures(out, t);
        return;
    }
    if let Some(msg) = &t.message {
        for line in student_paths(msg).lines() {
            let _ = writeln!(out, "      {line}");
        }
    }
    figures(out, t);
    if !t.leaked.is_empty() {
        let _ = writeln!(out, "      left running (killed by the grader): {}", t.leaked.join(", "));
    }
    // A test's hint is written for the failure the test looks for; when the student's code
    // panicked, the panic is the thing to fix first.
    if panicked_in_student_code(t) {
        let _ = writeln!(
            out,
            "      {} fix that panic first (the place above is in your code); this test's own hint fits only once it is gone",
            style("hint:").cyan().bold()
        );
    } else if !t.hint.is_empty() && !t.counts_as_pass() && !t.not_implemented {
        let _ = writeln!(out, "      {} {}", style("hint:").cyan().bold(), t.hint);
    }
    if opts.verbose {
        for (name, text) in [("stdout", &t.stdout), ("stderr", &t.stderr)] {
            if !text.trim().is_empty() {
                let _ = writeln!(out, "      --- {name} ---");
                for line in student_paths(text).lines() {
                    let _ = writeln!(out, "      {line}");
                }
            }
        }
    }
}

/// The test's measured figures as a small table; figures sharing a unit get bars to compare.
/// A failing check's message already states its figure against the bar; the table shows the
/// others.
fn figures(out: &mut String, t: &TestReport) {
    let message = t.message.as_deref().unwrap_or("");
    let shown: Vec<_> =
        t.figures.iter().filter(|f| !message.contains(&format!("{}: measured", f.name))).collect();
    let width = shown.iter().map(|f| f.name.chars().count()).max().unwrap_or(0);
    for f in shown {
        let same_unit: Vec<f64> = t.figures.iter().filter(|g| g.unit == f.unit).map(|g| g.value).collect();
        let top = same_unit.iter().cloned().fold(0.0_f64, f64::max);
        let bar = if same_unit.len() > 1 && top > 0.0 && !f.unit.is_empty() {
            format!("{} ", "█".repeat(((f.value / top) * 24.0).round().max(1.0) as usize))
        } else {
            String::new()
        };
        let needs = f.bar.as_deref().map(|b| format!("  (needs {b})")).unwrap_or_default();
        let _ = writeln!(
            out,
            "      {:<width$}  {}{}{}",
            f.name,
            style(bar).cyan(),
            protocol::quantity(f.value, &f.unit),
            style(needs).dim()
        );
    }
}

/// First of all: tests a busy machine left unmeasured, and what they were given.
fn unmeasured_notice(out: &mut String, report: &Report) {
    if report.unmeasured == 0 {
        return;
    }
    let given = match report.unmeasured_policy {
        UnmeasuredPolicy::Award => "their points are awarded",
        UnmeasuredPolicy::Withhold => "their points are withheld (--unmeasured withhold)",
    };
    let _ = writeln!(
        out,
        "{}\n",
        style(format!(
            "! {} could not be measured: the machine was too busy, even retried alone; {given}. Grade again on a quieter machine to measure them.",
            protocol::quantity(f64::from(report.unmeasured), "timing tests")
        ))
        .yellow()
        .bold()
    );
}

/// Whether the failure is a panic in the kata's own code (the kit says so first).
pub fn panicked_in_student_code(t: &TestReport) -> bool {
    t.message.as_deref().is_some_and(|m| m.starts_with(protocol::STUDENT_PANIC))
}

fn summary(out: &mut String, report: &Report) {
    if !report.ignored_files.is_empty() {
        let _ = writeln!(
            out,
            "{} {}",
            style("Ignored (the grader uses its own):").yellow(),
            report.ignored_files.join(", ")
        );
    }
    let _ = writeln!(out, "{}", style(format!("Sandbox {}", report.protections.line())).dim());
    let skipped =
        report.exercises.iter().flat_map(|e| &e.tests).filter(|t| t.status == Status::Skipped).count();
    let _ = write!(out, "{} {}/{}", style("Score").bold(), report.score, report.max_score);
    if skipped > 0 {
        let _ = write!(
            out,
            " ({} skipped on this machine, left out of the maximum)",
            protocol::quantity(skipped as f64, "tests")
        );
    }
    let _ = writeln!(out);
    match &report.next {
        Some(dir) => {
            let _ = writeln!(
                out,
                "{} {dir}: read exercises/{dir}/README.md, fill in exercises/{dir}/src/, then `cargo run -p grader -- {}`",
                style("Next:").bold(),
                dir.split('-').next().unwrap_or(dir)
            );
        }
        None => {
            let _ = writeln!(out, "{}", style("Everything selected passes.").green().bold());
        }
    }
}
