//! The processes below the supervisor: found through /proc (procview), killed and reaped (Linux).
//!
//! The supervisor is a child subreaper, so whatever a test leaves behind (even a daemon that
//! called `setsid`) is re-parented to it and can be found by walking parent links.

/// Makes orphans of our descendants our children instead of init's.
pub fn become_subreaper() {
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_child_subreaper(true);
}

/// Every process whose chain of parents reaches `root`, zombies included, found through each
/// thread's `children` list: only the subtree is read, not every process of the machine.
pub fn descendants(root: u32) -> Vec<procview::Proc> {
    procview::descendants(root)
}

/// Kills and reaps everything below `root` (the test's group first); returns what was still
/// alive, other than zombies, as `pid name`.
pub fn sweep(root: u32, test_pgid: u32) -> Vec<String> {
    #[cfg(unix)]
    {
        use nix::sys::signal::{Signal, kill, killpg};
        use nix::sys::wait::{WaitPidFlag, waitpid};
        use nix::unistd::Pid;
        let leaked: Vec<String> = descendants(root)
            .iter()
            .filter(|p| !p.is_zombie())
            .map(|p| format!("{} {}", p.pid, p.name))
            .collect();
        let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let _ = killpg(Pid::from_raw(test_pgid as i32), Signal::SIGKILL);
            let left = descendants(root);
            for p in &left {
                let _ = kill(Pid::from_raw(p.pid as i32), Signal::SIGKILL);
            }
            while let Ok(status) = waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                if status == nix::sys::wait::WaitStatus::StillAlive {
                    break;
                }
            }
            if left.is_empty() || std::time::Instant::now() > until {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        leaked
    }
    #[cfg(not(unix))]
    {
        let _ = (root, test_pgid);
        vec![]
    }
}
