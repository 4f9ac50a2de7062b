//! The grader's commands: each turns the options into a course and a request, runs the
//! pipeline, and hands the report to a reporter.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use console::style;

use crate::class::batch::{self, Shard};
use crate::class::integrations;
use crate::cli::{Options, TemplateKind};
use crate::course::{Course, Exercise, checkout_root};
use crate::grade::{self, Request};
use crate::model::Report;
use crate::report::live::Progress;
use crate::report::{self, Format};
use crate::student::{hint, list, reset, standing, watch};
use crate::supervisor::Limits;

/// The course, with the command line's overrides of its defaults.
fn course(opts: &Options) -> Result<Course> {
    let mut course = Course::load(&checkout_root())?;
    if let Some(secs) = opts.deadline {
        course.defaults.deadline_secs = secs;
    }
    if let Some(secs) = opts.build_timeout {
        course.defaults.build_timeout_secs = secs;
    }
    if let Some(dir) = &opts.private_suites {
        anyhow::ensure!(dir.is_dir(), "--private-suites {}: no such folder", dir.display());
        course.private = Some(std::path::absolute(dir)?);
    }
    Ok(course)
}

/// `--target-dir`, then GRADER_TARGET_DIR, then CARGO_TARGET_DIR, then the checkout's target/;
/// made absolute, since tests run in scratch folders elsewhere.
fn target_dir(opts: &Options, course: &Course) -> PathBuf {
    let dir: PathBuf = opts
        .target_dir
        .clone()
        .or_else(|| std::env::var_os("GRADER_TARGET_DIR").map(Into::into))
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(Into::into))
        .unwrap_or_else(|| course.root.join("target"));
    std::path::absolute(&dir).unwrap_or(dir)
}

fn request(opts: &Options, course: &Course, selector: Option<String>, test: Option<String>) -> Request {
    Request {
        selector,
        test,
        submission: opts.submission.clone(),
        target_dir: target_dir(opts, course),
        jobs: crate::run::cores::capacity(),
        color: opts.format == Format::Human && console::colors_enabled(),
        limits: Limits {
            memory_bytes: opts.memory_mib << 20,
            processes: opts.max_processes,
            tasks: opts.max_tasks,
            ..Default::default()
        },
        repeat: opts.repeat,
        unmeasured: opts.unmeasured,
        slot: 0,
        require_sandbox: opts.require_sandbox,
    }
}

/// Grades, stores the student's progress (not for `--submission`), returns the report.
fn run(opts: &Options, course: &Course, req: &Request) -> Result<Report> {
    let interactive = opts.format == Format::Human && std::io::stderr().is_terminal();
    let bar = Progress::new();
    let report = grade::grade(course, req, &|e| {
        if interactive {
            bar.on_event(e)
        }
    });
    bar.clear();
    let report = report?;
    if opts.submission.is_none() {
        standing::store(&course.progress_dir(), &report)?;
    }
    Ok(report)
}

fn render(opts: &Options, report: &Report) -> String {
    render_as(opts, opts.format, report)
}

fn render_as(opts: &Options, format: Format, report: &Report) -> String {
    match format {
        Format::Human => report::human::render(report, &report::human::Options { verbose: opts.verbose }),
        Format::Json => report::json::render(report),
        Format::Junit => report::junit::render(report),
        Format::Gradescope => report::gradescope::render(report, opts.gradescope_visibility),
        Format::Markdown => report::markdown::render(report),
        Format::Classroom => report::classroom::render(report),
    }
}

/// `--write FORMAT=PATH`: the same report in more formats, for a CI step that needs several.
fn write_extra(opts: &Options, report: &Report) -> Result<()> {
    for w in &opts.write {
        let text = render_as(opts, w.format, report);
        std::fs::write(&w.path, text).with_context(|| format!("writing {}", w.path.display()))?;
    }
    Ok(())
}

