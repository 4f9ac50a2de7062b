//! `--format markdown`: one submission's feedback as Markdown, for a CI job summary
//! (`$GITHUB_STEP_SUMMARY`), a course forum or a mail: the score, a table of katas, then each
//! test that did not pass with what it measured and a hint. Text from the submission (messages,
//! compiler output) is escaped so it cannot inject HTML into the page that shows it.

use std::fmt::Write;

use crate::model::{ExerciseReport, Report, Status, TestReport};

/// Compiler output kept per kata that did not compile, in lines.
const DIAGNOSTIC_LINES: usize = 30;

pub fn render(report: &Report) -> String {
    render_titled(report, "Concurrency katas")
}

/// The page with its own first heading (a student's name, in a class report).
pub fn render_titled(report: &Report, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}: {}/{} points\n", escape(title), report.score, report.max_score);
    let passing = report.exercises.iter().filter(|e| e.passed()).count();
    let _ = writeln!(out, "{passing} of {} katas pass every hidden test.", report.exercises.len());
    if let Some(next) = &report.next {
        let _ = writeln!(out, "Next: read `exercises/{next}/README.md` and fill in its `src/`.");
    }
    out.push('\n');
    let _ = writeln!(out, "| kata | score | tests passed | |\n|---|---:|---:|---|");
    for ex in &report.exercises {
        let passed = ex.tests.iter().filter(|t| t.status == Status::Pass).count();
        let _ = writeln!(
            out,
            "| {} {} | {}/{} | {}/{} | {} |",
            ex.dir,
            escape(&ex.title),
            ex.score,
            ex.max_score,
            passed,
            ex.tests.len(),
            if ex.passed() { "✅" } else { "❌" }
        );
    }
    if !report.ignored_files.is_empty() {
        let _ = writeln!(
            out,
            "\nNot used (only each kata's `src/` is graded): {}",
            report.ignored_files.iter().map(|f| format!("`{}`", code(f))).collect::<Vec<_>>().join(", ")
        );
    }
    for ex in report.exercises.iter().filter(|e| !e.passed()) {
        exercise(&mut out, ex);
    }
    out
}

fn exercise(out: &mut String, ex: &ExerciseReport) {
    let _ = writeln!(out, "\n## {} {}: {}/{}\n", ex.dir, escape(&ex.title), ex.score, ex.max_score);
    if !ex.ignored_files.is_empty() {
        let files: Vec<String> = ex.ignored_files.iter().map(|f| format!("`{}`", code(f))).collect();
        let _ = writeln!(out, "Not used (only `src/` is graded): {}\n", files.join(", "));
    }
    if let Some(diag) = &ex.diagnostics {
        let lines: Vec<&str> = diag.lines().take(DIAGNOSTIC_LINES).collect();
        let _ = writeln!(
            out,
            "It does not compile:\n\n```text\n{}\n```\n",
            lines.join("\n").replace("```", "'''")
        );
        return;
    }
    for t in ex.tests.iter().filter(|t| !t.counts_as_pass()) {
        test(out, t);
    }
}

fn test(out: &mut String, t: &TestReport) {
    let status = serde_json::to_value(t.status).ok().and_then(|v| v.as_str().map(String::from));
    let _ = write!(out, "- **{}** ({}, {}/{})", t.name, status.unwrap_or_default(), t.points, t.max_points);
    if t.not_implemented {
        out.push_str(": not written yet (`todo!()`)");
    } else if let Some(m) = &t.message {
        let _ = write!(out, ": {}", escape(m).replace('\n', " "));
    }
    out.push('\n');
    if !t.hint.is_empty() && !t.not_implemented {
        let _ = writeln!(out, "  - hint: {}", escape(&t.hint));
    }
}

/// Text safe inside Markdown that GitHub renders: no HTML, no table breaks.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('|', "\\|")
}

/// Text safe inside an inline code span.
fn code(text: &str) -> String {
    text.replace('`', "'")
}
