//! Ready-made integrations: GitHub Actions workflows and a Gradescope autograder package.
//! The templates live in grader/templates/ and are compiled in.

use std::path::Path;

use anyhow::{Context, Result};

use crate::course::Course;
use crate::report::gradescope::Visibility;

pub const GITHUB_STUDENT: &str = include_str!("../../templates/github-student.yml");
pub const GITHUB_INSTRUCTOR: &str = include_str!("../../templates/github-instructor.yml");
const SETUP_SH: &str = include_str!("../../templates/setup.sh");
const RUN_AUTOGRADER: &str = include_str!("../../templates/run_autograder");

/// What a Gradescope package carries of the course besides the workspace's members: the
/// workspace files `setup.sh` builds with (`--locked`, so the lock file must match every
/// member) and the reference solutions its warm-up grades.
const PACKAGE_EXTRA: [&str; 6] =
    ["Cargo.toml", "Cargo.lock", "rustfmt.toml", ".cargo", "rust-toolchain.toml", "solutions"];

/// The top-level folders of the checkout's workspace members (`.` stands for the root
/// package, whose `src/` it needs): a package that leaves one out cannot load its workspace.
pub fn workspace_tops(root: &Path) -> Result<Vec<String>> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).context("reading Cargo.toml")?;
    let table: toml::Table = manifest.parse().context("parsing Cargo.toml")?;
    let members = table
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
        .context("Cargo.toml has no [workspace] members")?;
    let mut tops: Vec<String> = members
        .iter()
        .filter_map(|m| m.as_str())
        .map(|m| match m.trim_start_matches("./").split('/').next().unwrap_or(".") {
            "." | "" => "src".to_string(),
            top => top.to_string(),
        })
        .collect();
    tops.sort();
    tops.dedup();
    Ok(tops)
}

/// Writes the autograder package into `into`: the course, the instructor's private suites if
/// any (`private-suites/`), `setup.sh` and `run_autograder`.
pub fn gradescope_package(course: &Course, into: &Path, visibility: Visibility) -> Result<()> {
    std::fs::create_dir_all(into)?;
    let tops = workspace_tops(&course.root)?;
    for item in PACKAGE_EXTRA.iter().copied().chain(tops.iter().map(String::as_str)) {
        let from = course.root.join(item);
        if from.is_dir() {
            copy_dir(&from, &into.join(item))?;
        } else if from.is_file() {
            std::fs::copy(&from, into.join(item))?;
        }
    }
    let private = match &course.private {
        Some(dir) => {
            copy_dir(dir, &into.join("private-suites"))?;
            "--private-suites \"$SOURCE/private-suites\" "
        }
        None => "",
    };
    let vis = serde_json::to_value(visibility)?.as_str().unwrap_or("visible").to_string();
    let run = RUN_AUTOGRADER.replace("__VISIBILITY__", &vis).replace("__PRIVATE_SUITES__", private);
    write_script(&into.join("setup.sh"), SETUP_SH)?;
    write_script(&into.join("run_autograder"), &run)?;
    Ok(())
}

fn write_script(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// Copies a folder, leaving out build output.
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_name() == "target" || entry.file_name() == ".kata-backups" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
