//! A benchmark's results: rows of figures, printed and written as a markdown table.

use std::fmt::Write;

/// One measured row: what, the figure, the goal it is held to (if any), and a note.
pub struct Row {
    pub what: String,
    pub figure: String,
    pub goal: String,
    pub note: String,
}

impl Row {
    pub fn new(what: impl Into<String>, figure: impl Into<String>) -> Row {
        Row { what: what.into(), figure: figure.into(), goal: String::new(), note: String::new() }
    }
    pub fn goal(mut self, goal: impl Into<String>) -> Row {
        self.goal = goal.into();
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Row {
        self.note = note.into();
        self
    }
}

/// A titled table as markdown.
pub fn markdown(title: &str, intro: &str, rows: &[Row]) -> String {
    let mut out = format!("## {title}\n\n{intro}\n\n| what | measured | goal | note |\n|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(out, "| {} | {} | {} | {} |", r.what, r.figure, r.goal, r.note);
    }
    out
}

/// Median of some samples (sorted in place).
pub fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Seconds, two decimals.
pub fn secs(s: f64) -> String {
    format!("{s:.2} s")
}
