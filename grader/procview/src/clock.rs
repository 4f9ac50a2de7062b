//! Clocks that need no /proc: clock ticks per second and the kernel's CPU-time clocks.

use std::time::Duration;

/// The kernel's clock ticks per second (USER_HZ), the unit of CPU times in /proc's stat files.
pub fn clock_ticks() -> u64 {
    #[cfg(unix)]
    if let Ok(Some(t)) = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        && t > 0
    {
        return t as u64;
    }
    100
}

/// The calling thread's kernel id (`gettid`); `None` off Linux.
pub fn own_tid() -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        Some(nix::unistd::gettid().as_raw() as u32)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// CPU time thread `tid` of this process has used, from its own CPU clock: exact at the moment
/// of reading, even while it runs on another core (unlike schedstat). `None` once it has exited.
pub fn thread_cpu(tid: u32) -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        // The kernel's clock id for one thread's scheduler time: MAKE_THREAD_CPUCLOCK(tid, SCHED).
        let id = ((!(tid as nix::libc::clockid_t)) << 3) | 4 | 2;
        nix::time::clock_gettime(nix::time::ClockId::from_raw(id)).ok().map(Duration::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = tid;
        None
    }
}

/// CPU time process `pid` has used so far, all its threads together, from its CPU clock.
pub fn process_cpu(pid: u32) -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        let pid = nix::unistd::Pid::from_raw(pid as i32);
        let clock = nix::time::ClockId::pid_cpu_clock_id(pid).ok()?;
        nix::time::clock_gettime(clock).ok().map(Duration::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn clocks_read_this_thread_and_process() {
        let tid = own_tid().unwrap();
        let before = thread_cpu(tid).unwrap();
        let until = std::time::Instant::now() + Duration::from_millis(20);
        while std::time::Instant::now() < until {
            std::hint::spin_loop();
        }
        assert!(thread_cpu(tid).unwrap() > before);
        assert!(process_cpu(std::process::id()).unwrap() >= thread_cpu(tid).unwrap());
        assert!(clock_ticks() > 0);
    }
}
