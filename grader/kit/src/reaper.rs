//! The processes below a test, for katas that start child processes (Linux; elsewhere the
//! functions find nothing and [`become_subreaper`] returns false: see [`crate::Needs::ProcessTree`]).
//!
//! A test first calls [`become_subreaper`]: a process orphaned below it (a grandchild whose
//! parent died) is then re-parented to the test instead of to init, so a walk of the process
//! tree from the test finds every zombie and every orphan the code under test left behind.
//! The tree is read through `procview`, so it works where the test cannot see /proc itself.

use std::time::{Duration, Instant};

pub use procview::Proc;

/// Makes orphans below this process its children instead of init's. False where impossible.
pub fn become_subreaper() -> bool {
    #[cfg(target_os = "linux")]
    {
        nix::sys::prctl::set_child_subreaper(true).is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Makes this process a subreaper, or skips the test: where the platform has no process tree
/// to show ([`crate::Needs::ProcessTree`]), or with `reason` where this system refused.
pub fn subreaper_or_skip(reason: &str) {
    crate::require(crate::Needs::ProcessTree);
    if !become_subreaper() {
        crate::skip(reason);
    }
}

/// Makes this process a subreaper where the platform shows a test its processes, for the checks
/// of zombies and orphans, and returns true; false elsewhere, where a test leaves those checks
/// out. Skips with `reason` where this system refused.
pub fn subreaper_where_possible(reason: &str) -> bool {
    if !crate::Needs::ProcessTree.here() {
        return false;
    }
    if !become_subreaper() {
        crate::skip(reason);
    }
    true
}

/// The process `pid`, if it exists (zombies included).
pub fn process(pid: u32) -> Option<Proc> {
    procview::process(pid)
}

/// Every process on the machine that this process can see.
pub fn all() -> Vec<Proc> {
    procview::all()
}

/// Every process whose chain of parents reaches this one (zombies included).
pub fn descendants() -> Vec<Proc> {
    descendants_of(std::process::id())
}

/// Every process whose chain of parents reaches `root` (zombies included).
pub fn descendants_of(root: u32) -> Vec<Proc> {
    procview::descendants(root)
}

/// The program process `pid` runs.
pub fn exe(pid: u32) -> Option<std::path::PathBuf> {
    procview::exe(pid)
}

/// Reaps `pid` if it is a zombie child of this process; true if it was reaped.
pub fn reap(pid: u32) -> bool {
    #[cfg(unix)]
    {
        use nix::sys::wait::{WaitPidFlag, waitpid};
        let status = waitpid(nix::unistd::Pid::from_raw(pid as i32), Some(WaitPidFlag::WNOHANG));
        status.is_ok_and(|s| s.pid().is_some_and(|p| p.as_raw() == pid as i32))
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        false
    }
}

/// Sends SIGKILL to `pid` (ignoring errors: it may be gone already).
pub fn kill(pid: u32) {
    #[cfg(unix)]
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGKILL);
    #[cfg(not(unix))]
    let _ = pid;
}

/// What a child-process function left behind, after a settling time.
#[derive(Debug, Clone, Default)]
pub struct LeftBehind {
    /// Processes below this one that are still running (orphans, unkilled children).
    pub running: Vec<Proc>,
    /// Children of this process that the code under test started and never waited for.
    pub zombies: Vec<Proc>,
}

impl LeftBehind {
    pub fn is_empty(&self) -> bool {
        self.running.is_empty() && self.zombies.is_empty()
    }

    /// Records the figure "processes left behind" and fails the test if any was: a zombie
    /// with `zombies` before the list, else one still running with `running`.
    pub fn fail_unless_empty(&self, zombies: &str, running: &str) {
        crate::figure("processes left behind", self.running.len() + self.zombies.len(), "processes");
        if !self.zombies.is_empty() {
            panic!("{zombies}: {}", self.describe());
        }
        if !self.running.is_empty() {
            panic!("{running}: {}", self.describe());
        }
    }

    /// One line naming every leftover, for a failure message.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.running.is_empty() {
            let v: Vec<String> = self.running.iter().map(Proc::describe).collect();
            parts.push(format!("{} still running: {}", self.running.len(), v.join(", ")));
        }
        if !self.zombies.is_empty() {
            let v: Vec<String> = self.zombies.iter().map(Proc::describe).collect();
            parts.push(format!("{} never waited for: {}", self.zombies.len(), v.join(", ")));
        }
        parts.join("; ")
    }
}
/// Waits up to `limit` for every process below this one to be gone, then kills and reaps
/// whatever is left, so the test itself leaves nothing behind.
///
/// `owned` are the pids the code under test started itself: if one of them is still a zombie,
/// it was never waited for. Any other zombie child is an orphan re-parented here because this
/// process is a subreaper (init would have reaped it): it is reaped and not held against the
/// code under test.
pub fn settle(owned: &[u32], limit: Duration) -> LeftBehind {
    settle_with(&|pid| owned.contains(&pid), limit)
}

/// Like [`settle`], for code whose children this test cannot name: every zombie child of this
/// process counts as one the code under test never waited for. Use it only where the children
/// start no grandchildren.
pub fn settle_all(limit: Duration) -> LeftBehind {
    settle_with(&|_| true, limit)
}

fn settle_with(owned: &dyn Fn(u32) -> bool, limit: Duration) -> LeftBehind {
    let until = Instant::now() + limit;
    let me = std::process::id();
    loop {
        let below = descendants();
        for p in below.iter().filter(|p| p.ppid == me && p.is_zombie() && !owned(p.pid)) {
            reap(p.pid);
        }
        let left = LeftBehind {
            running: below.iter().filter(|p| !p.is_zombie()).cloned().collect(),
            zombies: below
                .iter()
                .filter(|p| p.ppid == me && p.is_zombie() && owned(p.pid))
                .cloned()
                .collect(),
        };
        if left.is_empty() || Instant::now() >= until {
            if !left.is_empty() {
                clean_up();
            }
            return left;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Kills every process below this one and reaps every zombie child, for up to a second.
pub fn clean_up() {
    let until = Instant::now() + Duration::from_secs(1);
    let me = std::process::id();
    loop {
        let below = descendants();
        for p in &below {
            if p.is_zombie() {
                if p.ppid == me {
                    reap(p.pid);
                }
            } else {
                kill(p.pid);
            }
        }
        if below.is_empty() || Instant::now() >= until {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_killed_child_is_a_zombie_until_reaped() {
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let pid = child.id();
        assert!(descendants().iter().any(|p| p.pid == pid && !p.is_zombie()));
        kill(pid);
        while !process(pid).is_some_and(|p| p.is_zombie()) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(reap(pid));
        assert!(process(pid).is_none());
        assert!(child.wait().is_err(), "reaped already");
    }
}
