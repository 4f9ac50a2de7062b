//! What grading tells a reporter as it goes; reporters never see how tests run.

use crate::model::TestReport;
use crate::plan::Planned;

/// What grading tells a reporter as it goes; reporters never see how tests run.
pub enum Event<'a> {
    /// The build of this many katas started.
    Building(usize),
    /// This many tests are about to run.
    Running(usize),
    Finished(&'a Planned, &'a TestReport),
}
