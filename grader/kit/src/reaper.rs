//! The processes below a test, for katas that start child processes (Linux; elsewhere the
//! functions find nothing and [`become_subreaper`] returns false, so tests can skip).
//!
//! A test first calls [`become_subreaper`]: a process orphaned below it (a grandchild whose
//! parent died) is then re-parented to the test instead of to init, so a scan of `/proc` for
//! the test's descendants finds every zombie and every orphan the code under test left behind.

use std::time::{Duration, Instant};

/// One process, as `/proc/PID/stat` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    pub pid: u32,
    pub ppid: u32,
    /// The kernel's state letter: R running, S sleeping, Z zombie, ...
    pub state: char,
    /// The command name (at most 15 bytes).
    pub name: String,
    /// CPU time used, user plus system.
    pub cpu: Duration,
}

impl Proc {
    pub fn is_zombie(&self) -> bool {
        self.state == 'Z' || self.state == 'X'
    }

    /// `1234 sleep (zombie)` for messages.
    pub fn describe(&self) -> String {
        let what = if self.is_zombie() { "zombie" } else { "running" };
        format!("{} {} ({what})", self.pid, self.name)
    }
}

/// Makes orphans below this process its children instead of init's. False where impossible.
pub fn become_subreaper() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes one integer argument and no pointers.
        unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// The process `pid`, if it exists (zombies included).
pub fn process(pid: u32) -> Option<Proc> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(pid, &stat)
}

fn parse_stat(pid: u32, stat: &str) -> Option<Proc> {
    // "pid (name) S ppid ..."; the name may hold spaces and parentheses, so split at the last ')'.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_string();
    let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    let cpu_ticks = ticks(11)? + ticks(12)?;
    Some(Proc {
        pid,
        ppid: fields.get(1)?.parse().ok()?,
        state: fields.first()?.chars().next()?,
        name,
        cpu: Duration::from_secs_f64(cpu_ticks as f64 / clock_ticks_per_second()),
    })
}

fn clock_ticks_per_second() -> f64 {
    #[cfg(unix)]
    {
        // SAFETY: sysconf reads a configuration value; no pointers.
        let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        if t > 0 { t as f64 } else { 100.0 }
    }
    #[cfg(not(unix))]
    {
        100.0
    }
}

/// Nanoseconds process `pid` has spent on a CPU so far, all its threads together, read from
/// its CPU-time clock (`clock_getcpuclockid`), which is exact at the moment of reading. (The
/// counters in `/proc/PID/schedstat` advance only at scheduler ticks while a task runs, so a
/// single busy process can seem to gain two milliseconds in one.)
pub fn cpu_ns(pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let mut clock: libc::clockid_t = 0;
        // SAFETY: `clock` is a valid, writable clockid_t.
        if unsafe { libc::clock_getcpuclockid(pid as libc::pid_t, &mut clock) } != 0 {
            return None;
        }
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid, writable timespec.
        if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
            return None;
        }
        Some(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

/// Every process on the machine that this process can see.
pub fn all() -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return vec![] };
    dir.flatten().filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok()).filter_map(process).collect()
}

/// Every process whose chain of parents reaches this one (zombies included).
pub fn descendants() -> Vec<Proc> {
    descendants_of(std::process::id())
}

/// Every process whose chain of parents reaches `root` (zombies included).
pub fn descendants_of(root: u32) -> Vec<Proc> {
    let all = all();
    let mut found: Vec<Proc> = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for p in all.iter().filter(|p| p.ppid == parent) {
            frontier.push(p.pid);
            found.push(p.clone());
        }
    }
    found
}

/// Reaps `pid` if it is a zombie child of this process; true if it was reaped.
pub fn reap(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let mut status = 0;
        // SAFETY: `status` is a valid, writable int; WNOHANG never blocks.
        unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG) == pid as libc::pid_t }
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
    // SAFETY: kill takes two integers; a stale pid only yields ESRCH.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGKILL);
    }
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
    fn reads_itself() {
        let me = process(std::process::id()).expect("this process is in /proc");
        assert_eq!(me.pid, std::process::id());
        assert!(!me.is_zombie());
    }

    #[test]
    fn names_with_parentheses_parse() {
        let p = parse_stat(7, "7 (a (b) c) S 1 7 7 0 -1 0 0 0 0 0 250 50 0 0").unwrap();
        assert_eq!((p.name.as_str(), p.state, p.ppid), ("a (b) c", 'S', 1));
        assert!(p.cpu > Duration::ZERO);
    }
}
