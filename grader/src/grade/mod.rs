//! One grading run, stage by stage: course → stage → build → run → report.

pub mod command;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use protocol::TestInfo;

use crate::build::cache;
use crate::build::{self, BuildOptions};
use crate::course::{Course, Exercise, Flavor};
use crate::model::protections::Protections;
use crate::model::{ExerciseReport, Report, Status, TestReport, Timings, UnmeasuredPolicy};
use crate::plan::{self, Listed, Listing};
use crate::run::cores;
use crate::run::event::Event;
use crate::run::{self, RunOptions};
use crate::stage::{self, Source, StagedExercise};
use crate::supervisor::Limits;

/// What to grade and how.
#[derive(Clone)]
pub struct Request {
    pub selector: Option<String>,
    /// Only the hidden test with this name.
    pub test: Option<String>,
    pub submission: Option<PathBuf>,
    pub target_dir: PathBuf,
    pub jobs: usize,
    pub color: bool,
    pub limits: Limits,
    pub repeat: u32,
    /// What a test the machine was too busy to measure is worth.
    pub unmeasured: UnmeasuredPolicy,
    /// Which staging area to use: runs in different slots may grade at the same time.
    pub slot: usize,
    /// Refuse to grade unless every protection would be in force around the tests.
    pub require_sandbox: bool,
}

/// The katas a request selects; an unknown kata or test name is an error, never an empty pass.
pub fn selected(course: &Course, req: &Request) -> Result<Vec<Exercise>> {
    let selected = course.select(req.selector.as_deref())?;
    course.check_tests(&selected, req.test.as_deref())?;
    Ok(selected)
}

pub fn grade(course: &Course, req: &Request, on_event: &(dyn Fn(Event) + Sync)) -> Result<Report> {
    let start = Instant::now();
    let selected = selected(course, req)?;
    let source = Source::resolve(course, req.submission.as_deref())?;
    let state_dir = state_dir(req);
    std::fs::create_dir_all(&state_dir)?;
    let lock = std::fs::File::create(state_dir.join(".lock"))?;
    lock.lock()?; // one grading run at a time per target directory
    let mut run_opts = run_options(course, req, state_dir.clone());
    // With --require-sandbox the grader refuses before staging anything.
    let early = req.require_sandbox.then(|| probe(&run_opts, true)).transpose()?;
    let staged = stage::stage(course, &source, &state_dir.join("stage"), req.slot)?;
    let stage_ms = start.elapsed().as_millis() as u64;

    let submitted: Vec<Exercise> = selected.iter().filter(|e| staged.submitted(e)).cloned().collect();
    on_event(Event::Building(submitted.len()));
    let (builds, build_ms) = build_all(course, req, &staged, &submitted)?;

    let run_start = Instant::now();
    let (plan, listed) =
        plan::plan(course, req.test.as_deref(), &state_dir.join("listings"), &selected, &builds)?;
    // Every test reports what confined it; with no test to run, a probe says what would have.
    let probed = match early {
        None if plan.is_empty() => Some(probe(&run_opts, false)?),
        early => early,
    };
    run_opts.unreadable = secrets(course, req); // this run's staging area exists now
    on_event(Event::Running(plan.len()));
    let results = run::run(&plan, &run_opts, on_event);
    let exercises = assemble(listed, results, &staged);
    let ignored = staged.ignored.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let timings = Timings {
        total: start.elapsed().as_millis() as u64,
        stage: stage_ms,
        build: build_ms,
        run: run_start.elapsed().as_millis() as u64,
    };
    Ok(Report::new(exercises, ignored, req.unmeasured, timings, probed))
}

/// How this request's tests are run.
fn run_options(course: &Course, req: &Request, state_dir: PathBuf) -> RunOptions {
    RunOptions {
        jobs: req.jobs,
        limits: req.limits.clone(),
        default_deadline: course.default_deadline(),
        state_dir,
        repeat: req.repeat,
        unmeasured: req.unmeasured,
        unreadable: secrets(course, req),
    }
}

/// What a test would be confined by here; with `required`, an error naming every protection
/// that would be missing, and why.
fn probe(opts: &RunOptions, required: bool) -> Result<Protections> {
    let probed = run::probe(opts).context("probing the confinement a test would get")?;
    let missing = probed.missing();
    anyhow::ensure!(
        !required || missing.is_empty(),
        "--require-sandbox: refusing to grade, because a test here would run without {}",
        missing.join("; without ")
    );
    Ok(probed)
}

