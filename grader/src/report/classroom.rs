//! `--format classroom`: the results GitHub Classroom's autograding reporter reads
//! (`classroom-resources/autograding-grading-reporter`). A workflow step passes this JSON,
//! base64-encoded, in a `NAME_RESULTS` variable; the reporter adds up each test's `score`
//! against `max_score` and writes "Points X/Y" on the "Autograding Tests" check run, which is
//! where Classroom reads a student's points. One entry per hidden test, so the points are the
//! grader's own, not pass-or-nothing per command.

use serde_json::json;

use crate::model::Report;

/// Longest message kept per test: the payload travels in an environment variable.
const MAX_MESSAGE: usize = 400;

pub fn render(report: &Report) -> String {
    let mut tests = Vec::new();
    for ex in &report.exercises {
        for t in &ex.tests {
            let passed = t.counts_as_pass();
            let mut message = t.message.clone().unwrap_or_default();
            if !passed && !t.hint.is_empty() {
                message.push_str(&format!(" (hint: {})", t.hint));
            }
            tests.push(json!({
                "name": format!("{} · {}", ex.dir, t.name),
                "status": if passed { "pass" } else { "fail" },
                "score": t.points,
                "max_score": t.counted_max(),
                "message": truncate(&message, MAX_MESSAGE),
                "execution_time": format!("{:.2}s", t.duration_ms as f64 / 1000.0),
            }));
        }
    }
    let results = json!({
        "version": 1,
        "status": if report.passed() { "pass" } else { "fail" },
        "max_score": report.max_score,
        "tests": tests,
    });
    serde_json::to_string(&results).expect("results serialise")
}

/// At most `max` bytes, cut at a character boundary, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
