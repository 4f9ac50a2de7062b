//! `--format json`: the report as one JSON document (docs/report-schema.md).

use crate::model::Report;

pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("the report serialises")
}
