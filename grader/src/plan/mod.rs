//! Plan: which tests each selected kata has, asked of its built suite (cached while the suite
//! binary is unchanged) or read from the suite's source when nothing was built, and which of
//! them run.

pub mod suite_scan;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use protocol::TestInfo;

use crate::build::{BuildReport, Built};
use crate::course::{Course, Exercise, Flavor};
use crate::supervisor::capture::read_capped;
use crate::supervisor::process_group;

/// One test to run: which exercise, which suite binary, and its registration.
#[derive(Debug, Clone)]
pub struct Planned {
    pub exercise: String,
    pub suite: PathBuf,
    pub info: TestInfo,
}

/// The tests of each kata, in report order.
pub type Listing = Vec<(Exercise, Vec<Listed>, Option<String>)>;

/// Each selected test is planned (its suite built and listed it) or reported not run (it did
/// not, or the kata was not submitted), with the diagnostics that say why.
pub fn plan(
    course: &Course,
    test: Option<&str>,
    listings: &Path,
    selected: &[Exercise],
    builds: &[(Flavor, BuildReport)],
) -> Result<(Vec<Planned>, Listing)> {
    let mut plan = Vec::new();
    let mut listed = Vec::new();
    for ex in selected {
        let mut tests = Vec::new();
        let mut diagnostics: Option<String> = None;
        let flavors = course.flavors(ex);
        let built = builds.iter().filter(|(f, r)| flavors.contains(f) && r.exercises.contains_key(&ex.dir()));
        if built.clone().next().is_none() {
            // Not submitted: nothing was built, and every test scores 0 as such.
            for flavor in flavors {
                tests.extend(scan_suite(course, ex, flavor, test)?.map(Listed::NotSubmitted));
            }
            listed.push((ex.clone(), tests, None));
            continue;
        }
        for (flavor, report) in built {
            // A suite that cannot even list its tests (its main runs the kata's code first, as
            // 07's worker guard does) fails its kata alone, like a build failure.
            let listing = match &report.exercises[&ex.dir()] {
                Built::Ready(suite) => {
                    list_cached(suite, listings).map(|tests| (suite, tests)).map_err(|e| {
                        (
                            "its hidden suite could not start",
                            format!("the hidden suite could not list its tests: {e:#}"),
                        )
                    })
                }
                Built::Failed { diagnostics } => Err(("the kata does not compile", diagnostics.clone())),
            };
            match listing {
                Ok((suite, infos)) => {
                    for info in infos.into_iter().filter(|t| wanted(test, t)) {
                        plan.push(Planned { exercise: ex.dir(), suite: suite.clone(), info });
                        tests.push(Listed::Planned);
                    }
                }
                Err((why, text)) => {
                    tests.extend(scan_suite(course, ex, *flavor, test)?.map(|t| Listed::NotRun(t, why)));
                    diagnostics.get_or_insert_default().push_str(&text);
                }
            }
        }
        listed.push((ex.clone(), tests, diagnostics));
    }
    Ok((plan, listed))
}

/// The selected tests of a suite, read from its source (for a kata with no built suite).
fn scan_suite(
    course: &Course,
    ex: &Exercise,
    flavor: Flavor,
    test: Option<&str>,
) -> Result<impl Iterator<Item = TestInfo>> {
    let source = std::fs::read_to_string(course.suite_file(ex, flavor))?;
    let tests: Vec<TestInfo> = suite_scan::scan(&source).into_iter().filter(|t| wanted(test, t)).collect();
    Ok(tests.into_iter())
}

/// A test of the report: run in plan order, not run because its suite did not build, or not
/// submitted.
pub enum Listed {
    Planned,
    NotRun(TestInfo, &'static str),
    NotSubmitted(TestInfo),
}

/// Whether the test is selected: all, or those named in the comma-separated filter.
fn wanted(test: Option<&str>, t: &TestInfo) -> bool {
    test.is_none_or(|names| names.split(',').any(|n| n.trim() == t.name))
}

/// Asks a suite binary for its registered tests. A suite's `main` may run the kata's code
/// first (07's worker guard), so this child is isolated and bounded like a test.
pub fn list(suite: &Path) -> Result<Vec<TestInfo>> {
    let mut cmd = Command::new(suite);
    cmd.arg("--list").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    process_group::isolate(&mut cmd);
    let mut child = cmd.spawn().with_context(|| format!("starting {}", suite.display()))?;
    let (out, err) = (child.stdout.take().expect("piped"), child.stderr.take().expect("piped"));
    let out = std::thread::spawn(move || read_capped(out, 1 << 20, 16 << 20));
    let err = std::thread::spawn(move || read_capped(err, 4 << 10, 16 << 20));
    let finished = process_group::wait_or_kill(&mut child, Duration::from_secs(30))?.is_some();
    let (text, errors) = (out.join().expect("list reader").text, err.join().expect("list reader").text);
    if !finished {
        bail!("{} did not list its tests within 30 s", suite.display());
    }
    serde_json::from_str(&text)
        .with_context(|| format!("reading the test list of {}; it said: {}", suite.display(), errors.trim()))
}

/// [`list`], remembered in `cache_dir` while the suite binary stays the same file: a re-grade
/// that rebuilt nothing starts no process to learn what it already knows.
pub fn list_cached(suite: &Path, cache_dir: &Path) -> Result<Vec<TestInfo>> {
    let stamp = crate::build::cache::stamp(suite).context("the suite binary is gone")?;
    let name: String =
        suite.to_string_lossy().chars().map(|c| if c.is_alphanumeric() { c } else { '_' }).collect();
    let file = cache_dir.join(format!("{name}.json"));
    if let Some((seen, tests)) =
        std::fs::read(&file).ok().and_then(|b| serde_json::from_slice::<(String, Vec<TestInfo>)>(&b).ok())
        && seen == stamp
    {
        return Ok(tests);
    }
    let tests = list(suite)?;
    std::fs::create_dir_all(cache_dir)?;
    std::fs::write(&file, serde_json::to_vec(&(stamp, &tests))?)?;
    Ok(tests)
}
