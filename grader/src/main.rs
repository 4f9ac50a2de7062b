//! The katas grader: course → stage → build → run → report, and the student's loop around it
//! (list, hint, reset, watch).

mod batch;
mod build;
mod build_cache;
mod capture;
mod cgroup;
mod class_report;
mod cli;
mod commands;
mod cores;
mod course;
mod export;
mod grade;
mod hint;
mod inspect;
mod integrations;
mod list;
mod merge;
mod model;
mod procgroup;
mod progress;
mod progress_bar;
mod report;
mod reset;
mod reuse;
mod run;
mod sandbox;
mod schedule;
mod stage;
mod suite_scan;
mod supervise;
mod tree;
mod verdict;
mod watch;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    report::init_colour();
    let outcome = match cli.command {
        None => commands::grade(&cli.opts, cli.exercise, cli.test),
        Some(Command::List) => commands::list(&cli.opts),
        Some(Command::Hint { exercise }) => commands::hint(&cli.opts, &exercise),
        Some(Command::Reset { exercise }) => commands::reset(&cli.opts, &exercise),
        Some(Command::Watch { exercise }) => commands::watch(&cli.opts, exercise.as_deref()),
        Some(Command::Batch { dir, out, shard, exercise, test }) => {
            commands::batch(&cli.opts, &dir, &out, shard, exercise, test)
        }
        Some(Command::Gradescope { dir }) => commands::gradescope(&cli.opts, &dir),
        Some(Command::Merge { shards, out }) => commands::merge(&shards, &out),
        Some(Command::Report { dir }) => commands::class_report(&dir),
        Some(Command::Export { dir }) => commands::export(&cli.opts, &dir),
        Some(Command::CiTemplate { kind }) => commands::ci_template(kind),
        Some(Command::Supervise) => supervise::main().map(|_| ExitCode::SUCCESS),
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("grader: {e:#}");
        ExitCode::from(2)
    })
}
