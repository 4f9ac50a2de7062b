//! Kata 06, alternate "waiter-thread": the group is signalled with `kill(-pgid, ..)` (the
//! reference calls `killpg`); `run_with_timeout` blocks a scoped thread in `wait()` and waits
//! for its message with `recv_timeout` (the reference polls `try_wait`); `capture` drains both
//! pipes on two scoped reader threads while the caller waits for the child; `run_all` first
//! starts every child, then drains them all (the reference runs `capture` on a thread per
//! command).

use std::io::{self, Read};
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

#[cfg(unix)]
use nix::sys::signal::{Signal, kill};
#[cfg(unix)]
use nix::unistd::Pid;

/// A running child process that is killed, with everything it started, and reaped when the
/// guard is dropped: on every path out of a function, a panic included.
#[derive(Debug)]
pub struct ChildGuard {
    child: Child,
}

/// Sends `sig` to every process in the group `pgid`: a negative pid names a group.
#[cfg(unix)]
fn signal_group(pgid: u32, sig: Signal) {
    let _ = kill(Pid::from_raw(-(pgid as i32)), sig);
}

impl ChildGuard {
    /// Starts `cmd` as the leader of a new process group, so that the child and every process
    /// it starts can be signalled at once (the group's id is the child's pid).
    pub fn spawn(cmd: &mut Command) -> io::Result<ChildGuard> {
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let child = cmd.spawn()?;
        Ok(ChildGuard { child })
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
        #[cfg(unix)]
        signal_group(self.child.id(), Signal::SIGKILL);
        #[cfg(not(unix))]
        let _ = self.child.kill();
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
    let pgid = guard.id();
    let (tx, rx) = mpsc::channel::<io::Result<ExitStatus>>();
    let child = guard.child();
    // The waiter blocks in wait(); this thread watches the clock. The scope ends only once the
    // waiter has reaped the child, whichever way we leave it.
    thread::scope(|s| {
        s.spawn(move || {
            let _ = tx.send(child.wait());
        });
        let got = |r: Result<io::Result<ExitStatus>, RecvTimeoutError>| match r {
            Ok(status) => Some(status),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(Err(io::Error::other("the waiter thread died"))),
        };
        if let Some(status) = got(rx.recv_timeout(limit)) {
            let status = status?;
            return Ok(Finished { ending: natural_ending(status), status });
        }
        #[cfg(unix)]
        signal_group(pgid, Signal::SIGTERM);
        if let Some(status) = got(rx.recv_timeout(grace)) {
            return Ok(Finished { ending: Ending::TimedOut { killed: false }, status: status? });
        }
        #[cfg(unix)]
        signal_group(pgid, Signal::SIGKILL);
        #[cfg(not(unix))]
        let _ = pgid;
        let status = rx.recv().map_err(|_| io::Error::other("the waiter thread died"))??;
        Ok(Finished { ending: Ending::TimedOut { killed: true }, status })
    })
}

fn natural_ending(status: ExitStatus) -> Ending {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return Ending::Signalled(sig);
        }
    }
    Ending::Exited(status.code().expect("an exit without a signal has a code"))
}

/// Everything a child wrote, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

fn piped(cmd: &mut Command) -> &mut Command {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped())
}

/// Reads both pipes of a started child to the end, each on a reader thread of its own, while
/// this thread waits for the child; then returns everything.
fn drain(guard: &mut ChildGuard) -> io::Result<Captured> {
    let out: Option<ChildStdout> = guard.child().stdout.take();
    let err: Option<ChildStderr> = guard.child().stderr.take();
    thread::scope(|s| {
        let out_reader = s.spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut pipe) = out {
                pipe.read_to_end(&mut buf)?;
            }
            Ok::<_, io::Error>(buf)
        });
        let err_reader = s.spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut pipe) = err {
                pipe.read_to_end(&mut buf)?;
            }
            Ok::<_, io::Error>(buf)
        });
        let status = guard.child().wait();
        let stdout = out_reader.join().expect("the stdout reader panicked");
        let stderr = err_reader.join().expect("the stderr reader panicked");
        Ok(Captured { status: status?, stdout: stdout?, stderr: stderr? })
    })
}

/// Runs `cmd` with stdin empty and reads all of its stdout and stderr, then reaps it.
///
/// Both pipes must be read at the same time: a child blocked writing to a full stderr pipe
/// never finishes its stdout, so reading stdout to the end first can wait for ever.
pub fn capture(cmd: &mut Command) -> io::Result<Captured> {
    let mut guard = ChildGuard::spawn(piped(cmd))?;
    drain(&mut guard)
}

/// Runs every command at once and captures each one's output; the results come back in the
/// order of `cmds`. If one fails to start, the error is returned once the others are done.
pub fn run_all(cmds: &mut [Command]) -> io::Result<Vec<Captured>> {
    // Start them all first: each guard kills and reaps its child whatever happens next.
    let mut started: Vec<io::Result<ChildGuard>> =
        cmds.iter_mut().map(|c| ChildGuard::spawn(piped(c))).collect();
    let drained: Vec<io::Result<Captured>> = thread::scope(|s| {
        let handles: Vec<_> = started
            .iter_mut()
            .map(|g| {
                s.spawn(move || match g {
                    Ok(guard) => drain(guard),
                    Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a drain thread panicked")).collect()
    });
    drop(started);
    drained.into_iter().collect()
}
