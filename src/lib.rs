//! Helpers for the project's end-to-end tests in `tests/`: run the grader on a submission
//! and read its JSON report.
