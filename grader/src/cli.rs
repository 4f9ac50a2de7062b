//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::Format;
use crate::supervisor::limits;

/// Grades the concurrency katas: builds your exercises with hidden tests, runs each test in its
/// own guarded process, and tells you what to fix next.
#[derive(Debug, Parser)]
#[command(name = "grader", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Kata to grade, by number or name (`01`, `threads`, `01,02`); all of them if omitted.
    pub exercise: Option<String>,
    /// Only these hidden tests (names, comma-separated).
    pub test: Option<String>,
    #[command(flatten)]
    pub opts: Options,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every kata with where you stand, and your score.
    List,
    /// The next hint for the failure to fix in a kata: one step per call, gentlest first.
    Hint {
        /// The kata, by number or name.
        exercise: String,
    },
    /// Put a kata's stub back; your files are kept in .kata-backups/.
    Reset {
        /// The kata, by number or name.
        exercise: String,
    },
    /// Re-grade a kata once per save of one of its files; q or Ctrl-C quits.
    Watch {
        /// The kata to start with [default: the first one not done].
        exercise: Option<String>,
    },
    /// Grade every submission folder in DIR: one build cache, results per submission and a
    /// summary CSV in --out.
    Batch {
        /// A folder of submissions, each laid out like exercises/ or a whole checkout.
        dir: PathBuf,
        /// Where results go: NAME.json, NAME.junit.xml, NAME.gradescope.json, summary.csv.
        #[arg(long, default_value = "grades")]
        out: PathBuf,
        /// Grade only shard I of N (`--shard 2/4`), for a CI matrix: every shard agrees on the order.
        #[arg(long)]
        shard: Option<crate::class::batch::Shard>,
        /// Only these katas (`01`, `threads`, `01,02`).
        #[arg(long)]
        exercise: Option<String>,
        /// Only these hidden tests (names, comma-separated).
        #[arg(long)]
        test: Option<String>,
        /// Submissions graded at once, each in its own staging area [default: 1]; together
        /// they run at most `--jobs` builds and tests at once.
        #[arg(long, value_name = "N")]
        submissions_at_once: Option<usize>,
    },
    /// Merge the outputs of `batch --shard I/N` into one class result (summary.csv, every
    /// submission's files); refuses a shard or submission missing or graded twice.
    Merge {
        /// The shards' --out folders.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Where the class result goes (a new or empty folder).
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the class report of a batch's (or merge's) output DIR: class.html (one file,
    /// charts included), class.md, and feedback/NAME.md and .html for each student.
    Report { dir: PathBuf },
    /// Write a Gradescope autograder package (the course, setup.sh, run_autograder) into DIR;
    /// zip its contents and upload them as the autograder.
    Gradescope { dir: PathBuf },
    /// Write the repository a class starts from into DIR (a new or empty folder): the katas'
    /// stubs and lessons, the grader with its hidden suites, a grading workflow for GitHub
    /// Classroom; no solutions, no course tests, no instructors' material.
    Export { dir: PathBuf },
    /// Print a GitHub Actions workflow: `student` grades on push, `instructor` grades a class
    /// in shards.
    CiTemplate {
        #[arg(value_enum)]
        kind: TemplateKind,
    },
    /// Internal: supervise one test process (started by the grader itself).
    #[command(name = "__supervise", hide = true)]
    Supervise,
    /// Internal: write the workspace the grader would build (the graded folder's `src/` with
    /// the hidden suites) into DIR, for .ci/cross-check to type-check on other platforms.
    #[command(name = "__stage", hide = true)]
    Stage { dir: PathBuf },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TemplateKind {
    Student,
    Instructor,
}

#[derive(Debug, Args)]
pub struct Options {
    /// Grade this folder instead of ./exercises: laid out like exercises/, or a whole checkout.
    /// `solutions` grades the reference solutions. Only each exercise's src/ is used.
    #[arg(long, value_name = "DIR", global = true)]
    pub submission: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value = "human", global = true)]
    pub format: Format,
    /// Also write the report in another format to a file (repeatable):
    /// `--write junit=grader-junit.xml --write markdown=summary.md --write classroom=points.json`.
    #[arg(long, value_name = "FORMAT=PATH", global = true)]
    pub write: Vec<crate::report::Write>,
    /// Who sees the tests on Gradescope (`--format gradescope`).
    #[arg(long, value_enum, default_value = "visible", global = true)]
    pub gradescope_visibility: crate::report::gradescope::Visibility,
    /// Your private suites: `NN-name.rs` there replaces the shipped suite of that kata,
    /// `NN-name.extra.rs` runs beside it. Keep this folder outside the students' repository.
    #[arg(long, value_name = "DIR", global = true, alias = "hidden")]
    pub private_suites: Option<PathBuf>,
    /// Run every hidden test N times; a test must pass every time (the report counts passes).
    #[arg(long, default_value_t = 1, value_name = "N", global = true)]
    pub repeat: u32,
    /// What a timing test that the machine was too busy to measure, even retried alone, is
    /// worth: `award` its points (the default: nobody loses points to a busy machine) or
    /// `withhold` them. Either way it stays in the maximum and the report says so at the top.
    #[arg(long, value_enum, default_value_t, value_name = "POLICY", global = true)]
    pub unmeasured: crate::model::UnmeasuredPolicy,
    /// Show the output captured from failing tests.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Tests run at once, across all submissions of a batch (timing tests always run alone);
    /// defaults to the number of cores.
    #[arg(long, global = true)]
    pub jobs: Option<usize>,
    /// Cargo target directory for the build [default: GRADER_TARGET_DIR, CARGO_TARGET_DIR, ./target].
    #[arg(long, value_name = "DIR", global = true)]
    pub target_dir: Option<PathBuf>,
    /// Seconds a hidden test may run when it sets no deadline of its own [default: course.toml].
    #[arg(long, value_name = "SECS", global = true)]
    pub deadline: Option<u64>,
    /// Seconds the whole build may take [default: course.toml].
    #[arg(long, value_name = "SECS", global = true)]
    pub build_timeout: Option<u64>,
    /// Memory each test process may use, in MiB.
    #[arg(long, default_value_t = limits::MEMORY_MIB, value_name = "MIB", global = true)]
    pub memory_mib: u64,
    /// Processes a test may have alive at once.
    #[arg(long, default_value_t = limits::PROCESSES, global = true)]
    pub max_processes: usize,
    /// Processes and threads a test may have, enforced by a pids cgroup where one can be made.
    #[arg(long, default_value_t = limits::TASKS, global = true)]
    pub max_tasks: usize,
    /// Refuse to grade (exit 2) unless every protection would be in force around the tests:
    /// read-only disk, hidden folders unreadable, memory access blocked, network isolated, pids
    /// cgroup. Every report states which were in force either way.
    #[arg(long, global = true)]
    pub require_sandbox: bool,
}
