//! Processes and threads as /proc shows them, read through [`crate::source`].

use std::path::PathBuf;
use std::time::Duration;

use crate::source::{link, list, read};
use crate::{Schedstat, Status, parse};

/// One process or thread, as its stat file shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    pub pid: u32,
    pub ppid: u32,
    /// The kernel's state letter: R running, S sleeping, D disk wait, Z zombie, ...
    pub state: char,
    /// The command name (at most 15 bytes).
    pub name: String,
    /// CPU time used, user plus system, in whole clock ticks.
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

fn text(path: &str) -> Option<String> {
    read(path).ok().map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn ids(names: Vec<String>) -> Vec<u32> {
    names.iter().filter_map(|n| n.parse().ok()).collect()
}

/// The process `pid`, if it exists (zombies included).
pub fn process(pid: u32) -> Option<Proc> {
    parse::stat(pid, &text(&format!("/proc/{pid}/stat"))?, crate::clock_ticks())
}

/// Thread `tid` of process `pid`.
pub fn thread(pid: u32, tid: u32) -> Option<Proc> {
    parse::stat(tid, &text(&format!("/proc/{pid}/task/{tid}/stat"))?, crate::clock_ticks())
}

/// The thread ids of process `pid`; `None` if it cannot be read (gone, or not Linux).
pub fn threads(pid: u32) -> Option<Vec<u32>> {
    list(&format!("/proc/{pid}/task")).ok().map(ids)
}

/// Every process on the machine that this process can see.
pub fn all() -> Vec<Proc> {
    list("/proc").map(ids).unwrap_or_default().into_iter().filter_map(process).collect()
}

/// The processes whose parent is `pid`, zombies included, from each of its threads' list of
/// the children it started (an orphan re-parented to a subreaper joins one of them).
pub fn children(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for tid in threads(pid).unwrap_or_default() {
        let Some(text) = text(&format!("/proc/{pid}/task/{tid}/children")) else { continue };
        for child in text.split_whitespace().filter_map(|c| c.parse::<u32>().ok()) {
            if !found.contains(&child) {
                found.push(child);
            }
        }
    }
    found
}

/// Every process whose chain of parents reaches `root`, zombies included, parents first.
pub fn descendants(root: u32) -> Vec<Proc> {
    let mut found: Vec<Proc> = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for pid in children(parent) {
            if found.iter().any(|p| p.pid == pid) {
                continue;
            }
            let Some(p) = process(pid) else { continue }; // ended meanwhile
            frontier.push(pid);
            found.push(p);
        }
    }
    found
}

/// `/proc/PID/status`, or a thread's (`tid`) within it.
pub fn status(pid: u32, tid: Option<u32>) -> Option<Status> {
    Some(Status::parse(&text(&task_file(pid, tid, "status"))?))
}

/// `/proc/PID/schedstat`, or a thread's (`tid`) within it.
pub fn schedstat(pid: u32, tid: Option<u32>) -> Option<Schedstat> {
    Schedstat::parse(&text(&task_file(pid, tid, "schedstat"))?)
}

/// The kernel function thread `tid` of `pid` sleeps in (such as `futex_wait_queue`). Only
/// from the filesystem: the supervisor's server does not answer it.
pub fn wchan(pid: u32, tid: u32) -> Option<String> {
    Some(text(&format!("/proc/{pid}/task/{tid}/wchan"))?.trim().to_string())
}

/// The program process `pid` runs.
pub fn exe(pid: u32) -> Option<PathBuf> {
    link(&format!("/proc/{pid}/exe")).ok()
}

fn task_file(pid: u32, tid: Option<u32>, file: &str) -> String {
    match tid {
        Some(tid) => format!("/proc/{pid}/task/{tid}/{file}"),
        None => format!("/proc/{pid}/{file}"),
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn this_process_reads_itself() {
        let me = std::process::id();
        let p = process(me).expect("this process is in /proc");
        assert_eq!((p.pid, p.is_zombie()), (me, false));
        assert!(threads(me).unwrap().contains(&me));
        assert_eq!(thread(me, me).unwrap().pid, me);
        assert!(status(me, None).unwrap().get("Name").is_some());
        assert!(schedstat(me, crate::own_tid()).is_some());
        assert_eq!(exe(me), std::env::current_exe().ok());
    }

    #[test]
    fn a_child_and_its_zombie_are_found() {
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let id = child.id();
        assert!(children(std::process::id()).contains(&id));
        assert!(descendants(std::process::id()).iter().any(|p| p.pid == id && !p.is_zombie()));
        child.kill().unwrap();
        while !process(id).is_some_and(|p| p.is_zombie()) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(descendants(std::process::id()).iter().any(|p| p.pid == id && p.is_zombie()));
        child.wait().unwrap();
        assert!(process(id).is_none());
    }
}
