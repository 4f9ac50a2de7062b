//! Kata 06: child processes. Start programs, wait for them, read everything they write, stop
//! them when they run too long, and never leave a zombie or an orphan behind.
//!
//! What differs between operating systems lives in one module, `os`: on Unix a child leads a
//! process group that is signalled as a whole, politely (SIGTERM) then firmly (SIGKILL); on
//! Windows there are no signals, and `Child::kill` ends the child itself.

use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

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
        os::lead_a_group(cmd);
        Ok(ChildGuard { child: cmd.spawn()? })
    }

    /// The child's process id, which is also the id of its process group.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The child itself: take its pipes, `wait` for it, `try_wait` on it.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // Kill the whole group first: killing only the child would orphan its children.
        os::kill_group(&mut self.child);
        // Then reap: until someone waits for it, a dead child stays in the process table as a
        // zombie. `wait` after an earlier `wait` just returns the status again.
        let _ = self.child.wait();
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
    let mut guard = ChildGuard::spawn(cmd)?;
    let start = Instant::now();
    if let Some(status) = wait_until(guard.child(), start + limit)? {
        return Ok(Finished { ending: ending_of(status), status });
    }
    // Ask politely where the system can: a well-behaved program cleans up and exits on SIGTERM.
    if os::ask_group_to_stop(guard.child())
        && let Some(status) = wait_until(guard.child(), Instant::now() + grace)?
    {
        return Ok(Finished { ending: Ending::TimedOut { killed: false }, status });
    }
    // It ignored SIGTERM (or is stuck): SIGKILL cannot be caught or ignored.
    os::kill_group(guard.child());
    let status = guard.child().wait()?;
    Ok(Finished { ending: Ending::TimedOut { killed: true }, status })
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
/// Both pipes are read at the same time (stderr on a helper thread): a child blocked writing to
/// a full stderr pipe would never finish its stdout, so reading stdout to the end first would
/// wait for ever.
pub fn capture(cmd: &mut Command) -> io::Result<Captured> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut guard = ChildGuard::spawn(cmd)?;
    let mut out = guard.child().stdout.take().expect("stdout is piped");
    let mut err = guard.child().stderr.take().expect("stderr is piped");
    let stderr_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        err.read_to_end(&mut buf).map(|_| buf)
    });
    let mut stdout = Vec::new();
    let read_out = out.read_to_end(&mut stdout);
    let stderr = stderr_reader.join().expect("the stderr reader does not panic");
    read_out?;
    let stderr = stderr?;
    let status = guard.child().wait()?;
    Ok(Captured { status, stdout, stderr })
}

/// Runs every command at once and captures each one's output; the results come back in the
/// order of `cmds`. If one fails to start, the error is returned once the others are done.
pub fn run_all(cmds: &mut [Command]) -> io::Result<Vec<Captured>> {
    // One thread per child: every child starts before any is waited for, and the scoped
    // handles, joined in order, keep the results in the order of the commands.
    thread::scope(|s| {
        let handles: Vec<_> = cmds.iter_mut().map(|cmd| s.spawn(move || capture(cmd))).collect();
        handles.into_iter().map(|h| h.join().expect("capture does not panic")).collect()
    })
}

/// Polls `child` until it exits (returns its status) or `until` passes (returns `None`).
fn wait_until(child: &mut Child, until: Instant) -> io::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= until {
            return Ok(None);
        }
        thread::sleep((until - now).min(Duration::from_millis(5)));
    }
}

/// How a child that ended by itself ended: the signal that ended it, or its exit code.
fn ending_of(status: ExitStatus) -> Ending {
    match os::signal_of(status) {
        Some(signal) => Ending::Signalled(signal),
        None => Ending::Exited(status.code().unwrap_or(-1)),
    }
}

/// Unix: the child leads a process group, and signals go to the whole group.
#[cfg(unix)]
mod os {
    use std::process::{Child, Command, ExitStatus};

    use nix::sys::signal::{Signal, killpg};

    /// The child will lead a new process group, whose id is its pid.
    pub(super) fn lead_a_group(cmd: &mut Command) {
        std::os::unix::process::CommandExt::process_group(cmd, 0);
    }

    /// SIGTERM to the group; true, since Unix has a polite request.
    pub(super) fn ask_group_to_stop(child: &mut Child) -> bool {
        signal_group(child, Signal::SIGTERM);
        true
    }

    /// SIGKILL to the group.
    pub(super) fn kill_group(child: &mut Child) {
        signal_group(child, Signal::SIGKILL);
    }

    /// The signal that ended the child, if one did.
    pub(super) fn signal_of(status: ExitStatus) -> Option<i32> {
        std::os::unix::process::ExitStatusExt::signal(&status)
    }

    /// Errors are ignored: the group may be gone.
    fn signal_group(child: &Child, sig: Signal) {
        let _ = killpg(nix::unistd::Pid::from_raw(child.id() as i32), sig);
    }
}

/// Windows: no process groups to signal and no polite request; `Child::kill` ends the child
/// itself (a Job object would be needed to end the processes it started too).
#[cfg(not(unix))]
mod os {
    use std::process::{Child, Command, ExitStatus};

    pub(super) fn lead_a_group(_cmd: &mut Command) {}

    /// False: there is no SIGTERM to send, so the caller goes straight to the kill.
    pub(super) fn ask_group_to_stop(_child: &mut Child) -> bool {
        false
    }

    /// Ends the child; an error means it has ended already.
    pub(super) fn kill_group(child: &mut Child) {
        let _ = child.kill();
    }

    pub(super) fn signal_of(_status: ExitStatus) -> Option<i32> {
        None
    }
}
