//! From what the supervisor applied around one test to the [`Protections`] record the reports
//! state: nothing is claimed that was not enforced, and every failure keeps its reason.

use std::path::PathBuf;

use crate::model::protections::{Protection, Protections};

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
    /// Every capability dropped (a test started by root keeps none).
    pub capabilities: Option<Result<(), String>>,
    /// The pids cgroup: its task limit.
    pub cgroup: Option<Result<usize, String>>,
    /// Whether Landlock lets the test read /proc.
    pub proc_readable: bool,
    /// A folder the test must not read that lies under one it may read.
    pub unreadable_exposed: Option<PathBuf>,
    /// The user namespace entered without root: `Ok(false)` when privileged enough not to need one.
    pub user_namespace: Option<Result<bool, String>>,
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

/// The record of what `applied` shows was enforced.
pub fn protections(a: &Applied) -> Protections {
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
    let hidden_unreadable = match (&landlock, &a.unreadable_exposed, &mounts) {
        (Ok(l), None, _) => {
            Protection::on(format!("{l}: the test sees only its own and the system's folders"))
        }
        (_, _, Ok(())) => Protection::on("private suites and staging areas covered by empty mounts"),
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
    let network_isolated = match (&a.network, &a.user_namespace) {
        (Some(Ok(())), Some(Ok(true))) => {
            Protection::on("a network namespace with only loopback, in a user namespace (no root needed)")
        }
        (Some(Ok(())), _) => Protection::on("a network namespace with only loopback"),
        (other, Some(Err(userns))) => Protection::off(format!("{} (not root, and {userns})", why(other))),
        (other, _) => Protection::off(why(other)),
    };
    let pids_cgroup = match &a.cgroup {
        Some(Ok(max)) => Protection::on(format!("at most {max} tasks")),
        other => Protection::off(why(other)),
    };
    // A test that kept root's capabilities can undo the rest (a kernel module, for one).
    let (read_only_disk, hidden_unreadable, memory_access_blocked) = match &a.capabilities {
        Some(Ok(())) => (read_only_disk, hidden_unreadable, memory_access_blocked),
        other => {
            let kept = Protection::off(format!("the test kept its capabilities: {}", why(other)));
            (kept.clone(), kept.clone(), kept)
        }
    };
    Protections { read_only_disk, hidden_unreadable, memory_access_blocked, network_isolated, pids_cgroup }
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
            capabilities: Some(Ok(())),
            cgroup: Some(Ok(1024)),
            proc_readable: false,
            unreadable_exposed: None,
            user_namespace: Some(Ok(false)),
        }
    }

    #[test]
    fn everything_applied_is_everything_in_force() {
        let p = protections(&everything());
        assert!(p.missing().is_empty(), "{p:?}");
        assert!(p.line().starts_with("in force: read-only disk, hidden folders unreadable"), "{}", p.line());
    }

    #[test]
    fn a_readable_proc_leaves_memory_open_and_says_so() {
        let p = protections(&Applied { proc_readable: true, ..everything() });
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
        let p = protections(&a);
        assert!(!p.read_only_disk.in_force && !p.hidden_unreadable.in_force);
        assert!(p.read_only_disk.detail.contains("EPERM") && p.read_only_disk.detail.contains("no Landlock"));
        assert!(!p.memory_access_blocked.in_force, "/proc cannot be denied without Landlock");
    }

    #[test]
    fn a_test_that_kept_capabilities_is_not_confined_whatever_else_held() {
        let p = protections(&Applied { capabilities: Some(Err("EPERM".into())), ..everything() });
        for kept in [&p.read_only_disk, &p.hidden_unreadable, &p.memory_access_blocked] {
            assert!(!kept.in_force && kept.detail.contains("kept its capabilities"), "{p:?}");
        }
        assert!(p.network_isolated.in_force && p.pids_cgroup.in_force);
    }

    #[test]
    fn a_hidden_folder_in_a_readable_one_is_exposed_unless_mounts_cover_it() {
        let exposed = Applied { unreadable_exposed: Some("/etc/course".into()), ..everything() };
        assert!(protections(&exposed).hidden_unreadable.in_force, "covered by mounts");
        let p = protections(&Applied { mounts: Some(Err("EPERM".into())), ..exposed });
        assert!(!p.hidden_unreadable.in_force);
        assert!(p.hidden_unreadable.detail.contains("/etc/course"), "{p:?}");
    }
}
