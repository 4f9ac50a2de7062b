//! What runs where: the one place the kit decides which operating systems let a test see what
//! it measures. A hidden test that needs what its platform lacks calls [`require`] and is
//! skipped there, with the same reason for every student on that platform. docs/platforms.md
//! is derived from these lists and the suites' calls (tests/platforms.rs keeps it in step).

/// An operating system the course supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Linux,
    MacOs,
    Windows,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Linux, Platform::MacOs, Platform::Windows];

    /// The platform this was built for; `None` elsewhere (a BSD), where every need is missing.
    pub const fn current() -> Option<Platform> {
        if cfg!(target_os = "linux") {
            Some(Platform::Linux)
        } else if cfg!(target_os = "macos") {
            Some(Platform::MacOs)
        } else if cfg!(windows) {
            Some(Platform::Windows)
        } else {
            None
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Platform::Linux => "Linux",
            Platform::MacOs => "macOS",
            Platform::Windows => "Windows",
        }
    }
}

/// Something a hidden test measures or uses that not every platform offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Needs {
    /// Seeing this process's threads: how many, asleep or running ([`crate::procs`]).
    Threads,
    /// Each thread's own CPU clock, read from another thread ([`crate::procs::thread_cpu`],
    /// [`crate::expect_threads_compute_at_once`]).
    ThreadClocks,
    /// How often a thread went to sleep waiting ([`crate::procs::voluntary_switches`]).
    ContextSwitches,
    /// The CPU time of this whole process ([`crate::CpuMeter`]).
    ProcessCpu,
    /// Every process below this one, zombies included, with orphans handed to it
    /// ([`crate::reaper`]).
    ProcessTree,
    /// A POSIX shell and its tools (`sh`, `sleep`, `head`, `cat`) for helper children.
    UnixShell,
}

impl Needs {
    pub const ALL: [Needs; 6] = [
        Needs::Threads,
        Needs::ThreadClocks,
        Needs::ContextSwitches,
        Needs::ProcessCpu,
        Needs::ProcessTree,
        Needs::UnixShell,
    ];

    /// The platforms that have it. The kit's `cfg`s agree (tested where the kit's tests run).
    pub const fn platforms(self) -> &'static [Platform] {
        use Platform::*;
        match self {
            Needs::Threads | Needs::ThreadClocks | Needs::ContextSwitches | Needs::ProcessTree => &[Linux],
            Needs::UnixShell => &[Linux, MacOs],
            Needs::ProcessCpu => &[Linux, MacOs, Windows],
        }
    }

    /// Whether this platform has it.
    pub fn here(self) -> bool {
        Platform::current().is_some_and(|p| self.platforms().contains(&p))
    }

    /// What it is, as a skip reason says it.
    pub const fn what(self) -> &'static str {
        match self {
            Needs::Threads => "seeing a process's threads",
            Needs::ThreadClocks => "reading each thread's CPU clock",
            Needs::ContextSwitches => "counting a thread's context switches",
            Needs::ProcessCpu => "reading a process's CPU time",
            Needs::ProcessTree => "finding the zombies and orphans a test leaves (a child subreaper)",
            Needs::UnixShell => "running its helper programs (sh, sleep, head, cat)",
        }
    }

    /// Why a test that needs it is skipped on this platform.
    pub fn reason(self) -> String {
        let here = Platform::current().map_or("this system", Platform::name);
        let there: Vec<&str> = self.platforms().iter().map(|p| p.name()).collect();
        format!(
            "{} is not possible on {here}; this test runs on {} (the course's dev container is Linux)",
            self.what(),
            there.join(" and ")
        )
    }
}

/// Skips the calling test where this platform lacks `needs`; returns at once where it has it.
pub fn require(needs: Needs) {
    if !needs.here() {
        crate::skip(&needs.reason());
    }
}

/// What a probe of `needs` gave: skips where this platform lacks `needs`, and where the probe
/// still gave nothing (this system refused it), with a reason that says so.
pub fn require_some<T>(needs: Needs, probe: Option<T>) -> T {
    require(needs);
    probe.unwrap_or_else(|| crate::skip(&format!("{} failed on this system", needs.what())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_need_is_there_exactly_where_its_list_says() {
        let shell =
            std::process::Command::new("sh").args(["-c", "exit 0"]).status().is_ok_and(|s| s.success());
        let seen = [
            (Needs::Threads, crate::procs::thread_count().is_some()),
            (Needs::ThreadClocks, crate::procs::thread_cpu().is_some()),
            (Needs::ContextSwitches, crate::procs::voluntary_switches().is_some()),
            (Needs::ProcessCpu, crate::CpuMeter::start().is_some()),
            (Needs::ProcessTree, crate::reaper::process(std::process::id()).is_some()),
            (Needs::UnixShell, shell),
        ];
        assert_eq!(seen.len(), Needs::ALL.len());
        for (needs, works) in seen {
            assert_eq!(needs.here(), works, "{needs:?}: its list of platforms and the kit disagree here");
        }
    }

    #[test]
    fn a_reason_names_the_platforms_that_can() {
        let reason = Needs::UnixShell.reason();
        assert!(
            reason.starts_with("running its helper programs (sh, sleep, head, cat) is not possible on "),
            "{reason}"
        );
        assert!(reason.contains("this test runs on Linux and macOS"), "{reason}");
    }
}
