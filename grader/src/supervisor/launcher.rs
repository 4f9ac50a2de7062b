//! Starts the test from a thread that first confines itself (its own network, no capabilities,
//! Landlock, seccomp):
//! the child inherits that thread's confinement, while the supervisor's main thread stays free to
//! read /proc, inspect the test and read its verdict.

use std::process::{Child, Command};

use super::disk_rules::{self, DiskPlan};
use super::{capabilities, loopback, syscall_filter};

/// What the launcher thread applied to itself before starting the test.
pub struct Launched {
    pub child: std::io::Result<Child>,
    pub network: Result<(), String>,
    pub capabilities: Result<(), String>,
    pub landlock: Result<Option<i32>, String>,
    pub seccomp: Result<Vec<String>, String>,
}

/// Spawns `cmd` from a new thread confined by `plan`; each step that fails is reported and the
/// test still starts, with what did apply (`--require-sandbox` refuses earlier).
pub fn spawn_confined(cmd: &mut Command, plan: &DiskPlan) -> Launched {
    std::thread::scope(|s| {
        s.spawn(|| {
            // Order matters: a network namespace needs the capabilities dropped next.
            let network = loopback::isolate_thread();
            let capabilities = capabilities::drop_thread();
            let landlock = disk_rules::restrict_thread(plan).map(|e| e.abi);
            let seccomp =
                syscall_filter::restrict_thread().map(|names| names.iter().map(|n| n.to_string()).collect());
            Launched { child: cmd.spawn(), network, capabilities, landlock, seccomp }
        })
        .join()
        .unwrap_or_else(|_| Launched {
            child: Err(std::io::Error::other("the launcher thread panicked")),
            network: Err("the launcher thread panicked".into()),
            capabilities: Err("the launcher thread panicked".into()),
            landlock: Err("the launcher thread panicked".into()),
            seccomp: Err("the launcher thread panicked".into()),
        })
    })
}
