//! Measured figures and the checks that hold them to a bar.
//!
//! A failing check says what was measured against what was needed, so the report can show
//! "peak 7 jobs at once, at most 4 allowed" instead of a bare assertion.

use std::sync::Mutex;

use protocol::{Figure, format_number, quantity};

static FIGURES: Mutex<Vec<Figure>> = Mutex::new(Vec::new());

/// Panic payload of [`skip`] and [`unmeasured`]: the harness reports the test as skipped or
/// unmeasured, not failed.
pub(crate) struct Skip {
    pub reason: String,
    pub unmeasured: bool,
}

pub(crate) fn take_figures() -> Vec<Figure> {
    std::mem::take(&mut *FIGURES.lock().unwrap_or_else(|p| p.into_inner()))
}

fn record(name: &str, value: f64, unit: &str, bar: Option<String>) {
    FIGURES.lock().unwrap_or_else(|p| p.into_inner()).push(Figure {
        name: name.to_string(),
        value,
        unit: unit.to_string(),
        bar,
    });
}

/// Records a figure with no bar, for the report.
pub fn figure(name: &str, value: f64, unit: &str) {
    record(name, value, unit, None);
}

/// Records `value` and fails the test unless it is at least `bar`.
pub fn at_least(name: &str, value: f64, bar: f64, unit: &str) {
    record(name, value, unit, Some(format!(">= {}", format_number(bar))));
    if value < bar {
        panic!("{name}: measured {}, needs at least {}", quantity(value, unit), quantity(bar, unit));
    }
}

/// Records `value` and fails the test unless it is at most `bar`.
pub fn at_most(name: &str, value: f64, bar: f64, unit: &str) {
    record(name, value, unit, Some(format!("<= {}", format_number(bar))));
    if value > bar {
        panic!("{name}: measured {}, at most {} allowed", quantity(value, unit), quantity(bar, unit));
    }
}

/// Ends the test as skipped, with the reason the report shows (for example "needs 2 cores").
/// Only for what this platform can never do: every student on it gets the same skip.
pub fn skip(reason: &str) -> ! {
    std::panic::panic_any(Skip { reason: reason.to_string(), unmeasured: false })
}

/// Ends the test as unmeasured: the platform can measure it, but this run could not (the
/// machine was too busy). The grader retries it alone, and never lets it change a maximum.
pub fn unmeasured(reason: &str) -> ! {
    std::panic::panic_any(Skip { reason: reason.to_string(), unmeasured: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_check_names_value_and_bar() {
        let err = std::panic::catch_unwind(|| at_most("peak in flight", 7.0, 4.0, "jobs"))
            .expect_err("7 > 4 must fail");
        let text = crate::harness::payload_text(&*err);
        assert_eq!(text, "peak in flight: measured 7 jobs, at most 4 jobs allowed");
        let err = std::panic::catch_unwind(|| at_least("jobs at once", 1.0, 2.0, "jobs")).expect_err("1 < 2");
        assert_eq!(
            crate::harness::payload_text(&*err),
            "jobs at once: measured 1 job, needs at least 2 jobs"
        );
        let figures = take_figures();
        assert!(figures.iter().any(|f| f.name == "peak in flight" && f.bar.as_deref() == Some("<= 4")));
    }
}
