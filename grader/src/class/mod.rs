//! The instructor's side: a whole class graded in one go, shards merged, the class's pages, the
//! student repository and the platform integrations (GitHub Actions, Classroom, Gradescope).

pub mod batch;
pub mod export;
pub mod html_report;
pub mod integrations;
pub mod merge;
pub mod reuse;
