//! A pids cgroup around one test: the kernel refuses the fork that would pass the limit, so a
//! fork bomb stops at once instead of racing the supervisor's count. Linux only, and only
//! where the grader may create cgroups (as root, or with a delegated hierarchy); elsewhere the
//! supervisor's own process count is the only guard.

use std::path::PathBuf;

/// The cgroup this process moved itself into; its children are born inside it.
pub struct PidsCgroup {
    dir: PathBuf,
    /// Where this process goes back to before the cgroup is removed.
    parent: PathBuf,
}

impl PidsCgroup {
    /// Creates a cgroup limited to `max_tasks` tasks (threads count too) and enters it.
    #[cfg(target_os = "linux")]
    pub fn enter(max_tasks: usize) -> Result<PidsCgroup, String> {
        let name = format!("grader-test-{}", std::process::id());
        let v2 = PathBuf::from("/sys/fs/cgroup");
        let v2_ok =
            std::fs::read_to_string(v2.join("cgroup.subtree_control")).is_ok_and(|c| c.contains("pids"));
        let root = if v2_ok { v2 } else { PathBuf::from("/sys/fs/cgroup/pids") };
        let dir = root.join(name);
        std::fs::create_dir(&dir)
            .map_err(|e| format!("cannot create a pids cgroup in {}: {e}", root.display()))?;
        let entered = std::fs::write(dir.join("pids.max"), max_tasks.to_string())
            .and_then(|_| std::fs::write(dir.join("cgroup.procs"), std::process::id().to_string()));
        if let Err(e) = entered {
            // Empty and never entered, so it can go; if even that fails the error above says why.
            let _ = std::fs::remove_dir(&dir);
            return Err(format!("cannot enter a pids cgroup: {e}"));
        }
        Ok(PidsCgroup { dir, parent: root })
    }

    #[cfg(not(target_os = "linux"))]
    pub fn enter(_max_tasks: usize) -> Result<PidsCgroup, String> {
        Err("pids cgroups need Linux".into())
    }

    /// How many forks or thread spawns the kernel refused for the limit.
    pub fn refusals(&self) -> u64 {
        std::fs::read_to_string(self.dir.join("pids.events"))
            .ok()
            .and_then(|e| e.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
            .unwrap_or(0)
    }

    /// Moves this process back out and removes the cgroup (once the test's tasks are gone).
    pub fn leave(self) {
        let _ = std::fs::write(self.parent.join("cgroup.procs"), std::process::id().to_string());
        let _ = std::fs::remove_dir(&self.dir);
    }
}
