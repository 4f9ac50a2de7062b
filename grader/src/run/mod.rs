//! Run: every hidden test in its own supervised process. Tests that measure time run alone,
//! after the others, which share the cores (see `cores`, which also covers batch slots).

pub mod cores;
pub mod event;
pub mod schedule;
pub mod verdict;
pub mod workers;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::model::protections::Protections;
use crate::model::{Status, TestReport, UnmeasuredPolicy};
use crate::plan::Planned;
use crate::run::schedule::Durations;
use crate::run::verdict::judge;
use crate::supervisor::proc_service::ProcService;
use crate::supervisor::process_group;
use crate::supervisor::{Exit, Job, Limits, Outcome};
use event::Event;

pub struct RunOptions {
    pub jobs: usize,
    pub limits: Limits,
    pub default_deadline: Duration,
    /// `target/grader`: scratch folders and verdict files go here.
    pub state_dir: PathBuf,
    /// Runs of every test; all must pass.
    pub repeat: u32,
    /// What a test still unmeasured after its retries is worth.
    pub unmeasured: UnmeasuredPolicy,
    /// Folders no test may read.
    pub unreadable: Vec<PathBuf>,
}

/// Runs every planned test; results come back in plan order.
pub fn run(plan: &[Planned], opts: &RunOptions, on_event: &(dyn Fn(Event) + Sync)) -> Vec<TestReport> {
    let slots: Vec<Mutex<Option<TestReport>>> = plan.iter().map(|_| Mutex::new(None)).collect();
    let (timing, shared): (Vec<usize>, Vec<usize>) = (0..plan.len()).partition(|&i| plan[i].info.timing);
    let run_one = |i: usize| {
        let report = if plan[i].info.timing {
            let _alone = cores::alone();
            run_test(&plan[i], opts)
        } else {
            let _shared = cores::share();
            run_test(&plan[i], opts)
        };
        on_event(Event::Finished(&plan[i], &report));
        *slots[i].lock().expect("slot") = Some(report);
    };
    let durations = Durations::load(&opts.state_dir);
    workers::drain(durations.longest_first(plan, shared), opts.jobs, |_, i| run_one(i));
    for i in timing {
        run_one(i);
    }
    let mut reports: Vec<TestReport> =
        slots.into_iter().map(|s| s.into_inner().expect("slot").expect("every test ran")).collect();
    retry_unmeasured(plan, opts, &mut reports);
    durations.store(plan, &reports);
    reports
}

/// Pauses before each retry of the tests a busy machine left unmeasured, which run alone.
const RETRY_PAUSES: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(3)];

/// Wall time the retries may take in all: a busy machine must not make grading endless.
const RETRY_BUDGET: Duration = Duration::from_secs(60);

/// Retries every unmeasured test alone, after the others; what is still unmeasured gets the
/// policy's points and says so. The maximum never changes.
fn retry_unmeasured(plan: &[Planned], opts: &RunOptions, reports: &mut [TestReport]) {
    let started = std::time::Instant::now();
    let mut tries = 0;
    for pause in RETRY_PAUSES {
        let left: Vec<usize> =
            (0..reports.len()).filter(|&i| reports[i].status == Status::Unmeasured).collect();
        if left.is_empty() || started.elapsed() + pause > RETRY_BUDGET {
            break;
        }
        std::thread::sleep(pause);
        tries += 1;
        for i in left {
            if started.elapsed() > RETRY_BUDGET {
                break;
            }
            let _alone = cores::alone();
            let again = run_test(&plan[i], opts);
            reports[i] = again;
        }
    }
    for r in reports.iter_mut().filter(|r| r.status == Status::Unmeasured) {
        let runs = protocol::quantity(f64::from(tries + 1), "runs");
        // A test that measures no time and never reached its end, starved in every run: a
        // spinning implementation looks just like that on a crowded machine, so it is not given
        // points; it fails as the timeout it was.
        if !r.timing && r.stall.is_some() {
            let why = r.message.take().unwrap_or_default();
            r.status = Status::Timeout;
            r.message = Some(format!(
                "timeout: it did not finish, and its threads were kept waiting for a core in {runs} alone ({why}); only a timing test may stay unmeasured"
            ));
            continue;
        }
        let (points, verdict) = match opts.unmeasured {
            UnmeasuredPolicy::Award => (r.max_points, "its points are awarded (--unmeasured award)"),
            UnmeasuredPolicy::Withhold => (0, "its points are withheld (--unmeasured withhold)"),
        };
        r.points = points;
        let why = r.message.take().unwrap_or_default();
        r.message = Some(format!(
            "unmeasured: the machine was too busy to measure this test, in {runs} alone ({why}); {verdict}"
        ));
    }
}

