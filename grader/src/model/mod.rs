//! The report's data: what the run stage produces and every reporter reads.
//! Serialised as the `--format json` schema (docs/report-schema.md); bump
//! [`SCHEMA_VERSION`] on any change that is not a pure addition.

pub mod paths;
pub mod protections;
pub mod stall;

use protocol::Figure;
use serde::{Deserialize, Serialize};

use protections::Protections;
use stall::Stall;

pub const SCHEMA_VERSION: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    /// Stopped at its deadline.
    Timeout,
    /// The test process died: a signal, out of memory, too many processes.
    Crash,
    /// Not run because the exercise did not compile.
    NotRun,
    /// Not run because the submission has no `src/` for this kata: 0 points.
    NotSubmitted,
    /// Cannot run here (one core, not Linux): the same for every student on this platform.
    Skipped,
    /// A timing test the machine was too busy to measure, even when retried alone. Its points
    /// stay in the maximum; `--unmeasured` decides whether they are awarded.
    Unmeasured,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestReport {
    pub name: String,
    pub status: Status,
    /// One paragraph for the student: what went wrong, with the measured figure and the bar.
    pub message: Option<String>,
    /// A `todo!()` was reached: not written yet, rather than wrong.
    pub not_implemented: bool,
    pub figures: Vec<Figure>,
    pub duration_ms: u64,
    /// How often it ran (`--repeat`) and how many of those runs passed.
    pub runs: u32,
    pub passed_runs: u32,
    pub points: u32,
    pub max_points: u32,
    pub hint: String,
    pub timing: bool,
    /// What the deadline inspection saw, for a timeout.
    pub stall: Option<Stall>,
    /// Processes the test left running (killed by the grader).
    pub leaked: Vec<String>,
    pub stdout: String,
    pub stderr: String,
    /// What confined this test; the report states it once, for the run.
    #[serde(skip)]
    pub protections: Option<Protections>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExerciseReport {
    pub number: u32,
    pub name: String,
    /// The folder name, `01-threads`.
    pub dir: String,
    pub title: String,
    pub compiled: bool,
    /// Compiler output when it did not compile.
    pub diagnostics: Option<String>,
    /// Files of the submission outside `src/` that were not used.
    pub ignored_files: Vec<String>,
    /// The submission has no `src/` here: nothing was built, every test is `not-submitted`.
    pub missing_src: bool,
    pub tests: Vec<TestReport>,
    pub score: u32,
    /// Points of the tests that could run here.
    pub max_score: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub exercises: Vec<ExerciseReport>,
    pub score: u32,
    pub max_score: u32,
    /// Files of a submitted checkout outside the katas' folders that were not used.
    pub ignored_files: Vec<String>,
    /// The first exercise, in course order, that is not fully passing.
    pub next: Option<String>,
    /// Tests the machine was too busy to measure, even retried alone, and what they got.
    pub unmeasured: u32,
    pub unmeasured_policy: UnmeasuredPolicy,
    /// Wall time of the whole run, and of its stages.
    pub duration_ms: u64,
    pub stage_ms: u64,
    pub build_ms: u64,
    /// Listing the suites and running the tests.
    pub run_ms: u64,
    /// What confined the tests: a protection is in force only if it was around every test.
    pub protections: Protections,
}

/// What an unmeasured test is worth: the instructor's choice (`--unmeasured`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum UnmeasuredPolicy {
    /// Its points are given: a student is not punished for a busy machine.
    #[default]
    Award,
    /// Its points are held back, for the instructor to regrade.
    Withhold,
}

impl UnmeasuredPolicy {
    pub fn label(self) -> &'static str {
        match self {
            UnmeasuredPolicy::Award => "award",
            UnmeasuredPolicy::Withhold => "withhold",
        }
    }
}

/// Where a grading run's time went, in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub total: u64,
    pub stage: u64,
    pub build: u64,
    pub run: u64,
}

impl ExerciseReport {
    pub fn passed(&self) -> bool {
        self.compiled && self.tests.iter().all(TestReport::counts_as_pass)
    }
}

impl Status {
    /// The status as the JSON report spells it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Timeout => "timeout",
            Status::Crash => "crash",
            Status::NotRun => "not-run",
            Status::NotSubmitted => "not-submitted",
            Status::Skipped => "skipped",
            Status::Unmeasured => "unmeasured",
        }
    }
}

impl TestReport {
    /// Passed, skipped on this platform, or unmeasured with its points awarded.
    pub fn counts_as_pass(&self) -> bool {
        match self.status {
            Status::Pass | Status::Skipped => true,
            Status::Unmeasured => self.points == self.max_points,
            _ => false,
        }
    }

    /// The points this test adds to the maximum: all of them, but for what this platform can
    /// never run, which leaves the maximum the same for everyone here.
    pub fn counted_max(&self) -> u32 {
        if self.status == Status::Skipped { 0 } else { self.max_points }
    }
}

impl Report {
    pub fn new(
        exercises: Vec<ExerciseReport>,
        ignored_files: Vec<String>,
        unmeasured_policy: UnmeasuredPolicy,
        t: Timings,
        probed: Option<Protections>,
    ) -> Report {
        let next = exercises.iter().find(|e| !e.passed()).map(|e| e.dir.clone());
        let unmeasured =
            exercises.iter().flat_map(|e| &e.tests).filter(|t| t.status == Status::Unmeasured).count();
        let each = exercises.iter().flat_map(|e| &e.tests).filter_map(|t| t.protections.as_ref());
        let protections =
            Protections::weakest(probed.iter().chain(each)).unwrap_or_else(Protections::unknown);
        Report {
            unmeasured: unmeasured as u32,
            unmeasured_policy,
            schema_version: SCHEMA_VERSION,
            score: exercises.iter().map(|e| e.score).sum(),
            max_score: exercises.iter().map(|e| e.max_score).sum(),
            exercises,
            ignored_files,
            next,
            duration_ms: t.total,
            stage_ms: t.stage,
            build_ms: t.build,
            run_ms: t.run,
            protections,
        }
    }

    pub fn passed(&self) -> bool {
        self.exercises.iter().all(ExerciseReport::passed)
    }
}
