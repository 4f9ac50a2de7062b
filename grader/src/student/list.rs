//! `grader list`: every kata with where the student stands, and the total score.

use std::fmt::Write;
use std::path::Path;

use console::style;

use crate::course::Course;
use crate::student::standing::{self, State};

pub fn render(course: &Course, state_dir: &Path) -> String {
    let mut out = String::new();
    let (mut score, mut max) = (0, 0);
    for ex in &course.exercises {
        let last = standing::load(state_dir, ex);
        let state = standing::state(last.as_ref());
        let label = match &state {
            State::NotStarted => style("not started".to_string()).dim(),
            State::DoesNotCompile => style("does not compile".to_string()).red(),
            State::Failing { passing, total } => {
                style(format!("failing: {passing} of {total} tests pass")).yellow()
            }
            State::Done => style("done".to_string()).green(),
        };
        let mark = if state == State::Done { style("✓").green() } else { style("·").dim() };
        let points = last.as_ref().map(|l| format!("{}/{}", l.score, l.max_score)).unwrap_or_default();
        score += last.as_ref().map_or(0, |l| l.score);
        max += last.as_ref().map_or(0, |l| l.max_score);
        let _ = writeln!(
            out,
            "{mark} {:02} {:<20} {:<32} {points:>7}  {label}",
            ex.number,
            ex.name,
            ex.title.split(':').next().unwrap_or("")
        );
    }
    let _ = writeln!(out, "\nScore {score}/{max} over the katas graded so far.");
    if let Some(dir) = standing::next(course, state_dir, &|_| false).map(|e| e.dir()) {
        let _ = writeln!(out, "Next: {dir}: `cargo run -p grader -- {}`", &dir[..2]);
    }
    out
}
