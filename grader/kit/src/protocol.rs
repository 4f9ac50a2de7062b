//! What a hidden-suite process tells the grader: its test list and each test's outcome.
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
