//! The order shared tests start in: longest first, by how long each took in the last run, so
//! no core idles at the end while another finishes a long test. Durations are kept in the
//! state folder, beside the staged workspace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::TestReport;
use crate::run::Planned;

/// Milliseconds each test (`exercise/test`) took when it last ran.
#[derive(Debug, Default)]
pub struct Durations {
    file: PathBuf,
    ms: BTreeMap<String, u64>,
}

fn key(p: &Planned) -> String {
    format!("{}/{}", p.exercise, p.info.name)
}

impl Durations {
    /// Reads the durations kept in `state_dir`; none if there are none yet or they are unreadable.
    pub fn load(state_dir: &Path) -> Durations {
        let file = state_dir.join("durations.json");
        let ms = std::fs::read(&file).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        Durations { file, ms }
    }

    /// Indexes of `shared` tests, longest first; a test never timed goes first, as if long.
    pub fn longest_first(&self, plan: &[Planned], mut shared: Vec<usize>) -> Vec<usize> {
        shared.sort_by_key(|&i| std::cmp::Reverse(self.ms.get(&key(&plan[i])).copied().unwrap_or(u64::MAX)));
        shared
    }

    /// Remembers how long each test took, for the next run's order.
    pub fn store(mut self, plan: &[Planned], reports: &[TestReport]) {
        for (p, r) in plan.iter().zip(reports) {
            self.ms.insert(key(p), r.duration_ms / u64::from(r.runs.max(1)));
        }
        if let Ok(bytes) = serde_json::to_vec(&self.ms) {
            let _ = std::fs::write(&self.file, bytes); // only an ordering hint
        }
    }
}
