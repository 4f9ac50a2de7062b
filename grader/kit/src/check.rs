//! Measured figures and the checks that hold them to a bar.
//!
//! A failing check says what was measured against what was needed, so the report can show
//! "peak 7 jobs at once, at most 4 allowed" instead of a bare assertion.

use std::sync::Mutex;

use crate::protocol::Figure;

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
/// "1 process"); symbols ("s", "ms", "x", "%") never change.
pub fn quantity(value: f64, unit: &str) -> String {
    let number = format_number(value);
    if unit.is_empty() {
        return number;
    }
    if number != "1" || unit.len() <= 2 || !unit.ends_with('s') || !unit.chars().all(char::is_alphabetic) {
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
