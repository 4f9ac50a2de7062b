//! Children in their own process group, waited on with a deadline and killed as a group.

use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use anyhow::Result;

/// Prepares a child the grader does not trust: its own process group, and none of the
/// grader's own settings (GRADER_*) in its environment, so submissions cannot read them.
pub fn isolate(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GRADER_") {
            cmd.env_remove(key);
        }
    }
    own_group(cmd);
}

/// Starts the command as the leader of a new process group (Unix).
fn own_group(cmd: &mut Command) {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    #[cfg(not(unix))]
    let _ = cmd;
}

/// Sends SIGKILL to the whole group led by `pid` (Unix); elsewhere only the child can be killed.
pub fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        use nix::sys::signal::{Signal, killpg};
        use nix::unistd::Pid;
        let _ = killpg(Pid::from_raw(child.id() as i32), Signal::SIGKILL);
    }
    let _ = child.kill();
}

/// How long to sleep between two looks at a child that has run for `elapsed`: often at first,
/// since most tests end within milliseconds, then rarely.
pub fn poll_interval(elapsed: Duration) -> Duration {
    if elapsed < Duration::from_millis(100) { Duration::from_millis(1) } else { Duration::from_millis(5) }
}

/// Waits for `child` up to `limit`; on expiry kills its group and returns `None`.
pub fn wait_or_kill(child: &mut Child, limit: Duration) -> Result<Option<ExitStatus>> {
    let start = Instant::now();
    let until = start + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= until {
            kill_group(child);
            child.wait()?;
            return Ok(None);
        }
        std::thread::sleep(poll_interval(start.elapsed()));
    }
}
