//! The katas grader: course → stage → build → run → report, and the student's loop around it
//! (list, hint, reset, watch).

mod cli;
mod model;

mod build;
mod course;
mod grade;
mod plan;
mod report;
mod run;
mod stage;
mod supervisor;

mod class;
mod student;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use grade::command;

fn main() -> ExitCode {
    let cli = Cli::parse();
    report::init_colour();
    // Every grading of this process, a batch's slots included, shares these places.
    run::cores::set_capacity(cli.opts.jobs.unwrap_or_else(run::cores::available));
    let outcome = match cli.command {
        None => command::grade(&cli.opts, cli.exercise, cli.test),
        Some(Command::List) => command::list(&cli.opts),
        Some(Command::Hint { exercise }) => command::hint(&cli.opts, &exercise),
        Some(Command::Reset { exercise }) => command::reset(&cli.opts, &exercise),
        Some(Command::Watch { exercise }) => command::watch(&cli.opts, exercise.as_deref()),
        Some(Command::Batch { dir, out, shard, exercise, test, submissions_at_once }) => {
            command::batch(&cli.opts, &dir, &out, shard, exercise, test, submissions_at_once)
        }
        Some(Command::Gradescope { dir }) => command::gradescope(&cli.opts, &dir),
        Some(Command::Merge { shards, out }) => command::merge(&shards, &out),
        Some(Command::Report { dir }) => command::class_report(&dir),
        Some(Command::Export { dir }) => command::export(&cli.opts, &dir),
        Some(Command::CiTemplate { kind }) => command::ci_template(kind),
        Some(Command::Stage { dir }) => command::stage(&cli.opts, &dir),
        Some(Command::Supervise) => supervisor::main().map(|_| ExitCode::SUCCESS),
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("grader: {e:#}");
        ExitCode::from(2)
    })
}