/// `--require-sandbox` before a batch: refuses once, up front, rather than once per submission.
pub fn require_sandbox(course: &Course, req: &Request) -> Result<()> {
    let state_dir = state_dir(req);
    std::fs::create_dir_all(&state_dir)?;
    probe(&run_options(course, req, state_dir), true).map(drop)
}

/// Where this run stages and keeps results: slot 0 is the usual place; batch mode grades
/// several submissions at once in slots 1...
fn state_dir(req: &Request) -> PathBuf {
    match req.slot {
        0 => req.target_dir.join("grader"),
        n => req.target_dir.join("grader").join(format!("slot-{n}")),
    }
}

/// Folders a test must not read: the instructor's private suites and every staging area,
/// which holds copies of them.
fn secrets(course: &Course, req: &Request) -> Vec<PathBuf> {
    let grader = req.target_dir.join("grader");
    let slots = std::fs::read_dir(&grader).into_iter().flatten().flatten().map(|e| e.path().join("stage"));
    course.private.iter().cloned().chain([grader.join("stage")]).chain(slots.filter(|p| p.is_dir())).collect()
}

/// One build per suite flavor the selected katas have; the build reports and their total time.
fn build_all(
    course: &Course,
    req: &Request,
    staged: &stage::Staged,
    selected: &[Exercise],
) -> Result<(Vec<(Flavor, build::BuildReport)>, u64)> {
    let opts = BuildOptions {
        target_dir: &req.target_dir,
        timeout: Duration::from_secs(course.defaults.build_timeout_secs),
        color: req.color,
    };
    let mut builds = Vec::new();
    let mut build_ms = 0;
    for flavor in [Flavor::Hidden, Flavor::Loom, Flavor::Extra] {
        let with: Vec<Exercise> =
            selected.iter().filter(|e| course.flavors(e).contains(&flavor)).cloned().collect();
        if !with.is_empty() {
            let report = {
                let _shared = cores::share(); // not beside another slot's timing test
                cache::build(course, staged, &with, flavor, &opts, &state_dir(req))?
            };
            build_ms += report.duration.as_millis() as u64;
            builds.push((flavor, report));
        }
    }
    Ok((builds, build_ms))
}

/// Each kata's report: its planned tests take their results in plan order.
fn assemble(listed: Listing, results: Vec<TestReport>, staged: &stage::Staged) -> Vec<ExerciseReport> {
    let mut results = results.into_iter();
    listed
        .into_iter()
        .map(|(ex, tests, diagnostics)| {
            let reports: Vec<TestReport> = tests
                .iter()
                .map(|t| match t {
                    Listed::Planned => results.next().expect("one result per planned test"),
                    Listed::NotRun(info, why) => not_run(info, Status::NotRun, format!("not run: {why}")),
                    Listed::NotSubmitted(info) => not_run(
                        info,
                        Status::NotSubmitted,
                        "not submitted: the submission has no src/ for this kata".to_string(),
                    ),
                })
                .collect();
            let staged = staged.exercises.iter().find(|s| s.exercise.number == ex.number).expect("staged");
            exercise_report(&ex, staged, diagnostics, reports)
        })
        .collect()
}

fn not_run(info: &TestInfo, status: Status, message: String) -> TestReport {
    TestReport {
        name: info.name.clone(),
        status,
        message: Some(message),
        not_implemented: false,
        figures: vec![],
        duration_ms: 0,
        runs: 0,
        passed_runs: 0,
        points: 0,
        max_points: info.points,
        hint: info.hint.clone(),
        timing: info.timing,
        stall: None,
        leaked: vec![],
        stdout: String::new(),
        stderr: String::new(),
        protections: None,
    }
}

fn exercise_report(
    ex: &Exercise,
    staged: &StagedExercise,
    diagnostics: Option<String>,
    tests: Vec<TestReport>,
) -> ExerciseReport {
    let compiled = diagnostics.is_none();
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
        // Only what this platform can never run leaves the maximum, the same for everyone here.
        max_score: tests.iter().map(TestReport::counted_max).sum(),
        tests,
    }
}
