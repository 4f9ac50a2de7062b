//! What a hidden-suite process tells the grader: its test list and each test's outcome, and
//! how both show a measured number.
//!
//! The grader owns the wire format; both sides use these types so they cannot drift.

use serde::{Deserialize, Serialize};

/// One registered test, as printed by `<suite> --list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestInfo {
    pub name: String,
    pub points: u32,
    /// Per-test deadline in milliseconds; `None` takes the course default.
    pub deadline_ms: Option<u64>,
    /// Timing-sensitive tests run alone, never beside another test.
    pub timing: bool,
    pub hint: String,
}

/// How a test body ended, as seen from inside the test process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyStatus {
    Pass,
    Fail,
    /// The platform cannot do what the test needs.
    Skipped,
    /// The machine was too busy for the test to measure; it may be retried.
    Unmeasured,
}

/// A number a test measured, with the bar it had to clear, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub name: String,
    pub value: f64,
    pub unit: String,
    /// `">= 1.4"` or `"<= 4"`: the bar the value was held to.
    pub bar: Option<String>,
}

/// Written by the harness once the body has returned (or unwound); carries the grader's nonce.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BodyResult {
    pub nonce: String,
    pub test: String,
    pub status: BodyStatus,
    pub message: Option<String>,
    /// A `todo!()` or `unimplemented!()` was reached: the student has not written this yet.
    pub not_implemented: bool,
    pub figures: Vec<Figure>,
}

/// How a failure message starts when the kata's own code panicked; the report then leads with
/// that place rather than with the test's hint.
pub const STUDENT_PANIC: &str = "your code panicked";

/// A measured number as the kit and the grader show it: whole numbers bare, others with one
/// decimal from 10 up and two below.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A number with its unit, the unit in the singular for exactly one ("1 job", "2 jobs",
/// "1 process", "1 timing test"); symbols ("s", "ms", "x", "%") never change.
pub fn quantity(value: f64, unit: &str) -> String {
    let number = format_number(value);
    if unit.is_empty() {
        return number;
    }
    // The last word carries the number: "1 timing test".
    let last = unit.rsplit(' ').next().unwrap_or(unit);
    if number != "1" || last.len() <= 2 || !last.ends_with('s') || !last.chars().all(char::is_alphabetic) {
        return format!("{number} {unit}");
    }
    let one = ["sses", "ches", "shes", "xes"]
        .iter()
        .find(|end| unit.ends_with(*end))
        .map_or(&unit[..unit.len() - 1], |_| &unit[..unit.len() - 2]);
    format!("{number} {one}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(format_number(4.0), "4");
        assert_eq!(format_number(1.4), "1.40");
        assert_eq!(format_number(12.345), "12.3");
    }

    #[test]
    fn units_agree_with_their_number() {
        assert_eq!(quantity(1.0, "jobs"), "1 job");
        assert_eq!(quantity(2.0, "jobs"), "2 jobs");
        assert_eq!(quantity(1.0, "processes"), "1 process");
        assert_eq!(quantity(1.0, "threads"), "1 thread");
        assert_eq!(quantity(1.0, "s"), "1 s");
        assert_eq!(quantity(1.0, "x"), "1 x");
        assert_eq!(quantity(1.5, "jobs"), "1.50 jobs");
        assert_eq!(quantity(0.0, "jobs"), "0 jobs");
        assert_eq!(quantity(3.0, ""), "3");
    }
}
