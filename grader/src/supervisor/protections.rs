//! What confined a test, as the supervisor applied it: each protection in force or not, and why.
//! Every report states it once per run, so a grade never claims more than was enforced.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One protection: in force or not, with how (in force) or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protection {
    pub in_force: bool,
    pub detail: String,
}

impl Protection {
    fn on(detail: impl Into<String>) -> Protection {
        Protection { in_force: true, detail: detail.into() }
    }
    fn off(detail: impl Into<String>) -> Protection {
        Protection { in_force: false, detail: detail.into() }
    }
}

/// The protections around a test (or, summarised, around every test of a run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protections {
    /// The test writes only to its scratch and verdict folders.
    pub read_only_disk: Protection,
    /// Staging areas, the build cache and `--hidden` folders are unreadable to the test.
    pub hidden_unreadable: Protection,
    /// The test cannot read or write its own or another process's memory from outside the
    /// language (/proc/PID/mem, process_vm_readv, ptrace): it cannot learn the nonce.
    pub memory_access_blocked: Protection,
    /// The test has its own network with only loopback.
    pub network_isolated: Protection,
    /// The kernel caps the test's tasks (a fork bomb stops at once).
    pub pids_cgroup: Protection,
}

/// What the supervisor tried for one test and what came of it.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// The read-only mount namespace (root only).
    pub mounts: Option<Result<(), String>>,
    /// Landlock: `Ok(Some(abi))` fully, `Ok(None)` partly enforced.
    pub landlock: Option<Result<Option<i32>, String>>,
    /// The seccomp filter: the calls it denies.
    pub seccomp: Option<Result<Vec<String>, String>>,
    pub network: Option<Result<(), String>>,
    /// The pids cgroup: its task limit.
    pub cgroup: Option<Result<usize, String>>,
    /// Whether Landlock lets the test read /proc.
    pub proc_readable: bool,
    /// A `--hidden` folder that lies under a folder the test may read.
    pub hidden_exposed: Option<PathBuf>,
}

/// Why a step reported nothing: it was never tried.
const NOT_TRIED: &str = "not tried (the test did not start)";

fn why(step: &Option<Result<impl Sized, String>>) -> String {
    match step {
        Some(Err(e)) => e.clone(),
        Some(Ok(_)) => String::new(),
        None => NOT_TRIED.into(),
    }
}

impl Protections {
    /// The record of what `applied` shows was enforced.
    pub fn from_applied(a: &Applied) -> Protections {
        let landlock = match &a.landlock {
            Some(Ok(Some(abi))) => Ok(format!("Landlock ABI {abi}")),
            Some(Ok(None)) => {
                Err("Landlock is only partly enforced by this kernel (it predates ABI 5)".to_string())
            }
            other => Err(format!("no Landlock: {}", why(other))),
        };
        let mounts = match &a.mounts {
            Some(Ok(())) => Ok(()),
            other => Err(format!("no read-only mounts: {}", why(other))),
        };
        let read_only_disk = match (&landlock, &mounts) {
            (Ok(l), Ok(())) => Protection::on(format!("{l} and read-only mounts")),
            (Ok(l), Err(_)) => Protection::on(l.clone()),
            (Err(_), Ok(())) => Protection::on("read-only mounts"),
            (Err(l), Err(m)) => Protection::off(format!("{l}; {m}")),
        };
        let hidden_unreadable = match (&landlock, &a.hidden_exposed, &mounts) {
            (Ok(l), None, _) => {
                Protection::on(format!("{l}: the test sees only its own and the system's folders"))
            }
            (_, _, Ok(())) => Protection::on("--hidden folders covered by empty mounts"),
            (Ok(_), Some(dir), Err(m)) => {
                Protection::off(format!("{} lies in a folder every test may read; {m}", dir.display()))
            }
            (Err(l), _, Err(m)) => Protection::off(format!("{l}; {m}")),
        };
        let memory_access_blocked = match (&a.seccomp, &landlock) {
            (Some(Ok(_)), Ok(_)) if !a.proc_readable => Protection::on(
                "seccomp denies process_vm_readv, process_vm_writev and ptrace; Landlock denies /proc",
            ),
            (Some(Ok(_)), Ok(_)) => Protection::off(
                "/proc is still readable (disk_rules::PROC_READABLE): a test can read its own memory through /proc/self/mem",
            ),
            (Some(Ok(_)), Err(l)) => Protection::off(format!("/proc is readable: {l}")),
            (other, _) => Protection::off(format!("no seccomp filter: {}", why(other))),
        };
        let network_isolated = match &a.network {
            Some(Ok(())) => Protection::on("a network namespace with only loopback"),
            other => Protection::off(why(other)),
        };
        let pids_cgroup = match &a.cgroup {
            Some(Ok(max)) => Protection::on(format!("at most {max} tasks")),
            other => Protection::off(why(other)),
        };
        Protections {
            read_only_disk,
            hidden_unreadable,
            memory_access_blocked,
            network_isolated,
            pids_cgroup,
        }
    }

