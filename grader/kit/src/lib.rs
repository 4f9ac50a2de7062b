//! The kit: what the katas' tests are written with.
//!
//! Hidden suites register their tests with [`suite`] and prove concurrency by structure
//! ([`Gauge`], [`Rendezvous`]) before timing ([`CpuMeter`], [`within`]).

mod check;
mod cpu;
mod deadline;
mod gauge;
pub mod harness;
pub mod helper;
mod latch;
mod overlap;
pub mod platform;
pub mod procs;
pub mod reaper;
mod scratch;

pub use check::{Measure, at_least, at_most, between, exactly, figure, skip, unmeasured};
pub use cpu::{CpuMeter, CpuSpan, cores, spin_for};
pub use deadline::within;
pub use gauge::{Gauge, GaugeGuard};
pub use harness::{Test, suite};
pub use latch::Rendezvous;
pub use overlap::{
    Overlap, expect_threads_compute_at_once, free_cores, measure_overlap, skip_too_busy, too_busy,
};
pub use platform::{Needs, Platform, require, require_some};
pub use protocol::{self, format_number, quantity};
pub use scratch::Scratch;

/// Kit unit tests that measure this process's CPU time take this lock, so that other tests
/// spinning at the same moment do not count as theirs.
#[cfg(all(test, unix))]
pub(crate) static CPU_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` to completion on a fresh current-thread tokio runtime with timers and I/O.
#[cfg(feature = "tokio")]
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    rt.block_on(f)
}

/// Registers a test function under its own name: `test!(results_in_order)`.
#[macro_export]
macro_rules! test {
    ($body:ident) => {
        $crate::Test::new(stringify!($body), $body)
    };
}
