//! Kata 06, alternate "watchdog": `run_with_timeout` blocks in `wait()` while a watchdog
//! thread sleeps on a channel and signals the group (`killpg`) when the limit and then the
//! grace period pass, reporting what it sent (the reference polls `try_wait` on the calling
//! thread); `capture` multiplexes both pipes through one channel of tagged 8 KiB chunks read
//! by two reader threads (the reference reads stderr on one helper thread and stdout on the
//! caller); `run_all` sends `(index, result)` from scoped threads into slots.

use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

/// A running child process that is killed, with everything it started, and reaped when the
/// guard is dropped: on every path out of a function, a panic included.
#[derive(Debug)]
pub struct ChildGuard {
    child: Child,
}

#[cfg(unix)]
fn group_signal(pgid: u32, sig: nix::sys::signal::Signal) -> bool {
    nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid as i32), sig).is_ok()
}

impl ChildGuard {
    /// Starts `cmd` as the leader of a new process group, so that the child and every process
    /// it starts can be signalled at once (the group's id is the child's pid).
    pub fn spawn(cmd: &mut Command) -> io::Result<ChildGuard> {
        #[cfg(unix)]
        let cmd = std::os::unix::process::CommandExt::process_group(cmd, 0);
        cmd.spawn().map(|child| ChildGuard { child })
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
        {
            // Errors are fine here: the group may be gone already.
            let _ = group_signal(self.id(), nix::sys::signal::Signal::SIGKILL);
        }
        #[cfg(not(unix))]
        {
            let _ = self.child.kill();
        }
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

/// What the watchdog had to do before the child ended.
#[derive(Default)]
struct Barked {
    termed: bool,
    killed: bool,
}

/// Runs `cmd` (in its own process group) for at most `limit`. If it is still running then,
/// sends SIGTERM to its whole group, waits up to `grace` more, then sends SIGKILL to the group.
/// Returns once the child has been reaped.
pub fn run_with_timeout(cmd: &mut Command, limit: Duration, grace: Duration) -> io::Result<Finished> {
    let mut guard = ChildGuard::spawn(cmd)?;
    let pgid = guard.id();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let watchdog = thread::spawn(move || {
        let mut barked = Barked::default();
        // A message, or the sender dropping, means the child has ended: stand down.
        if done_rx.recv_timeout(limit) != Err(RecvTimeoutError::Timeout) {
            return barked;
        }
        barked.termed = true;
        #[cfg(unix)]
        group_signal(pgid, nix::sys::signal::Signal::SIGTERM);
        if done_rx.recv_timeout(grace) != Err(RecvTimeoutError::Timeout) {
            return barked;
        }
        barked.killed = true;
        #[cfg(unix)]
        group_signal(pgid, nix::sys::signal::Signal::SIGKILL);
        #[cfg(not(unix))]
        let _ = pgid;
        barked
    });
    let waited = guard.child().wait();
    #[cfg(not(unix))]
    if waited.is_ok() {
        // Without process groups the watchdog cannot signal: nothing to do here.
    }
    let _ = done_tx.send(());
    let barked = watchdog.join().expect("the watchdog panicked");
    let status = waited?;
    let ending = if barked.killed {
        Ending::TimedOut { killed: true }
    } else if barked.termed {
        Ending::TimedOut { killed: false }
    } else {
        ending_of(status)
    };
    Ok(Finished { ending, status })
}

fn ending_of(status: ExitStatus) -> Ending {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (_, Some(sig)) => Ending::Signalled(sig),
            (Some(code), None) => Ending::Exited(code),
            (None, None) => Ending::Exited(-1),
        }
    }
    #[cfg(not(unix))]
    Ending::Exited(status.code().unwrap_or(-1))
}

/// Everything a child wrote, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

#[derive(Clone, Copy)]
enum Stream {
    Out,
    Err,
}

/// Reads `pipe` in chunks and sends each, tagged, until the end; an error is sent too.
fn pump(mut pipe: impl Read, tag: Stream, tx: mpsc::Sender<(Stream, io::Result<Vec<u8>>)>) {
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if tx.send((tag, Ok(buf[..n].to_vec()))).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let _ = tx.send((tag, Err(e)));
                return;
            }
        }
    }
}

/// Runs `cmd` with stdin empty and reads all of its stdout and stderr, then reaps it.
///
/// Both pipes must be read at the same time: a child blocked writing to a full stderr pipe
/// never finishes its stdout, so reading stdout to the end first can wait for ever.
pub fn capture(cmd: &mut Command) -> io::Result<Captured> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut guard = ChildGuard::spawn(cmd)?;
    let (tx, rx) = mpsc::channel();
    let mut readers = Vec::new();
    if let Some(out) = guard.child().stdout.take() {
        let tx = tx.clone();
        readers.push(thread::spawn(move || pump(out, Stream::Out, tx)));
    }
    if let Some(err) = guard.child().stderr.take() {
        let tx = tx.clone();
        readers.push(thread::spawn(move || pump(err, Stream::Err, tx)));
    }
    drop(tx);
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut failure = None;
    // Chunks arrive from whichever pipe has data; the loop ends when both readers are done.
    for (tag, chunk) in rx {
        match (tag, chunk) {
            (Stream::Out, Ok(bytes)) => stdout.extend_from_slice(&bytes),
            (Stream::Err, Ok(bytes)) => stderr.extend_from_slice(&bytes),
            (_, Err(e)) => failure = failure.or(Some(e)),
        }
    }
    for r in readers {
        r.join().expect("a pipe reader panicked");
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let status = guard.child().wait()?;
    Ok(Captured { status, stdout, stderr })
}

/// Runs every command at once and captures each one's output; the results come back in the
/// order of `cmds`. If one fails to start, the error is returned once the others are done.
pub fn run_all(cmds: &mut [Command]) -> io::Result<Vec<Captured>> {
    let count = cmds.len();
    let (tx, rx) = mpsc::channel();
    thread::scope(|s| {
        for (i, cmd) in cmds.iter_mut().enumerate() {
            let tx = tx.clone();
            s.spawn(move || {
                let _ = tx.send((i, capture(cmd)));
            });
        }
    });
    drop(tx);
    let mut slots: Vec<Option<io::Result<Captured>>> = (0..count).map(|_| None).collect();
    for (i, r) in rx {
        slots[i] = Some(r);
    }
    slots.into_iter().map(|r| r.expect("every command reports")).collect()
}
