//! A student's child-processes kata. The flaw: the guard asks politely: its Drop sends SIGTERM to the group, which a child may ignore, and then waits for ever.

use std::io::{self, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

#[derive(Debug)]
pub struct ChildGuard {
    child: Child,
}

fn group(child: &Child, sig: Signal) {
    let _ = killpg(Pid::from_raw(child.id() as i32), sig);
}

impl ChildGuard {
    pub fn spawn(cmd: &mut Command) -> io::Result<ChildGuard> {
        cmd.process_group(0);
        let child = cmd.spawn()?;
        Ok(ChildGuard { child })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        group(&self.child, Signal::SIGTERM);
        let _ = self.child.wait();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    Signalled(i32),
    TimedOut { killed: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    pub ending: Ending,
    pub status: ExitStatus,
}

fn poll_until(child: &mut Child, deadline: Instant) -> io::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(10));
    }
}

pub fn run_with_timeout(cmd: &mut Command, limit: Duration, grace: Duration) -> io::Result<Finished> {
    let mut guard = ChildGuard::spawn(cmd)?;
    if let Some(status) = poll_until(guard.child(), Instant::now() + limit)? {
        let ending = match status.signal() {
            Some(sig) => Ending::Signalled(sig),
            None => Ending::Exited(status.code().unwrap_or(-1)),
        };
        return Ok(Finished { ending, status });
    }
    group(guard.child(), Signal::SIGTERM);
    if let Some(status) = poll_until(guard.child(), Instant::now() + grace)? {
        return Ok(Finished { ending: Ending::TimedOut { killed: false }, status });
    }
    group(guard.child(), Signal::SIGKILL);
    let status = guard.child().wait()?;
    Ok(Finished { ending: Ending::TimedOut { killed: true }, status })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

pub fn capture(cmd: &mut Command) -> io::Result<Captured> {
    cmd.stdin(Stdio::null());
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut guard = ChildGuard::spawn(cmd)?;
    let mut out_pipe = guard.child().stdout.take().unwrap();
    let mut err_pipe = guard.child().stderr.take().unwrap();
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        err_pipe.read_to_end(&mut buf).map(|_| buf)
    });
    let mut stdout = Vec::new();
    out_pipe.read_to_end(&mut stdout)?;
    let stderr = err_reader.join().unwrap()?;
    let status = guard.child().wait()?;
    Ok(Captured { status, stdout, stderr })
}

pub fn run_all(cmds: &mut [Command]) -> io::Result<Vec<Captured>> {
    thread::scope(|s| {
        let workers: Vec<_> = cmds.iter_mut().map(|cmd| s.spawn(move || capture(cmd))).collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    })
}
