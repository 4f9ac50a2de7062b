//! The student's progress: the last report of every kata, kept in [`Course::progress_dir`].
//!
//! [`Course::progress_dir`]: crate::course::Course::progress_dir
//! Nothing to set up; `list`, `hint` and the welcome read it back, and it survives restarts.

use std::path::Path;

use anyhow::Result;

use crate::course::{Course, Exercise};
use crate::model::{ExerciseReport, Report, Status};

/// Whether the grader has never stored a result here (a first run).
pub fn is_first_run(dir: &Path) -> bool {
    !dir.is_dir()
}

/// Keeps the last result of every kata in `report`.
pub fn store(dir: &Path, report: &Report) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    for ex in &report.exercises {
        std::fs::write(dir.join(format!("{}.json", ex.dir)), serde_json::to_string(ex)?)?;
    }
    Ok(())
}

/// The last stored result of a kata, if any.
pub fn load(dir: &Path, ex: &Exercise) -> Option<ExerciseReport> {
    let text = std::fs::read_to_string(dir.join(format!("{}.json", ex.dir()))).ok()?;
    serde_json::from_str(&text).ok()
}

/// Forgets a kata's stored result (after `reset`: the stub is back, the old result is stale).
pub fn forget(dir: &Path, ex: &Exercise) -> Result<()> {
    match std::fs::remove_file(dir.join(format!("{}.json", ex.dir()))) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// Where a kata stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    NotStarted,
    DoesNotCompile,
    Failing { passing: usize, total: usize },
    Done,
}

/// The kata to work on next: the first in course order that is not done, skipping `except`.
pub fn next<'c>(course: &'c Course, dir: &Path, except: &dyn Fn(&Exercise) -> bool) -> Option<&'c Exercise> {
    course.exercises.iter().find(|e| !except(e) && state(load(dir, e).as_ref()) != State::Done)
}

pub fn state(last: Option<&ExerciseReport>) -> State {
    let Some(ex) = last else { return State::NotStarted };
    if !ex.compiled {
        return State::DoesNotCompile;
    }
    if ex.tests.iter().all(|t| t.not_implemented || t.status == Status::Skipped) {
        return State::NotStarted;
    }
    if ex.passed() {
        return State::Done;
    }
    let passing = ex.tests.iter().filter(|t| t.counts_as_pass()).count();
    State::Failing { passing, total: ex.tests.len() }
}
