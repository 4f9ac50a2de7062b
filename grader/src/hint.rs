//! `grader hint KATA`: what to try next for each failing test, gentlest first: the lesson,
//! then the test's own hint, then the figure it measured.

use std::fmt::Write;

use console::style;

use crate::course::{Course, Exercise};
use crate::model::ExerciseReport;

pub fn render(course: &Course, ex: &Exercise, last: &ExerciseReport) -> String {
    let mut out = String::new();
    let readme = course.exercise_dir(ex).join("README.md");
    let readme = readme.strip_prefix(&course.root).unwrap_or(&readme).display().to_string();
    if !last.compiled {
        let _ = writeln!(out, "{} does not compile yet. Fix the first error the compiler reports:", ex.dir());
        let first: Vec<&str> = last.diagnostics.as_deref().unwrap_or("").lines().take(12).collect();
        let _ = writeln!(out, "{}", first.join("\n"));
        return out;
    }
    let failing: Vec<_> = last.tests.iter().filter(|t| !t.counts_as_pass()).collect();
    if failing.is_empty() {
        let _ = writeln!(out, "{} passes every hidden test. Nothing to hint: on to the next kata!", ex.dir());
        return out;
    }
    let _ = writeln!(
        out,
        "{} · {} of {} hidden tests failing",
        style(ex.dir()).bold(),
        failing.len(),
        last.tests.len()
    );
    let _ = writeln!(
        out,
        "\n{} Read {readme}: \"The ideas\" teaches what these tests look for.",
        style("1.").cyan().bold()
    );
    let todo = failing.iter().filter(|t| t.not_implemented).count();
    if todo > 0 {
        let _ =
            writeln!(out, "   {todo} of them reach a todo!(): start with the function the first one names.");
    }
    let _ = writeln!(out, "\n{} Test by test:", style("2.").cyan().bold());
    for t in &failing {
        let _ = writeln!(out, "   {} {}", style("•").yellow(), style(&t.name).bold());
        if !t.hint.is_empty() {
            let _ = writeln!(out, "     {}", t.hint);
        }
    }
    let _ = writeln!(out, "\n{} What the tests measured:", style("3.").cyan().bold());
    for t in &failing {
        let first_line = t.message.as_deref().and_then(|m| m.lines().next()).unwrap_or("failed");
        let _ = writeln!(out, "   {}: {first_line}", t.name);
    }
    out
}