/// Runs a test `repeat` times: the report of its first failing run (or its last run), with
/// the count of passing runs, so a flaky test fails and says how flaky it is.
fn run_test(p: &Planned, opts: &RunOptions) -> TestReport {
    let deadline_ms = p.info.deadline_ms.unwrap_or(opts.default_deadline.as_millis() as u64);
    let runs = opts.repeat.max(1);
    let mut kept: Option<TestReport> = None;
    let mut passed = 0;
    // The report kept is the first failing run's, else the first unmeasured one's.
    let rank = |s: Status| match s {
        Status::Pass | Status::Skipped => 0,
        Status::Unmeasured => 1,
        _ => 2,
    };
    for _ in 0..runs {
        let outcome =
            supervise(p, opts, deadline_ms).unwrap_or_else(|e| Outcome::grader_error(format!("{e:#}")));
        let report = judge(&p.info, outcome, &opts.limits, deadline_ms);
        if rank(report.status) == 0 {
            passed += 1;
        }
        if kept.as_ref().is_none_or(|k| rank(report.status) > rank(k.status)) {
            kept = Some(report);
        }
    }
    let mut report = kept.expect("at least one run");
    report.runs = runs;
    report.passed_runs = passed;
    if runs > 1 && rank(report.status) == 2 {
        report.points = 0;
        let flaky = format!("passed {passed} of {runs} runs");
        report.message = Some(match report.message.take() {
            Some(m) => format!("{flaky}; {m}"),
            None => flaky,
        });
    }
    report
}

/// Hands one test to a supervisor process and reads back its outcome.
fn supervise(p: &Planned, opts: &RunOptions, deadline_ms: u64) -> Result<Outcome> {
    let args = |result: &Path| {
        vec!["--run".into(), p.info.name.clone(), "--result".into(), result.to_string_lossy().into()]
    };
    supervise_program(&p.suite, args, &Path::new(&p.exercise).join(&p.info.name), opts, deadline_ms)
}

/// What a test would be confined by: a supervisor starts this grader (`--version`) as it starts
/// a test, and says what it could put in force. Run before grading, so a run can refuse early.
pub fn probe(opts: &RunOptions) -> Result<Protections> {
    let me = std::env::current_exe().context("finding the grader's own executable")?;
    let outcome = supervise_program(&me, |_| vec!["--version".into()], Path::new("probe"), opts, 30_000)?;
    match (outcome.protections, outcome.exit) {
        (Some(p), Exit::Code { code: 0 }) => Ok(p),
        (_, exit) => bail!("a confined process could not run ({exit:?}): {}", outcome.stderr.text.trim()),
    }
}

/// Runs `program` under a supervisor with its own scratch and verdict folders (`folder` under
/// each); `args` gets the verdict file's path.
fn supervise_program(
    program: &Path,
    args: impl FnOnce(&Path) -> Vec<String>,
    folder: &Path,
    opts: &RunOptions,
    deadline_ms: u64,
) -> Result<Outcome> {
    let scratch = opts.state_dir.join("scratch").join(folder);
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    // A folder per test: the only one besides its scratch folder that the test may write to.
    let verdicts = opts.state_dir.join("verdicts").join(folder);
    std::fs::create_dir_all(&verdicts)?;
    let result_path = verdicts.join("verdict.json");
    let job = Job {
        program: program.to_path_buf(),
        args: args(&result_path),
        cwd: scratch.clone(),
        result_path,
        nonce: nonce(),
        deadline_ms,
        limits: opts.limits.clone(),
        unreadable: opts.unreadable.clone(),
    };
    let mut child = Command::new(own_binary()?)
        .arg("__supervise")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting the supervisor")?;
    child.stdin.take().expect("piped").write_all(serde_json::to_string(&job)?.as_bytes())?;
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let (mut o, mut e) = (String::new(), String::new());
        let _ = out.read_to_string(&mut o);
        let _ = err.read_to_string(&mut e);
        (o, e)
    });
    // The supervisor enforces the deadline; this one only guards against a supervisor bug.
    let limit = Duration::from_millis(deadline_ms) + Duration::from_secs(30);
    process_group::wait_or_kill(&mut child, limit)?;
    let (text, errors) = reader.join().expect("supervisor reader");
    let _ = std::fs::remove_dir_all(&scratch);
    if let Ok(verdicts) = std::fs::canonicalize(&verdicts) {
        let _ = std::fs::remove_dir_all(ProcService::dir(&verdicts)); // left by a read-only supervisor
    }
    serde_json::from_str(&text).with_context(|| format!("the supervisor failed: {}", errors.trim()))
}

/// This grader's own executable, to start supervisors with. On Linux the running image itself,
/// which still works when `cargo build` has replaced the file on disk meanwhile.
fn own_binary() -> Result<PathBuf> {
    if cfg!(target_os = "linux") && Path::new("/proc/self/exe").exists() {
        return Ok(PathBuf::from("/proc/self/exe"));
    }
    Ok(std::env::current_exe()?)
}

/// 128 random bits, hex: the secret a genuine verdict must carry.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS has randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