/// `grader [KATA] [TEST]`: grade and report; exit 0 only when everything selected passes.
pub fn grade(opts: &Options, exercise: Option<String>, test: Option<String>) -> Result<ExitCode> {
    let course = course(opts)?;
    let req = request(opts, &course, exercise, test);
    grade::selected(&course, &req)?;
    let first_run = opts.submission.is_none() && standing::is_first_run(&course.progress_dir());
    if first_run && opts.format == Format::Human {
        println!("{}", welcome(&course));
    }
    let report = run(opts, &course, &req)?;
    print!("{}", local_edits_warning(opts, &course, &report));
    println!("{}", render(opts, &report));
    print!("{}", next_after_pass(opts, &course, &report));
    write_extra(opts, &report)?;
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// For a student grading their own checkout (human report): the files outside a graded kata's
/// `src/` they changed, which this run used but an instructor's grading will not.
fn local_edits_warning(opts: &Options, course: &Course, report: &Report) -> String {
    if opts.submission.is_some() || opts.format != Format::Human {
        return String::new();
    }
    let mut out = String::new();
    for ex in course.exercises.iter().filter(|e| report.exercises.iter().any(|r| r.dir == e.dir())) {
        let files = reset::edited_outside_src(course, ex);
        if !files.is_empty() {
            let files: Vec<String> = files.iter().map(|f| format!("exercises/{}/{f}", ex.dir())).collect();
            out.push_str(&format!(
                "{} you changed {} outside src/: {}.\n  Only src/ is graded: these edits will not be graded (your instructor's grader uses the\n  course's own files), so this result may differ from your grade. `git diff` shows the edits.\n\n",
                style("warning:").yellow().bold(),
                if files.len() == 1 { "a file" } else { "files" },
                files.join(", ")
            ));
        }
    }
    out
}

/// After a run where everything selected passes (a student's own checkout, human report):
/// the kata to work on next, from the stored progress of the others.
fn next_after_pass(opts: &Options, course: &Course, report: &Report) -> String {
    if opts.submission.is_some() || opts.format != Format::Human || !report.passed() {
        return String::new();
    }
    let dir = course.progress_dir();
    let next = standing::next(course, &dir, &|e| report.exercises.iter().any(|r| r.dir == e.dir()));
    match next {
        Some(e) => format!(
            "{} {}: read exercises/{}/README.md, fill in its src/, then `cargo run -p grader -- {:02}`\n",
            style("Next kata:").bold(),
            e.dir(),
            e.dir(),
            e.number
        ),
        None => format!("{}\n", style("Every kata passes: you have finished the course!").green().bold()),
    }
}

fn welcome(course: &Course) -> String {
    let first = &course.exercises[0];
    format!(
        "{}\n{} katas, each a crate under exercises/. Read a kata's README.md, fill in its src/, and run\n`cargo run -p grader -- NN` (or `-- watch`) to grade it. Start with {}: exercises/{}/README.md\n",
        style("Welcome to the concurrency katas!").bold(),
        course.exercises.len(),
        first.dir(),
        first.dir()
    )
}

pub fn list(opts: &Options) -> Result<ExitCode> {
    let course = course(opts)?;
    print!("{}", list::render(&course, &course.progress_dir()));
    Ok(ExitCode::SUCCESS)
}

/// The kata a selector names (exactly one).
fn one(course: &Course, selector: &str) -> Result<Exercise> {
    let mut found = course.select(Some(selector))?;
    anyhow::ensure!(found.len() == 1, "`{selector}` names {} katas; name one", found.len());
    Ok(found.remove(0))
}

/// `grader hint KATA`: from the last result, graded now if there is none.
pub fn hint(opts: &Options, selector: &str) -> Result<ExitCode> {
    let course = course(opts)?;
    let ex = one(&course, selector)?;
    let last = match standing::load(&course.progress_dir(), &ex) {
        Some(last) => last,
        None => {
            let req = request(opts, &course, Some(ex.dir()), None);
            run(opts, &course, &req)?.exercises.remove(0)
        }
    };
    print!("{}", hint::step(&course, &course.progress_dir(), &ex, &last));
    Ok(ExitCode::SUCCESS)
}

pub fn reset(opts: &Options, selector: &str) -> Result<ExitCode> {
    let course = course(opts)?;
    let ex = one(&course, selector)?;
    let backup = reset::reset(&course, &ex)?;
    standing::forget(&course.progress_dir(), &ex)?;
    hint::forget(&course.progress_dir(), &ex)?;
    println!("{} is back to its stub; your files are in {}", ex.dir(), backup.display());
    Ok(ExitCode::SUCCESS)
}

pub fn batch(
    opts: &Options,
    dir: &Path,
    out: &Path,
    shard: Option<Shard>,
    exercise: Option<String>,
    test: Option<String>,
    at_once: Option<usize>,
) -> Result<ExitCode> {
    let course = course(opts)?;
    let subs = batch::submissions(dir, shard)?;
    let name = |p: &PathBuf| p.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let manifest = crate::class::merge::Manifest {
        shard: shard.map(|s| format!("{}/{}", s.index, s.count)),
        class: batch::submissions(dir, None)?.iter().map(name).collect(),
        graded: subs.iter().map(name).collect(),
    };
    let at_once = at_once.unwrap_or(1).max(1);
    let mut template = request(opts, &course, exercise, test);
    grade::selected(&course, &template)?;
    template.color = false;
    let started = std::time::Instant::now();
    let n = batch::run(&course, &template, &subs, at_once, out)?;
    manifest.write(out)?;
    println!(
        "graded {} in {:.1} s; results and summary.csv in {}",
        protocol::quantity(n as f64, "submissions"),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `grader merge SHARD_DIR... --out DIR`: the shards of a class as one result.
pub fn merge(shards: &[PathBuf], out: &Path) -> Result<ExitCode> {
    let merged = crate::class::merge::merge(shards, out)?;
    println!(
        "merged {} from {} into {}",
        protocol::quantity(merged.submissions as f64, "submissions"),
        protocol::quantity(merged.shards as f64, "shards"),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `grader report DIR`: the class report of a batch's output.
pub fn class_report(dir: &Path) -> Result<ExitCode> {
    let written = crate::class::html_report::write(dir)?;
    println!(
        "wrote {}/class.html, class.md and feedback/ for {} submission(s)",
        dir.display(),
        written.students
    );
    Ok(ExitCode::SUCCESS)
}

pub fn gradescope(opts: &Options, dir: &Path) -> Result<ExitCode> {
    let course = course(opts)?;
    integrations::gradescope_package(&course, dir, opts.gradescope_visibility)?;
    println!(
        "Wrote the autograder to {}. Zip its contents (cd {} && zip -r ../autograder.zip .) and upload the zip on Gradescope.",
        dir.display(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn export(opts: &Options, dir: &Path) -> Result<ExitCode> {
    let course = course(opts)?;
    let exported = crate::class::export::export(&course, dir)?;
    if let Some(warning) = &exported.lock_warning {
        eprintln!("warning: {warning}");
    }
    println!(
        "Wrote a class's repository to {}: {} katas as stubs, the grader and its hidden suites, and          .github/workflows/classroom.yml. Commit it as the assignment's template repository.",
        dir.display(),
        exported.katas
    );
    Ok(ExitCode::SUCCESS)
}

/// Stages every kata of the graded folder into `dir`, as a build would, and builds nothing.
pub fn stage(opts: &Options, dir: &Path) -> Result<ExitCode> {
    let course = course(opts)?;
    let source = crate::stage::Source::resolve(&course, opts.submission.as_deref())?;
    let staged = crate::stage::stage(&course, &source, &std::path::absolute(dir)?, 0)?;
    println!("{}", staged.dir.display());
    Ok(ExitCode::SUCCESS)
}

pub fn ci_template(kind: TemplateKind) -> Result<ExitCode> {
    print!(
        "{}",
        match kind {
            TemplateKind::Student => integrations::GITHUB_STUDENT,
            TemplateKind::Instructor => integrations::GITHUB_INSTRUCTOR,
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub fn watch(opts: &Options, selector: Option<&str>) -> Result<ExitCode> {
    let course = course(opts)?;
    let state_dir = course.progress_dir();
    let first = match selector {
        Some(s) => one(&course, s)?,
        None => standing::next(&course, &state_dir, &|_| false).unwrap_or(&course.exercises[0]).clone(),
    };
    watch::watch(&course, &state_dir, first, &|ex| {
        let req = request(opts, &course, Some(ex.dir()), None);
        let report = run(opts, &course, &req)?;
        print!("{}", local_edits_warning(opts, &course, &report));
        println!("{}", render(opts, &report));
        print!("{}", next_after_pass(opts, &course, &report));
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
