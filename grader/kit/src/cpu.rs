//! CPU time against wall time: parallel work shows as more CPU seconds than wall seconds,
//! busy-waiting as CPU seconds spent while nothing should run.

use std::time::{Duration, Instant};

/// Keeps this thread busy on its core for `wall`: the load some checks compare against.
pub fn spin_for(wall: Duration) {
    let until = Instant::now() + wall;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// The cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Started at one moment; [`CpuMeter::stop`] gives the CPU and wall time since.
pub struct CpuMeter {
    cpu: Option<Duration>,
    wall: Instant,
}

/// What a [`CpuMeter`] measured.
#[derive(Debug, Clone, Copy)]
pub struct CpuSpan {
    pub cpu: Duration,
    pub wall: Duration,
}

impl CpuSpan {
    /// CPU seconds per wall second: about 1 for one busy thread, about n for n.
    pub fn parallelism(&self) -> f64 {
        self.cpu.as_secs_f64() / self.wall.as_secs_f64().max(1e-9)
    }
}

impl CpuMeter {
    /// `None` where process CPU time cannot be read (neither Unix nor Windows).
    pub fn start() -> Option<Self> {
        Some(CpuMeter { cpu: Some(process_cpu_time()?), wall: Instant::now() })
    }

    pub fn stop(&self) -> CpuSpan {
        let cpu = process_cpu_time().unwrap_or_default().saturating_sub(self.cpu.unwrap_or_default());
        CpuSpan { cpu, wall: self.wall.elapsed() }
    }
}

/// CPU time used so far by every thread of this process.
#[cfg(unix)]
pub fn process_cpu_time() -> Option<Duration> {
    let clock = nix::time::ClockId::CLOCK_PROCESS_CPUTIME_ID;
    nix::time::clock_gettime(clock).ok().map(Duration::from)
}

#[cfg(windows)]
pub fn process_cpu_time() -> Option<Duration> {
    cpu_time::ProcessTime::try_now().ok().map(|t| t.as_duration())
}

#[cfg(not(any(unix, windows)))]
pub fn process_cpu_time() -> Option<Duration> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn spinning_costs_cpu_time() {
        // How much per wall second depends on the load, so only that it is counted is asserted.
        let _alone = crate::CPU_TESTS.lock().unwrap_or_else(|p| p.into_inner());
        let meter = CpuMeter::start().unwrap();
        spin_for(Duration::from_millis(50));
        assert!(meter.stop().cpu > Duration::ZERO);
    }
}
