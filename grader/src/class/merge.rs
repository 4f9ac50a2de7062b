//! `grader merge SHARD_DIR... --out DIR`: the outputs of a class graded in shards (`grader
//! batch --shard I/N` on several machines) made into one class result: one `summary.csv`, every
//! submission's files, one `batch.json`. It refuses what would make a wrong class result: shards
//! of different classes, a shard twice or a submission in two shards (overlap), a shard missing
//! or a submission no shard graded (gap).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use serde::{Deserialize, Serialize};

use crate::class::batch::Shard;

/// What a batch wrote beside its summary: which shard of which class it graded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// `I/N`, or none for a whole class in one batch.
    pub shard: Option<String>,
    /// Every submission folder of the class, sorted: every shard sees the same list.
    pub class: Vec<String>,
    /// The submissions this batch graded.
    pub graded: Vec<String>,
}

pub const MANIFEST: &str = "batch.json";
pub const SUMMARY: &str = "summary.csv";

impl Manifest {
    pub fn write(&self, out: &Path) -> Result<()> {
        std::fs::write(out.join(MANIFEST), serde_json::to_string_pretty(self)? + "\n")
            .with_context(|| format!("writing {}", out.join(MANIFEST).display()))
    }

    fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!("{} has no {MANIFEST}: not the output of `grader batch`", dir.display())
        })?;
        serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))
    }
}

/// A merged class: how many submissions, from how many shards.
#[derive(Debug)]
pub struct Merged {
    pub submissions: usize,
    pub shards: usize,
}

pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Merged> {
    ensure!(!dirs.is_empty(), "no shard folders to merge");
    let manifests: Vec<Manifest> = dirs.iter().map(|d| Manifest::read(d)).collect::<Result<_>>()?;
    check_shards(dirs, &manifests)?;

    // Every submission graded exactly once.
    let class = &manifests[0].class;
    let mut owner: BTreeMap<&str, &Path> = BTreeMap::new();
    for (dir, m) in dirs.iter().zip(&manifests) {
        for name in &m.graded {
            if let Some(other) = owner.insert(name, dir) {
                bail!("overlap: {name} was graded by both {} and {}", other.display(), dir.display());
            }
            ensure!(class.contains(name), "{} graded {name}, which is not in its class list", dir.display());
        }
    }
    let missing: Vec<&str> = class.iter().map(String::as_str).filter(|n| !owner.contains_key(n)).collect();
    ensure!(missing.is_empty(), "gap: no shard graded {}", missing.join(", "));

    // The summaries: the same columns, one row per graded submission.
    let mut header: Option<csv::StringRecord> = None;
    let mut rows: BTreeMap<String, csv::StringRecord> = BTreeMap::new();
    for (dir, m) in dirs.iter().zip(&manifests) {
        let path = dir.join(SUMMARY);
        let mut reader =
            csv::Reader::from_path(&path).with_context(|| format!("reading {}", path.display()))?;
        let h = reader.headers()?.clone();
        match &header {
            None => header = Some(h),
            Some(first) => ensure!(
                *first == h,
                "{} has other columns than the first shard's: graded with another course?",
                path.display()
            ),
        }
        let mut seen = BTreeSet::new();
        for row in reader.records() {
            let row = row?;
            let name = row.get(0).unwrap_or_default().to_string();
            ensure!(
                m.graded.contains(&name),
                "{} has a row for {name}, which its shard did not grade",
                path.display()
            );
            ensure!(seen.insert(name.clone()), "{} has two rows for {name}", path.display());
            rows.insert(name, row);
        }
        let lost: Vec<&String> = m.graded.iter().filter(|n| !seen.contains(*n)).collect();
        ensure!(lost.is_empty(), "gap: {} has no row for {:?}", path.display(), lost);
    }

    if out.exists() {
        ensure!(std::fs::read_dir(out)?.next().is_none(), "{} is not empty", out.display());
    }
    std::fs::create_dir_all(out)?;
    for dir in dirs {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            if name == SUMMARY || name == MANIFEST || !entry.file_type()?.is_file() {
                continue;
            }
            let to = out.join(&name);
            ensure!(!to.exists(), "overlap: two shards wrote {}", name.to_string_lossy());
            std::fs::copy(entry.path(), &to)?;
        }
    }
    let mut w = csv::Writer::from_path(out.join(SUMMARY))?;
    w.write_record(header.as_ref().expect("at least one shard"))?;
    for row in rows.values() {
        w.write_record(row)?;
    }
    w.flush()?;
    Manifest { shard: None, class: class.clone(), graded: class.clone() }.write(out)?;
    Ok(Merged { submissions: class.len(), shards: dirs.len() })
}

