//! Within a batch, a kata folder byte for byte the same as one already graded (a stub nobody
//! touched, the same code handed in twice) gets that grading's result instead of a second build
//! and run: the same code gets the same verdict, and a class where most students leave most
//! katas as stubs costs one grading of each stub. The key is the folder's whole content (every
//! file but build output, with its path), not a hash a submission could collide with; a
//! result that depended on the machine's load (a test unmeasured) is not reused.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::model::{ExerciseReport, Status};

/// Largest kata folder whose result is kept, in bytes; bigger ones are always graded.
const MAX_KEY_BYTES: u64 = 1 << 20;

/// A kata folder's content: `None` inside when the submission has no such folder.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Key {
    kata: String,
    files: Option<Vec<(PathBuf, Vec<u8>)>>,
}

#[derive(Default)]
pub struct Reuse {
    results: Mutex<HashMap<Key, ExerciseReport>>,
}

impl Reuse {
    /// The key of `kata` in a submission's exercises folder, or none when it cannot be had
    /// cheaply (too big, unreadable, a symbolic link).
    pub fn key(exercises: &Path, kata: &str) -> Option<Key> {
        let dir = exercises.join(kata);
        if !dir.exists() {
            return Some(Key { kata: kata.to_string(), files: None });
        }
        let mut files = Vec::new();
        let mut total = 0;
        collect(&dir, PathBuf::new(), &mut files, &mut total)?;
        files.sort();
        Some(Key { kata: kata.to_string(), files: Some(files) })
    }

    pub fn get(&self, key: &Key) -> Option<ExerciseReport> {
        self.results.lock().expect("reuse").get(key).cloned()
    }

    pub fn keep(&self, key: Key, report: &ExerciseReport) {
        if report.tests.iter().any(|t| t.status == Status::Unmeasured) {
            return;
        }
        self.results.lock().expect("reuse").insert(key, report.clone());
    }
}

fn collect(dir: &Path, rel: PathBuf, out: &mut Vec<(PathBuf, Vec<u8>)>, total: &mut u64) -> Option<()> {
    for entry in std::fs::read_dir(dir.join(&rel)).ok()? {
        let entry = entry.ok()?;
        let name = entry.file_name();
        if rel.as_os_str().is_empty() && (name == "target" || name == ".git") {
            continue;
        }
        let kind = entry.file_type().ok()?;
        let path = rel.join(&name);
        if kind.is_dir() {
            collect(dir, path, out, total)?;
        } else if kind.is_file() {
            *total += entry.metadata().ok()?.len();
            if *total > MAX_KEY_BYTES {
                return None;
            }
            out.push((path, std::fs::read(entry.path()).ok()?));
        } else {
            return None;
        }
    }
    Some(())
}
