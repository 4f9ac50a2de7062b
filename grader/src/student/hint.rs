//! `grader hint KATA`: one step of help per call for the failure to fix next, gentlest first:
//! 1. the lesson's idea (the kata README's "The ideas"),
//! 2. the failing test's own hint (or the panic or `todo!()` in the student's code),
//! 3. what the test measured against its bar, and where to look.
//!
//! Which step comes next is kept beside the grader's progress (`NN-name.hint.json`); it starts
//! over when the failure to fix changes, and after `reset`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use console::style;
use serde::{Deserialize, Serialize};

use crate::course::{Course, Exercise};
use crate::model::paths::student_paths;
use crate::model::{ExerciseReport, TestReport};
use crate::report::human::panicked_in_student_code;

/// The README section every kata has, which the first step cites.
pub const IDEAS: &str = "The ideas";

/// How many steps a failure has.
const STEPS: u32 = 3;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Shown {
    /// The failure the steps were for: test name and status.
    failure: String,
    /// Steps shown so far.
    steps: u32,
}

fn state_file(dir: &Path, ex: &Exercise) -> PathBuf {
    dir.join(format!("{}.hint.json", ex.dir()))
}

/// Forgets which hints were shown for a kata (after `reset`).
pub fn forget(dir: &Path, ex: &Exercise) -> Result<()> {
    match std::fs::remove_file(state_file(dir, ex)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// The next step of help for the kata's last result, and remembers that it was shown.
pub fn step(course: &Course, state_dir: &Path, ex: &Exercise, last: &ExerciseReport) -> String {
    let mut out = String::new();
    if !last.compiled {
        let _ = writeln!(out, "{} does not compile yet. Fix the first error the compiler reports:", ex.dir());
        let first: Vec<&str> = last.diagnostics.as_deref().unwrap_or("").lines().take(12).collect();
        let _ = writeln!(out, "{}", student_paths(&first.join("\n")));
        return out;
    }
    let failing: Vec<&TestReport> = last.tests.iter().filter(|t| !t.counts_as_pass()).collect();
    // The failure to fix next: a wrong answer before a test that only reaches a todo!().
    let Some(focus) = failing.iter().find(|t| !t.not_implemented).or(failing.first()).copied() else {
        let _ = writeln!(out, "{} passes every hidden test. Nothing to hint: on to the next kata!", ex.dir());
        return out;
    };
    let file = state_file(state_dir, ex);
    let failure = format!("{} {:?}", focus.name, focus.status);
    let mut shown: Shown =
        std::fs::read_to_string(&file).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
    if shown.failure != failure {
        shown = Shown { failure, steps: 0 };
    }
    let n = (shown.steps + 1).min(STEPS);
    shown.steps = n;
    if let Ok(text) = serde_json::to_string(&shown) {
        let _ = std::fs::create_dir_all(state_dir).and_then(|_| std::fs::write(&file, text));
    }

    let _ = writeln!(
        out,
        "{} · {} of {} hidden tests failing; the one to fix next: {}",
        style(ex.dir()).bold(),
        failing.len(),
        last.tests.len(),
        style(&focus.name).bold()
    );
    let title = ["the idea", "the test's hint", "what it measured, and where to look"][n as usize - 1];
    let _ = writeln!(out, "\n{} {title}", style(format!("Hint {n} of {STEPS}:")).cyan().bold());
    match n {
        1 => idea(&mut out, course, ex),
        2 => test_hint(&mut out, focus),
        _ => measured(&mut out, course, ex, focus),
    }
    let _ = writeln!(
        out,
        "\n{}",
        style(if n < STEPS {
            format!("`cargo run -p grader -- hint {:02}` again for the next step.", ex.number)
        } else {
            "That is every step for this failure; grade again after a change and the hints follow the next one."
                .to_string()
        })
        .dim()
    );
    out
}

/// Step 1: where the lesson explains what the tests look for, and its opening paragraph.
fn idea(out: &mut String, course: &Course, ex: &Exercise) {
    let readme = course.exercise_dir(ex).join("README.md");
    let shown = readme.strip_prefix(&course.root).unwrap_or(&readme).display().to_string();
    let text = std::fs::read_to_string(&readme).unwrap_or_default();
    match section(&text, IDEAS) {
        Some(body) => {
            let _ = writeln!(out, "Read \"{IDEAS}\" in {shown}; it opens with:\n");
            for line in first_paragraph(&body).lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        None => {
            let _ = writeln!(out, "Read {shown}: the lesson says what the hidden tests look for.");
        }
    }
}

/// Step 2: the test's own hint, unless the student's code panicked or reached a `todo!()`:
/// then that is what to fix first.
fn test_hint(out: &mut String, t: &TestReport) {
    let first_line = t.message.as_deref().and_then(|m| m.lines().next()).unwrap_or("");
    if panicked_in_student_code(t) {
        let _ = writeln!(out, "{}", student_paths(first_line));
        let _ = writeln!(out, "Fix that panic first: the test's own hint is about a different mistake.");
    } else if t.not_implemented {
        let _ = writeln!(
            out,
            "{} reaches a todo!(): the function it calls is not written yet. Start there.",
            t.name
        );
    } else if t.hint.is_empty() {
        let _ = writeln!(out, "{}", student_paths(first_line));
    } else {
        let _ = writeln!(out, "{}", t.hint);
    }
}

/// Step 3: the test's message and figures against their bars, and where the test is.
fn measured(out: &mut String, course: &Course, ex: &Exercise, t: &TestReport) {
    let message = student_paths(t.message.as_deref().unwrap_or("failed"));
    for line in message.lines() {
        let _ = writeln!(out, "  {line}");
    }
    if let Some(stall) = &t.stall {
        let _ = writeln!(out, "  {}", stall.summary());
    }
    // The figure a failing check names is in its message already.
    for f in t.figures.iter().filter(|f| !message.contains(&format!("{}: measured", f.name))) {
        let needs = f.bar.as_deref().map(|b| format!(" (needs {b})")).unwrap_or_default();
        let _ = writeln!(out, "  {}: {}{needs}", f.name, protocol::quantity(f.value, &f.unit));
    }
    let suite = format!("grader/suites/{}.rs", ex.dir());
    let line = std::fs::read_to_string(course.root.join(&suite))
        .ok()
        .and_then(|text| text.lines().position(|l| l.contains(&format!("fn {}(", t.name))).map(|i| i + 1));
    let _ = writeln!(
        out,
        "Look in exercises/{}/src/ at what the test calls; the test itself is {suite}{}.",
        ex.dir(),
        line.map(|l| format!(":{l}")).unwrap_or_default()
    );
}

/// The body of the `## title` section of a markdown text (up to the next `## `).
pub fn section(text: &str, title: &str) -> Option<String> {
    let mut lines = text.lines().skip_while(|l| l.trim_end() != format!("## {title}"));
    lines.next()?;
    Some(lines.take_while(|l| !l.starts_with("## ")).collect::<Vec<_>>().join("\n"))
}

/// The first paragraph of prose (not a heading, not code).
fn first_paragraph(body: &str) -> String {
    let paragraph =
        body.split("\n\n").map(str::trim).find(|p| !p.is_empty() && !p.starts_with(['#', '`', '|']));
    paragraph.unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ideas_section_is_found_and_quoted() {
        let text =
            "# 01\n\nintro\n\n## The ideas\n\n### Sub\n\n**Spawn.** one\ntwo\n\nmore\n\n## Your task\n";
        let body = section(text, IDEAS).unwrap();
        assert_eq!(first_paragraph(&body), "**Spawn.** one\ntwo");
        assert!(section(text, "Nope").is_none());
    }
}
