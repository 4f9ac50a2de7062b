//! Report: the same [`Report`](crate::model::Report) for people and for machines.

pub mod human;
pub mod json;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Colour and symbols on a terminal, plain text when piped.
    Human,
    /// The versioned schema of docs/report-schema.md.
    Json,
}
