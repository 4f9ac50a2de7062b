//! `grader reset KATA`: put the stub back, keeping the student's work in `.kata-backups/`.
//!
//! The stub is taken from git: the kata's `src/` as of the last commit that changed its
//! solution or hidden suite (files only the course's authors change).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::course::{Course, Exercise};

/// Restores the stub; returns where the student's files were saved.
pub fn reset(course: &Course, ex: &Exercise) -> Result<PathBuf> {
    let root = &course.root;
    let src = format!("exercises/{}/src", ex.dir());
    let rev = git(
        root,
        &[
            "log",
            "-1",
            "--format=%H",
            "--",
            &format!("solutions/{}", ex.dir()),
            &format!("grader/suites/{}.rs", ex.dir()),
        ],
    )?;
    let rev = rev.trim();
    if rev.is_empty() {
        bail!("no commit of the course has {}: reset needs the course's git history", ex.dir());
    }
    let files = git(root, &["ls-tree", "-r", "--name-only", rev, "--", &src])?;
    if files.trim().is_empty() {
        bail!("commit {rev} has no {src}");
    }
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let backup = root.join(".kata-backups").join(ex.dir()).join(stamp.to_string());
    let current = root.join(&src);
    if current.is_dir() {
        std::fs::create_dir_all(backup.parent().expect("has a parent"))?;
        std::fs::rename(&current, &backup)
            .with_context(|| format!("moving {src} to {}", backup.display()))?;
    }
    for file in files.lines() {
        let bytes =
            Command::new("git").args(["show", &format!("{rev}:{file}")]).current_dir(root).output()?.stdout;
        let to = root.join(file);
        std::fs::create_dir_all(to.parent().expect("has a parent"))?;
        std::fs::write(&to, bytes)?;
    }
    Ok(backup)
}

fn git(root: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git").args(args).current_dir(root).output().context("running git")?;
    if !out.status.success() {
        bail!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
