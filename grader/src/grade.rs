//! One grading run, stage by stage: course → stage → build → run → report.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use kit::protocol::TestInfo;

use crate::build::{self, BuildOptions, Built};
use crate::course::{Course, Exercise};
use crate::model::{ExerciseReport, Report, Status, TestReport};
use crate::run::{self, Event, Planned, RunOptions};
use crate::stage::{self, Source, StagedExercise};
use crate::suite_scan;
use crate::supervise::Limits;

/// What to grade and how.
pub struct Request {
    pub selector: Option<String>,
    /// Only the hidden test with this name.
    pub test: Option<String>,
    pub submission: Option<PathBuf>,
    pub target_dir: PathBuf,
    pub jobs: usize,
    pub color: bool,
    pub limits: Limits,
}

pub fn grade(course: &Course, req: &Request, on_event: &(dyn Fn(Event) + Sync)) -> Result<Report> {
    let start = Instant::now();
    let selected = course.select(req.selector.as_deref())?;
    let source = Source::resolve(course, req.submission.as_deref())?;
    let state_dir = req.target_dir.join("grader");
    std::fs::create_dir_all(&state_dir)?;
    let lock = std::fs::File::create(state_dir.join(".lock"))?;
    lock.lock()?; // one grading run at a time per target directory
    let staged = stage::stage(course, &source, &state_dir.join("stage"))?;
    let build_opts = BuildOptions {
        target_dir: &req.target_dir,
        timeout: Duration::from_secs(course.defaults.build_timeout_secs),
        color: req.color,
    };
    let built = build::build(&staged, &selected, &build_opts)?;

    let mut plan = Vec::new();
    let mut listed: Vec<(Exercise, Vec<TestInfo>, Option<String>)> = Vec::new();
    for ex in &selected {
        let (tests, diagnostics) = match &built.exercises[&ex.dir()] {
            Built::Ready(suite) => {
                let tests = run::list(suite)?;
                for info in tests.iter().filter(|t| wanted(req, t)) {
                    plan.push(Planned { exercise: ex.dir(), suite: suite.clone(), info: info.clone() });
                }
                (tests, None)
            }
            Built::Failed { diagnostics } => (
                suite_scan::scan(&std::fs::read_to_string(course.suite_file(ex))?),
                Some(diagnostics.clone()),
            ),
        };
        listed.push((ex.clone(), tests.into_iter().filter(|t| wanted(req, t)).collect(), diagnostics));
    }

    let run_opts = RunOptions {
        jobs: req.jobs,
        limits: req.limits.clone(),
        default_deadline: course.default_deadline(),
        state_dir,
    };
    let mut results = run::run(&plan, &run_opts, on_event).into_iter();
    let exercises = listed
        .into_iter()
        .map(|(ex, tests, diagnostics)| {
            let compiled = diagnostics.is_none();
            let reports: Vec<TestReport> = if compiled {
                tests.iter().map(|_| results.next().expect("one result per planned test")).collect()
            } else {
                tests.iter().map(not_run).collect()
            };
            let staged = staged.exercises.iter().find(|s| s.exercise.number == ex.number).expect("staged");
            exercise_report(&ex, staged, compiled, diagnostics, reports)
        })
        .collect();
    Ok(Report::new(exercises, start.elapsed().as_millis() as u64, built.duration.as_millis() as u64))
}

/// Whether the test is selected: all, or those named in the comma-separated filter.
fn wanted(req: &Request, t: &TestInfo) -> bool {
    req.test.as_deref().is_none_or(|names| names.split(',').any(|n| n.trim() == t.name))
}

fn not_run(info: &TestInfo) -> TestReport {
    TestReport {
        name: info.name.clone(),
        status: Status::NotRun,
        message: Some("not run: the exercise does not compile".into()),
        not_implemented: false,
        figures: vec![],
        duration_ms: 0,
        points: 0,
        max_points: info.points,
        hint: info.hint.clone(),
        timing: info.timing,
        stall: None,
        leaked: vec![],
        stdout: String::new(),
        stderr: String::new(),
    }
}

fn exercise_report(
    ex: &Exercise,
    staged: &StagedExercise,
    compiled: bool,
    diagnostics: Option<String>,
    tests: Vec<TestReport>,
) -> ExerciseReport {
    ExerciseReport {
        number: ex.number,
        name: ex.name.clone(),
        dir: ex.dir(),
        title: ex.title.clone(),
        compiled,
        diagnostics,
        ignored_files: staged.ignored.iter().map(|p| p.to_string_lossy().into_owned()).collect(),
        missing_src: !staged.has_src,
        score: tests.iter().map(|t| t.points).sum(),
        max_score: tests.iter().filter(|t| t.status != Status::Skipped).map(|t| t.max_points).sum(),
        tests,
    }
}
