//! What confined a test, as the supervisor applied it: each protection in force or not, and why.
//! Every report states it once per run, so a grade never claims more than was enforced.

use serde::{Deserialize, Serialize};

/// One protection: in force or not, with how (in force) or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protection {
    pub in_force: bool,
    pub detail: String,
}

impl Protection {
    pub fn on(detail: impl Into<String>) -> Protection {
        Protection { in_force: true, detail: detail.into() }
    }
    pub fn off(detail: impl Into<String>) -> Protection {
        Protection { in_force: false, detail: detail.into() }
    }
}

/// The protections around a test (or, summarised, around every test of a run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protections {
    /// The test writes only to its scratch and verdict folders.
    pub read_only_disk: Protection,
    /// Staging areas, the build cache and `--private-suites` folders are unreadable to the test.
    pub hidden_unreadable: Protection,
    /// The test cannot read or write its own or another process's memory from outside the
    /// language (/proc/PID/mem, process_vm_readv, ptrace): it cannot learn the nonce.
    pub memory_access_blocked: Protection,
    /// The test has its own network with only loopback.
    pub network_isolated: Protection,
    /// The kernel caps the test's tasks (a fork bomb stops at once).
    pub pids_cgroup: Protection,
}

impl Protections {
    /// Each protection with its JSON key and its label, in report order.
    pub fn each(&self) -> [(&'static str, &'static str, &Protection); 5] {
        [
            ("read_only_disk", "read-only disk", &self.read_only_disk),
            ("hidden_unreadable", "hidden folders unreadable", &self.hidden_unreadable),
            ("memory_access_blocked", "memory access blocked", &self.memory_access_blocked),
            ("network_isolated", "network isolated", &self.network_isolated),
            ("pids_cgroup", "pids cgroup", &self.pids_cgroup),
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

    /// Nothing known: no test ran and no supervisor was asked (a batch that reused every kata).
    pub fn unknown() -> Protections {
        let off = || Protection::off("unknown: no test ran in this run");
        Protections {
            read_only_disk: off(),
            hidden_unreadable: off(),
            memory_access_blocked: off(),
            network_isolated: off(),
            pids_cgroup: off(),
        }
    }

    /// The protections not in force, as `label (why)`.
    pub fn missing(&self) -> Vec<String> {
        self.each()
            .iter()
            .filter(|(_, _, p)| !p.in_force)
            .map(|(_, l, p)| format!("{l} ({})", p.detail))
            .collect()
    }

    /// `in force: how` or `not in force: why`, for formats that carry plain strings.
    pub fn stated(p: &Protection) -> String {
        format!("{}: {}", if p.in_force { "in force" } else { "not in force" }, p.detail)
    }

    /// One line for a human: what is in force, then what is not.
    pub fn line(&self) -> String {
        let on: Vec<&str> = self.each().iter().filter(|(_, _, p)| p.in_force).map(|(_, l, _)| *l).collect();
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

    fn everything() -> Protections {
        let on = || Protection::on("yes");
        Protections {
            read_only_disk: on(),
            hidden_unreadable: on(),
            memory_access_blocked: on(),
            network_isolated: on(),
            pids_cgroup: on(),
        }
    }

    #[test]
    fn a_run_keeps_the_first_missing_reason_of_any_test() {
        let full = Protections { pids_cgroup: Protection::on("at most 1024 tasks"), ..everything() };
        let no_cgroup = Protections { pids_cgroup: Protection::off("cannot create cgroups"), ..everything() };
        let run = Protections::weakest([&full, &no_cgroup, &full]).unwrap();
        assert!(!run.pids_cgroup.in_force);
        assert_eq!(run.missing(), ["pids cgroup (cannot create cgroups)"]);
        assert!(Protections::weakest([]).is_none());
    }

    #[test]
    fn the_line_names_what_is_in_force_then_what_is_not_and_why() {
        let p =
            Protections { network_isolated: Protection::off("no network namespace: EPERM"), ..everything() };
        assert_eq!(
            p.line(),
            "in force: read-only disk, hidden folders unreadable, memory access blocked, pids cgroup; \
             NOT in force: network isolated (no network namespace: EPERM)"
        );
    }
}