/// The shards are of one class and are each shard of one split exactly once.
fn check_shards(dirs: &[PathBuf], manifests: &[Manifest]) -> Result<()> {
    for (dir, m) in dirs.iter().zip(manifests).skip(1) {
        ensure!(
            m.class == manifests[0].class,
            "{} and {} graded different classes (their lists of submissions differ)",
            dirs[0].display(),
            dir.display()
        );
    }
    let shards: Vec<Option<Shard>> = manifests
        .iter()
        .map(|m| m.shard.as_deref().map(str::parse).transpose().map_err(anyhow::Error::msg))
        .collect::<Result<_>>()?;
    let count = match shards[0] {
        Some(s) => s.count,
        None => {
            ensure!(dirs.len() == 1, "{} is a whole class, not a shard", dirs[0].display());
            return Ok(());
        }
    };
    let mut by_index: BTreeMap<usize, &Path> = BTreeMap::new();
    for (dir, s) in dirs.iter().zip(&shards) {
        let Some(s) = s else { bail!("{} is a whole class, not a shard", dir.display()) };
        ensure!(s.count == count, "{} is a shard of {}, the others of {count}", dir.display(), s.count);
        if let Some(other) = by_index.insert(s.index, dir) {
            bail!("overlap: {} and {} are both shard {}/{count}", other.display(), dir.display(), s.index);
        }
    }
    let missing: Vec<String> =
        (1..=count).filter(|i| !by_index.contains_key(i)).map(|i| format!("{i}/{count}")).collect();
    ensure!(missing.is_empty(), "gap: shard {} is missing", missing.join(", "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shard folder as `grader batch` writes it, with a result file per submission.
    fn shard(root: &Path, dir: &str, shard: Option<&str>, class: &[&str], graded: &[&str]) -> PathBuf {
        let d = root.join(dir);
        std::fs::create_dir_all(&d).unwrap();
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Manifest { shard: shard.map(String::from), class: strings(class), graded: strings(graded) }
            .write(&d)
            .unwrap();
        let mut csv = String::from("submission,01-threads,total,max_score,failures,seconds,error\n");
        for (i, name) in graded.iter().enumerate() {
            csv.push_str(&format!("{name},{i},{i},20,1,1.0,\n"));
            std::fs::write(d.join(format!("{name}.json")), format!("{{\"who\":\"{name}\"}}")).unwrap();
        }
        std::fs::write(d.join(SUMMARY), csv).unwrap();
        d
    }

    const CLASS: [&str; 5] = ["ann", "bob", "cat", "dan", "eve"];

    #[test]
    fn shards_merge_into_one_class_in_name_order() {
        let tmp = tempdir("happy");
        let a = shard(&tmp, "a", Some("1/2"), &CLASS, &["ann", "cat", "eve"]);
        let b = shard(&tmp, "b", Some("2/2"), &CLASS, &["bob", "dan"]);
        let out = tmp.join("out");
        let merged = merge(&[b, a], &out).unwrap();
        assert_eq!((merged.submissions, merged.shards), (5, 2));
        let summary = std::fs::read_to_string(out.join(SUMMARY)).unwrap();
        let names: Vec<&str> = summary.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
        assert_eq!(names, CLASS);
        for name in CLASS {
            assert!(out.join(format!("{name}.json")).is_file(), "{name}");
        }
        assert_eq!(Manifest::read(&out).unwrap().graded.len(), 5);
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn a_submission_in_two_shards_or_a_shard_twice_is_an_overlap() {
        let tmp = tempdir("overlap");
        let a = shard(&tmp, "a", Some("1/2"), &CLASS, &["ann", "bob", "cat", "eve"]);
        let b = shard(&tmp, "b", Some("2/2"), &CLASS, &["bob", "dan"]);
        let err = merge(&[a.clone(), b], &tmp.join("out")).unwrap_err().to_string();
        assert!(err.contains("overlap") && err.contains("bob"), "{err}");
        let again = shard(&tmp, "c", Some("1/2"), &CLASS, &["ann", "bob", "cat", "eve"]);
        let err = merge(&[a, again], &tmp.join("out")).unwrap_err().to_string();
        assert!(err.contains("overlap") && err.contains("shard 1/2"), "{err}");
        assert!(!tmp.join("out").exists(), "nothing written on a refusal");
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn a_missing_shard_or_submission_is_a_gap() {
        let tmp = tempdir("gap");
        let a = shard(&tmp, "a", Some("1/3"), &CLASS, &["ann", "dan"]);
        let b = shard(&tmp, "b", Some("2/3"), &CLASS, &["bob", "eve"]);
        let err = merge(&[a.clone(), b.clone()], &tmp.join("out")).unwrap_err().to_string();
        assert!(err.contains("gap") && err.contains("3/3"), "{err}");
        // All three shards there, but the third lost a submission.
        let c = shard(&tmp, "c", Some("3/3"), &CLASS, &[]);
        let err = merge(&[a.clone(), b.clone(), c], &tmp.join("out")).unwrap_err().to_string();
        assert!(err.contains("gap") && err.contains("cat"), "{err}");
        // A shard whose summary lacks a row it claims to have graded.
        let c = shard(&tmp, "d", Some("3/3"), &CLASS, &["cat"]);
        std::fs::write(c.join(SUMMARY), "submission,01-threads,total,max_score,failures,seconds,error\n")
            .unwrap();
        let err = merge(&[a, b, c], &tmp.join("out")).unwrap_err().to_string();
        assert!(err.contains("gap") && err.contains("cat"), "{err}");
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn shards_of_different_classes_do_not_merge() {
        let tmp = tempdir("classes");
        let a = shard(&tmp, "a", Some("1/2"), &CLASS, &["ann", "cat", "eve"]);
        let b = shard(&tmp, "b", Some("2/2"), &["bob", "dan"], &["bob", "dan"]);
        let err = merge(&[a, b], &tmp.join("out")).unwrap_err().to_string();
        assert!(err.contains("different classes"), "{err}");
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    fn tempdir(what: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("grader-merge-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
