//! Report: the same [`Report`](crate::model::Report) for people and for machines.

pub mod classroom;
pub mod gradescope;
pub mod human;
pub mod json;
pub mod junit;
pub mod live;
pub mod markdown;

#[cfg(test)]
mod snapshots;

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
    /// Markdown feedback for a CI job summary or a course page.
    Markdown,
    /// The results GitHub Classroom's autograding reporter reads (points per test).
    Classroom,
}

/// A report written to a file besides the one printed: `--write junit=grader-junit.xml`.
#[derive(Debug, Clone)]
pub struct Write {
    pub format: Format,
    pub path: std::path::PathBuf,
}

impl std::str::FromStr for Write {
    type Err = String;
    fn from_str(s: &str) -> Result<Write, String> {
        let (format, path) = s.split_once('=').ok_or("expected FORMAT=PATH, like junit=grader-junit.xml")?;
        let format = Format::from_str(format, true).map_err(|e| format!("{format}: {e}"))?;
        if path.is_empty() {
            return Err("the PATH of FORMAT=PATH is empty".into());
        }
        Ok(Write { format, path: path.into() })
    }
}

/// Colour only on a terminal (console's own check) and never when NO_COLOR is set, whatever
/// CLICOLOR_FORCE says (https://no-color.org).
pub fn init_colour() {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
}
