//! The student's loop around the pipeline: where each kata stands, one hint at a time, a fresh
//! start, and re-grading on every save.

pub mod hint;
pub mod list;
pub mod reset;
pub mod standing;
pub mod watch;
