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

/// A measured number a check takes as it is: any integer or float, or a `Duration` in the
/// check's unit (`"s"`, `"ms"` or `"µs"`), so suites need no `as f64`.
pub trait Measure: Copy {
    /// The number shown with `unit`.
    fn in_unit(self, unit: &str) -> f64;
}

macro_rules! numbers_measure {
    ($($t:ty),*) => {$(
        impl Measure for $t {
            fn in_unit(self, _unit: &str) -> f64 {
                self as f64
            }
        }
    )*};
}
numbers_measure!(f64, f32, u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl Measure for std::time::Duration {
    fn in_unit(self, unit: &str) -> f64 {
        match unit {
            "s" => self.as_secs_f64(),
            "ms" => self.as_secs_f64() * 1e3,
            "µs" | "us" => self.as_secs_f64() * 1e6,
            other => panic!("a Duration is shown in s, ms or µs, not in {other:?}"),
        }
    }
}

/// Records a figure with no bar, for the report.
pub fn figure(name: &str, value: impl Measure, unit: &str) {
    record(name, value.in_unit(unit), unit, None);
}

/// Records `value` and fails the test unless it is at least `bar`.
pub fn at_least(name: &str, value: impl Measure, bar: impl Measure, unit: &str) {
    let (value, bar) = (value.in_unit(unit), bar.in_unit(unit));
    record(name, value, unit, Some(format!(">= {}", format_number(bar))));
    if value < bar {
        panic!("{name}: measured {}, needs at least {}", quantity(value, unit), quantity(bar, unit));
    }
}

/// Records `value` and fails the test unless it is at most `bar`.
pub fn at_most(name: &str, value: impl Measure, bar: impl Measure, unit: &str) {
    let (value, bar) = (value.in_unit(unit), bar.in_unit(unit));
    record(name, value, unit, Some(format!("<= {}", format_number(bar))));
    if value > bar {
        panic!("{name}: measured {}, at most {} allowed", quantity(value, unit), quantity(bar, unit));
    }
}

/// Records `value` and fails the test unless it is exactly `want`.
pub fn exactly(name: &str, value: impl Measure, want: impl Measure, unit: &str) {
    let (value, want) = (value.in_unit(unit), want.in_unit(unit));
    record(name, value, unit, Some(format!("= {}", format_number(want))));
    if value != want {
        panic!("{name}: measured {}, needs exactly {}", quantity(value, unit), quantity(want, unit));
    }
}

/// Records `value` and fails the test unless it lies from `low` to `high`, both included.
pub fn between(name: &str, value: impl Measure, low: impl Measure, high: impl Measure, unit: &str) {
    let (value, low, high) = (value.in_unit(unit), low.in_unit(unit), high.in_unit(unit));
    record(name, value, unit, Some(format!("{} to {}", format_number(low), format_number(high))));
    if value < low || value > high {
        panic!(
            "{name}: measured {}, needs {} to {}",
            quantity(value, unit),
            format_number(low),
            quantity(high, unit)
        );
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
    use std::time::Duration;

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
        let err =
            std::panic::catch_unwind(|| exactly("workers", 3usize, 4u32, "workers")).expect_err("3 != 4");
        assert_eq!(
            crate::harness::payload_text(&*err),
            "workers: measured 3 workers, needs exactly 4 workers"
        );
        let err = std::panic::catch_unwind(|| between("took", Duration::from_millis(30), 10, 20, "ms"))
            .expect_err("30 > 20");
        assert_eq!(crate::harness::payload_text(&*err), "took: measured 30 ms, needs 10 to 20 ms");
        between("took", Duration::from_millis(1500), 1, 2, "s");
        let figures = take_figures();
        assert!(figures.iter().any(|f| f.name == "peak in flight" && f.bar.as_deref() == Some("<= 4")));
        assert!(figures.iter().any(|f| f.name == "workers" && f.bar.as_deref() == Some("= 4")));
        assert!(
            figures.iter().any(|f| f.name == "took" && f.value == 1.5 && f.bar.as_deref() == Some("1 to 2"))
        );
    }
}
