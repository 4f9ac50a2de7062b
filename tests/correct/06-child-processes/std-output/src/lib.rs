//! Kata 06, alternate "std-output": `capture` lets the standard library drain both pipes
//! (`Command::output()`, which polls the two pipes from one thread) instead of a reader
//! thread; `run_with_timeout` walks a table of phases (limit then SIGTERM, grace then
//! SIGKILL) polling `try_wait` with a nap that doubles up to 20 ms (the reference polls every
//! 5 ms in a helper called once per phase); `run_all` fills a `Mutex` of slots from scoped
//! threads.

use std::io;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// A running child process that is killed, with everything it started, and reaped when the
/// guard is dropped: on every path out of a function, a panic included.
#[derive(Debug)]
pub struct ChildGuard {
    child: Child,
}

#[cfg(unix)]
fn to_group(pgid: u32, sig: nix::sys::signal::Signal) {
    let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid as i32), sig);
}

impl ChildGuard {
    /// Starts `cmd` as the leader of a new process group, so that the child and every process
    /// it starts can be signalled at once (the group's id is the child's pid).
    pub fn spawn(cmd: &mut Command) -> io::Result<ChildGuard> {
        new_group(cmd);
        Ok(ChildGuard { child: cmd.spawn()? })
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

fn new_group(cmd: &mut Command) -> &mut Command {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    cmd
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // The group is signalled in any case: the child may be gone while its children live on.
        #[cfg(unix)]
        to_group(self.child.id(), nix::sys::signal::Signal::SIGKILL);
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

/// Waits for `child` until `deadline`, napping 1 ms, then 2, 4 ... up to 20 ms between looks.
fn wait_for(child: &mut Child, deadline: Instant) -> io::Result<Option<ExitStatus>> {
    let mut nap = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        thread::sleep(nap.min(left));
        nap = (nap * 2).min(Duration::from_millis(20));
    }
}

/// Runs `cmd` (in its own process group) for at most `limit`. If it is still running then,
/// sends SIGTERM to its whole group, waits up to `grace` more, then sends SIGKILL to the group.
/// Returns once the child has been reaped.
pub fn run_with_timeout(cmd: &mut Command, limit: Duration, grace: Duration) -> io::Result<Finished> {
    let mut guard = ChildGuard::spawn(cmd)?;
    #[cfg(unix)]
    use nix::sys::signal::Signal::{SIGKILL, SIGTERM};
    // Each phase: how long to wait, and what to send when that wait runs out.
    #[cfg(unix)]
    let phases = [(limit, SIGTERM), (grace, SIGKILL)];
    #[cfg(not(unix))]
    let phases = [(limit, ()), (grace, ())];
    for (signals_sent, (wait, signal)) in phases.into_iter().enumerate() {
        if let Some(status) = wait_for(guard.child(), Instant::now() + wait)? {
            let ending = match signals_sent {
                0 => ending_of(status),
                _ => Ending::TimedOut { killed: false },
            };
            return Ok(Finished { ending, status });
        }
        #[cfg(unix)]
        to_group(guard.id(), signal);
        #[cfg(not(unix))]
        {
            let () = signal;
            let _ = guard.child().kill();
        }
    }
    let status = guard.child().wait()?;
    Ok(Finished { ending: Ending::TimedOut { killed: true }, status })
}

fn ending_of(status: ExitStatus) -> Ending {
    if let Some(code) = status.code() {
        return Ending::Exited(code);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        Ending::Signalled(status.signal().unwrap_or(0))
    }
    #[cfg(not(unix))]
    Ending::Exited(-1)
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
/// Both pipes are read at the same time: `Command::output` waits on both pipes at once and
/// reads whichever has data, then waits for the child, so nothing is left behind.
pub fn capture(cmd: &mut Command) -> io::Result<Captured> {
    let out = new_group(cmd).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).output()?;
    Ok(Captured { status: out.status, stdout: out.stdout, stderr: out.stderr })
}

/// Runs every command at once and captures each one's output; the results come back in the
/// order of `cmds`. If one fails to start, the error is returned once the others are done.
pub fn run_all(cmds: &mut [Command]) -> io::Result<Vec<Captured>> {
    let slots: Mutex<Vec<Option<io::Result<Captured>>>> = Mutex::new((0..cmds.len()).map(|_| None).collect());
    thread::scope(|s| {
        for (i, cmd) in cmds.iter_mut().enumerate() {
            let slots = &slots;
            s.spawn(move || {
                let got = capture(cmd);
                slots.lock().unwrap()[i] = Some(got);
            });
        }
    });
    slots.into_inner().unwrap().into_iter().map(|r| r.expect("every command reports")).collect()
}
