//! Kata 06: child processes. Start programs, wait for them, read everything they write, stop
//! them when they run too long, and never leave a zombie or an orphan behind.
//!
//! Read README.md first. Replace each `todo!()`: `std::process` starts and waits, and
//! `nix::sys::signal::killpg` signals a whole process group (Unix). On Windows, which has
//! neither groups nor signals, `Child::kill` ends the child itself: README.md, "On Windows".
//! Check your work with `cargo test -p child-processes`, then `cargo run -p grader -- 06`.

use std::io;
use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

/// A running child process that is killed, with everything it started, and reaped when the
/// guard is dropped: on every path out of a function, a panic included.
#[derive(Debug)]
pub struct ChildGuard {
    child: Child,
}

impl ChildGuard {
    /// Starts `cmd` as the leader of a new process group, so that the child and every process
    /// it starts can be signalled at once (the group's id is the child's pid).
    pub fn spawn(cmd: &mut Command) -> io::Result<ChildGuard> {
        todo!("std::os::unix::process::CommandExt::process_group(cmd, 0), then cmd.spawn()")
    }

    /// The child's process id, which is also the id of its process group. (Done for you.)
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The child itself: take its pipes, `wait` for it, `try_wait` on it. (Done for you.)
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        todo!("SIGKILL the whole group (killpg with the child's pid), then wait for the child; ignore errors")
    }
}

/// How a child run by [`run_with_timeout`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// It exited by itself, with this exit code.
    Exited(i32),
    /// A signal ended it before the time limit (not one of ours): the signal's number.
    Signalled(i32),
    /// It was still running at the limit and was stopped. `killed` is true if it ignored
    /// SIGTERM for the whole grace period and SIGKILL had to end it.
    TimedOut { killed: bool },
}

/// The result of [`run_with_timeout`]: how the child ended and its raw exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    pub ending: Ending,
    pub status: ExitStatus,
}

/// Runs `cmd` (in its own process group) for at most `limit`. If it is still running then,
/// sends SIGTERM to its whole group, waits up to `grace` more, then sends SIGKILL to the group.
/// Returns once the child has been reaped.
pub fn run_with_timeout(cmd: &mut Command, limit: Duration, grace: Duration) -> io::Result<Finished> {
    todo!("spawn a ChildGuard, poll try_wait until the limit, then SIGTERM the group, wait `grace`, SIGKILL")
}

/// Everything a child wrote, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `cmd` with stdin empty and reads all of its stdout and stderr, then reaps it.
///
/// Both pipes must be read at the same time: a child blocked writing to a full stderr pipe
/// never finishes its stdout, so reading stdout to the end first can wait for ever.
pub fn capture(cmd: &mut Command) -> io::Result<Captured> {
    todo!("pipe stdout and stderr, read stderr on a helper thread while this one reads stdout, then wait")
}

/// Runs every command at once and captures each one's output; the results come back in the
/// order of `cmds`. If one fails to start, the error is returned once the others are done.
pub fn run_all(cmds: &mut [Command]) -> io::Result<Vec<Captured>> {
    todo!("start every child before waiting for any: std::thread::scope with one capture per command")
}
