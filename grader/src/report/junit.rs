//! `--format junit`: one test suite per kata, one case per hidden test, with the failure
//! message and the captured output, for CI systems that read JUnit XML.

use quick_junit::{NonSuccessKind, Property, Report as Junit, TestCase, TestCaseStatus, TestSuite};

use crate::model::protections::Protections;
use crate::model::{Report, Status};

pub fn render(report: &Report) -> String {
    let mut junit = Junit::new("concurrency-katas");
    for ex in &report.exercises {
        let mut suite = TestSuite::new(ex.dir.clone());
        // The grade itself, so a reader of the XML sees the same numbers as every other format.
        suite.add_property(("score", ex.score.to_string().as_str()));
        suite.add_property(("max_score", ex.max_score.to_string().as_str()));
        suite.add_property(("unmeasured_policy", report.unmeasured_policy.label()));
        // The run's protections, the same in every suite: `in force: how` or `not in force: why`.
        for (key, _, p) in report.protections.each() {
            suite.add_property((format!("protection.{key}").as_str(), Protections::stated(p).as_str()));
        }
        if let Some(diag) = &ex.diagnostics {
            suite.set_system_err(diag.clone());
        }
        for t in &ex.tests {
            let status = match t.status {
                Status::Pass => TestCaseStatus::success(),
                Status::Skipped | Status::NotRun | Status::Unmeasured => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(t.message.clone().unwrap_or_default());
                    s
                }
                Status::Fail | Status::Timeout | Status::Crash | Status::NotSubmitted => {
                    let kind = if t.status == Status::Fail {
                        NonSuccessKind::Failure
                    } else {
                        NonSuccessKind::Error
                    };
                    let mut s = TestCaseStatus::non_success(kind);
                    s.set_message(t.message.clone().unwrap_or_default());
                    s.set_type(format!("{:?}", t.status).to_lowercase());
                    if !t.hint.is_empty() {
                        s.set_description(format!("hint: {}", t.hint));
                    }
                    s
                }
            };
            let mut case = TestCase::new(t.name.clone(), status);
            case.properties.extend([
                Property::new("status", t.status.label()),
                Property::new("points", t.points.to_string()),
                Property::new("max_points", t.max_points.to_string()),
            ]);
            case.set_classname(ex.dir.clone());
            case.set_time(std::time::Duration::from_millis(t.duration_ms));
            if !t.stdout.is_empty() {
                case.set_system_out(t.stdout.clone());
            }
            if !t.stderr.is_empty() {
                case.set_system_err(t.stderr.clone());
            }
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit.to_string().expect("JUnit XML serialises")
}