    /// Each protection with its label, in report order.
    pub fn all(&self) -> [(&'static str, &Protection); 5] {
        [
            ("read-only disk", &self.read_only_disk),
            ("hidden folders unreadable", &self.hidden_unreadable),
            ("memory access blocked", &self.memory_access_blocked),
            ("network isolated", &self.network_isolated),
            ("pids cgroup", &self.pids_cgroup),
        ]
    }

    fn all_mut(&mut self) -> [&mut Protection; 5] {
        [
            &mut self.read_only_disk,
            &mut self.hidden_unreadable,
            &mut self.memory_access_blocked,
            &mut self.network_isolated,
            &mut self.pids_cgroup,
        ]
    }

    /// What held for every test of a run: a protection missing around one test is missing for
    /// the run, with that test's reason.
    pub fn weakest<'a>(each: impl IntoIterator<Item = &'a Protections>) -> Option<Protections> {
        let mut each = each.into_iter();
        let mut run = each.next()?.clone();
        for p in each {
            let theirs = [
                &p.read_only_disk,
                &p.hidden_unreadable,
                &p.memory_access_blocked,
                &p.network_isolated,
                &p.pids_cgroup,
            ];
            for (mine, theirs) in run.all_mut().into_iter().zip(theirs) {
                if mine.in_force && !theirs.in_force {
                    *mine = theirs.clone();
                }
            }
        }
        Some(run)
    }

    /// The protections not in force, as `label (why)`.
    pub fn missing(&self) -> Vec<String> {
        self.all().iter().filter(|(_, p)| !p.in_force).map(|(l, p)| format!("{l} ({})", p.detail)).collect()
    }

    /// One line for a human: what is in force, then what is not.
    pub fn line(&self) -> String {
        let on: Vec<&str> = self.all().iter().filter(|(_, p)| p.in_force).map(|(l, _)| *l).collect();
        let missing = self.missing();
        match (on.is_empty(), missing.is_empty()) {
            (_, true) => format!("in force: {}", on.join(", ")),
            (true, false) => format!("NOT in force: {}", missing.join("; ")),
            (false, false) => format!("in force: {}; NOT in force: {}", on.join(", "), missing.join("; ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn everything() -> Applied {
        Applied {
            mounts: Some(Ok(())),
            landlock: Some(Ok(Some(7))),
            seccomp: Some(Ok(vec!["ptrace".into()])),
            network: Some(Ok(())),
            cgroup: Some(Ok(1024)),
            proc_readable: false,
            hidden_exposed: None,
        }
    }

    #[test]
    fn everything_applied_is_everything_in_force() {
        let p = Protections::from_applied(&everything());
        assert!(p.missing().is_empty(), "{p:?}");
        assert!(p.line().starts_with("in force: read-only disk, hidden folders unreadable"), "{}", p.line());
    }

    #[test]
    fn a_readable_proc_leaves_memory_open_and_says_so() {
        let p = Protections::from_applied(&Applied { proc_readable: true, ..everything() });
        assert!(!p.memory_access_blocked.in_force);
        assert!(p.memory_access_blocked.detail.contains("/proc/self/mem"), "{p:?}");
    }

    #[test]
    fn without_landlock_or_mounts_the_disk_is_open_with_both_reasons() {
        let a = Applied {
            mounts: Some(Err("no mount namespace: EPERM".into())),
            landlock: Some(Err("this kernel has no Landlock".into())),
            ..everything()
        };
        let p = Protections::from_applied(&a);
        assert!(!p.read_only_disk.in_force && !p.hidden_unreadable.in_force);
        assert!(p.read_only_disk.detail.contains("EPERM") && p.read_only_disk.detail.contains("no Landlock"));
        assert!(!p.memory_access_blocked.in_force, "/proc cannot be denied without Landlock");
    }

    #[test]
    fn a_hidden_folder_in_a_readable_one_is_exposed_unless_mounts_cover_it() {
        let exposed = Applied { hidden_exposed: Some("/etc/course".into()), ..everything() };
        assert!(Protections::from_applied(&exposed).hidden_unreadable.in_force, "covered by mounts");
        let p = Protections::from_applied(&Applied { mounts: Some(Err("EPERM".into())), ..exposed });
        assert!(!p.hidden_unreadable.in_force);
        assert!(p.hidden_unreadable.detail.contains("/etc/course"), "{p:?}");
    }

    #[test]
    fn a_run_keeps_the_first_missing_reason_of_any_test() {
        let full = Protections::from_applied(&everything());
        let no_cgroup = Protections::from_applied(&Applied {
            cgroup: Some(Err("cannot create cgroups".into())),
            ..everything()
        });
        let run = Protections::weakest([&full, &no_cgroup, &full]).unwrap();
        assert!(!run.pids_cgroup.in_force);
        assert_eq!(run.missing(), ["pids cgroup (cannot create cgroups)"]);
        assert!(Protections::weakest([]).is_none());
    }
}
