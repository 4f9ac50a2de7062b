//! Report: the same [`Report`](crate::model::Report) for people and for machines.

pub mod gradescope;
pub mod human;
pub mod json;
pub mod junit;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Colour and symbols on a terminal, plain text when piped.
    Human,
    /// The versioned schema of docs/report-schema.md.
    Json,
    /// JUnit XML: a suite per kata, a case per test.
    Junit,
    /// Gradescope's results.json.
    Gradescope,
}

/// Colour only on a terminal (console's own check) and never when NO_COLOR is set, whatever
/// CLICOLOR_FORCE says (https://no-color.org).
pub fn init_colour() {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
}
