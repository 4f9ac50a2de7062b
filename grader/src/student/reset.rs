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
    let rev = stub_commit(course, ex)?;
    let rev = rev.as_str();
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

/// The commit holding the kata as the course ships it: the last one that changed its solution
/// or hidden suite, files only the course's authors change (a student's commits of their own
/// work do not move it).
pub fn stub_commit(course: &Course, ex: &Exercise) -> Result<String> {
    let rev = git(
        &course.root,
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
    Ok(rev.to_string())
}

/// Files of the kata outside `src/` (its README aside) that differ from the course's commit or
/// that it does not have, as paths under the kata's folder. Grading here builds with the
/// kata's manifest as it is on this disk; an instructor's grader uses the course's own files,
/// so these edits will not be graded. Empty where git or the course's history is missing.
pub fn edited_outside_src(course: &Course, ex: &Exercise) -> Vec<String> {
    let Ok(rev) = stub_commit(course, ex) else { return vec![] };
    let kata = format!("exercises/{}", ex.dir());
    let pathspec = [kata.clone(), format!(":(exclude){kata}/src"), format!(":(exclude){kata}/README.md")];
    let mut diff = vec!["diff", "--name-only", rev.as_str(), "--"];
    diff.extend(pathspec.iter().map(String::as_str));
    let mut untracked = vec!["ls-files", "--others", "--exclude-standard", "--"];
    untracked.extend(pathspec.iter().map(String::as_str));
    let mut files: Vec<String> = [diff, untracked]
        .iter()
        .filter_map(|args| git(&course.root, args).ok())
        .flat_map(|out| out.lines().map(str::to_string).collect::<Vec<_>>())
        .filter_map(|f| f.strip_prefix(&format!("{kata}/")).map(str::to_string))
        .collect();
    files.sort();
    files.dedup();
    files
}

fn git(root: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git").args(args).current_dir(root).output().context("running git")?;
    if !out.status.success() {
        bail!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
