//! One reader of /proc for the grader and the kit.
//!
//! Every read goes through [`source`]: the filesystem, or, when `KATAS_PROC_SOCKET` names a Unix
//! socket, the supervisor's whitelisting server ([`serve`]), so a test confined without /proc
//! (it could otherwise read its own memory there) still sees its threads and children.
//! Linux only; elsewhere every question has an empty answer.

mod clock;
mod parse;
mod process;
#[cfg(unix)]
mod remote;
#[cfg(unix)]
mod serve;
pub mod source;
#[cfg(unix)]
mod wire;

pub use clock::{clock_ticks, own_tid, process_cpu, thread_cpu};
pub use parse::{Schedstat, Status};
pub use process::{
    Proc, all, children, descendants, exe, process, schedstat, status, thread, threads, wchan,
};
#[cfg(unix)]
pub use serve::{permit, serve};
pub use source::ENV;
