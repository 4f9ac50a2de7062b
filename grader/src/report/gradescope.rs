//! `--format gradescope`: the `results.json` Gradescope's autograder reads.

use serde::Serialize;
use serde_json::json;

use crate::model::{Report, UnmeasuredPolicy};

/// Who sees a hidden-suite test's result on Gradescope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Visibility {
    Visible,
    AfterPublished,
    AfterDueDate,
    Hidden,
}

pub fn render(report: &Report, visibility: Visibility) -> String {
    let mut tests = Vec::new();
    for ex in &report.exercises {
        for (i, t) in ex.tests.iter().enumerate() {
            let mut output = String::new();
            if let Some(m) = &t.message {
                output.push_str(m);
                output.push('\n');
            }
            if !t.counts_as_pass() && !t.hint.is_empty() {
                output.push_str(&format!("hint: {}\n", t.hint));
            }
            if ex.diagnostics.is_some() && i == 0 {
                output.push_str(ex.diagnostics.as_deref().unwrap_or(""));
            }
            let max = t.counted_max();
            tests.push(json!({
                "name": format!("{} · {}", ex.dir, t.name),
                "number": format!("{}.{}", ex.number, i + 1),
                "score": t.points,
                "max_score": max,
                "status": if t.counts_as_pass() { "passed" } else { "failed" },
                "output": output,
                "visibility": visibility,
            }));
        }
    }
    let unmeasured = match report.unmeasured {
        0 => String::new(),
        n => format!(
            "{} could not be measured on a busy machine; their points are {}. ",
            protocol::quantity(f64::from(n), "timing tests"),
            if report.unmeasured_policy == UnmeasuredPolicy::Award { "awarded" } else { "withheld" }
        ),
    };
    let summary = format!(
        "{unmeasured}Score {}/{}. {}\nSandbox {}.",
        report.score,
        report.max_score,
        report
            .next
            .as_deref()
            .map_or("Every kata passes.".to_string(), |n| format!("First kata to finish: {n}.")),
        report.protections.line()
    );
    let results = json!({
        "score": report.score,
        "max_score": report.max_score,
        "execution_time": report.duration_ms / 1000,
        "output": summary,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": { "protections": report.protections },
    });
    serde_json::to_string_pretty(&results).expect("results serialise")
}
