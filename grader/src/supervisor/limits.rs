//! What one test and everything it starts may use: the one place the defaults are written.

use serde::{Deserialize, Serialize};

/// Memory per test process by default, MiB (`--memory-mib`).
pub const MEMORY_MIB: u64 = 2048;
/// Processes alive at once by default (`--max-processes`).
pub const PROCESSES: usize = 64;
/// Tasks (processes and threads) by default (`--max-tasks`).
pub const TASKS: usize = 1024;

/// Resource limits for one test process and everything it starts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Limits {
    /// Private writable memory per process (RLIMIT_DATA), bytes.
    pub memory_bytes: u64,
    /// Processes the test may have alive at once, itself included.
    pub processes: usize,
    /// Tasks (processes and threads) the kernel lets the test have, where a pids cgroup can
    /// be made.
    pub tasks: usize,
    /// Largest file the test may write (RLIMIT_FSIZE), bytes.
    pub file_bytes: u64,
    /// Output kept per stream, bytes (head and tail).
    pub output_keep: usize,
    /// Output after which the test is stopped, bytes per stream.
    pub output_stop: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: MEMORY_MIB << 20,
            processes: PROCESSES,
            tasks: TASKS,
            file_bytes: 64 << 20,
            output_keep: 16 << 10,
            output_stop: 64 << 20,
        }
    }
}
