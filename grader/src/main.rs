//! The katas grader: course → stage → build → run → report.

mod build;
mod capture;
mod cgroup;
mod cli;
mod course;
mod grade;
mod inspect;
mod model;
mod procgroup;
mod report;
mod run;
mod stage;
mod suite_scan;
mod supervise;
mod tree;
mod verdict;

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use cli::{Cli, Command, GradeArgs};
use report::Format;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Some(Command::Supervise) => supervise::main().map(|_| ExitCode::SUCCESS),
        None => grade_and_report(&cli.grade),
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("grader: {e:#}");
        ExitCode::from(2)
    })
}

fn grade_and_report(args: &GradeArgs) -> Result<ExitCode> {
    let mut course = course::Course::load(&course::checkout_root())?;
    if let Some(secs) = args.deadline {
        course.defaults.deadline_secs = secs;
    }
    if let Some(secs) = args.build_timeout {
        course.defaults.build_timeout_secs = secs;
    }
    let color = args.format == Format::Human && console::colors_enabled();
    let request = grade::Request {
        selector: args.exercise.clone(),
        test: args.test.clone(),
        submission: args.submission.clone(),
        target_dir: target_dir(args, &course),
        jobs: args.jobs.unwrap_or_else(kit::cores),
        color,
        limits: supervise::Limits {
            memory_bytes: args.memory_mib << 20,
            processes: args.max_processes,
            tasks: args.max_tasks,
            ..Default::default()
        },
    };
    let interactive = args.format == Format::Human && std::io::stderr().is_terminal();
    if interactive {
        eprintln!("{}", console::style("Building and running hidden tests...").dim());
    }
    let done = std::sync::atomic::AtomicUsize::new(0);
    let progress = |event: run::Event| {
        let run::Event::Finished(planned, report) = event;
        let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if interactive {
            let line =
                format!("{n} tests done; last: {} {} ({:?})", planned.exercise, report.name, report.status);
            eprint!("\r\x1b[2K{}", console::style(line).dim());
        }
    };
    let report = grade::grade(&course, &request, &progress)?;
    if interactive {
        eprint!("\r\x1b[2K");
    }
    let text = match args.format {
        Format::Human => report::human::render(&report, &report::human::Options { verbose: args.verbose }),
        Format::Json => report::json::render(&report),
    };
    println!("{text}");
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `--target-dir`, then GRADER_TARGET_DIR, then CARGO_TARGET_DIR, then the checkout's target/.
fn target_dir(args: &GradeArgs, course: &course::Course) -> std::path::PathBuf {
    args.target_dir
        .clone()
        .or_else(|| std::env::var_os("GRADER_TARGET_DIR").map(Into::into))
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(Into::into))
        .unwrap_or_else(|| course.root.join("target"))
}
