//! `grader export DIR`: the repository a class starts from, written from the course checkout.
//! It holds what a student works with (the katas' stubs and lessons, the grader with its kit and
//! hidden suites, the report schema and limits, a grading workflow) and nothing an instructor
//! keeps: no solutions/, no tests/ (known-wrong and alternate implementations), no bench/, no
//! instructors' guide. Private suites live in a `--private-suites` folder outside the checkout and are
//! never exported. The workspace manifest keeps only the members exported, so it builds.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};
use toml::{Table, Value};

use crate::class::integrations::{self, copy_dir};
use crate::course::Course;

/// The folders of the checkout a class's repository carries whole (less build output).
const FOLDERS: [&str; 2] = ["grader", "exercises"];
/// Single files it carries as they are.
const FILES: [&str; 8] = [
    "rustfmt.toml",
    "docs/report-schema.md",
    "docs/report.schema.json",
    "docs/limits.md",
    "docs/platforms.md",
    // The dev container, for the full Linux grader on any machine, and the script it installs with.
    ".devcontainer/Dockerfile",
    ".devcontainer/devcontainer.json",
    ".ci/install-deps",
];

/// What an export wrote, for the command to summarise.
pub struct Exported {
    pub katas: usize,
    /// Set when the lock file could not be settled for the exported workspace.
    pub lock_warning: Option<String>,
}

pub fn export(course: &Course, into: &Path) -> Result<Exported> {
    if into.exists() {
        ensure!(
            std::fs::read_dir(into)?.next().is_none(),
            "{} is not empty; export writes a fresh repository",
            into.display()
        );
    }
    let root = &course.root;
    if let Some(private) = &course.private {
        let private = std::path::absolute(private)?;
        for folder in FOLDERS {
            ensure!(
                !private.starts_with(root.join(folder)),
                "your private suites ({}) are inside {folder}/, which a class's repository carries; \
                 keep them outside the checkout",
                private.display()
            );
        }
    }
    stubs_only(course)?;
    std::fs::create_dir_all(into)?;
    for folder in FOLDERS {
        copy_dir(&root.join(folder), &into.join(folder))?;
    }
    for file in FILES {
        let from = root.join(file);
        if from.is_file() {
            let to = into.join(file);
            std::fs::create_dir_all(to.parent().expect("a file has a parent"))?;
            std::fs::copy(&from, &to).with_context(|| format!("copying {file}"))?;
        }
    }
    let readme = std::fs::read_to_string(root.join("README.md")).context("reading README.md")?;
    std::fs::write(into.join("README.md"), student_readme(&readme))?;
    std::fs::write(into.join("Cargo.toml"), workspace_manifest(root)?)?;
    if root.join("Cargo.lock").is_file() {
        std::fs::copy(root.join("Cargo.lock"), into.join("Cargo.lock"))?;
    }
    std::fs::write(into.join(".gitignore"), "target/\n.kata-backups/\n")?;
    let workflows = into.join(".github/workflows");
    std::fs::create_dir_all(&workflows)?;
    std::fs::write(workflows.join("classroom.yml"), integrations::GITHUB_STUDENT)?;
    let lock_warning = settle_lock(into).err().map(|e| format!("{e:#}"));
    Ok(Exported { katas: course.exercises.len(), lock_warning })
}

/// Refuses to export katas whose `src/` holds no `todo!()`: the checkout's exercises/ are then
/// someone's work, not the stubs a class starts from.
fn stubs_only(course: &Course) -> Result<()> {
    let solved: Vec<String> = course
        .exercises
        .iter()
        .filter(|ex| !has_todo(&course.exercise_dir(ex).join("src")))
        .map(|ex| ex.dir())
        .collect();
    if !solved.is_empty() {
        bail!(
            "exercises/{{{}}}/src have no todo!(): is this a working copy with answers in it? \
             Export from a clean checkout (or `grader reset` those katas first)",
            solved.join(",")
        );
    }
    Ok(())
}

fn has_todo(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let path = e.path();
        if path.is_dir() {
            has_todo(&path)
        } else {
            std::fs::read_to_string(&path).is_ok_and(|text| text.contains("todo!("))
        }
    })
}

/// The README for students: blocks between `<!-- instructors ... -->` and
/// `<!-- /instructors -->` are left out, and the contents of `<!-- students ... students -->`
/// comments (hidden in the course's README) are shown.
pub fn student_readme(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("<!-- instructors") {
            skipping = true;
            continue;
        }
        if trimmed.starts_with("<!-- /instructors") {
            skipping = false;
            continue;
        }
        if skipping || trimmed.starts_with("<!-- students") || trimmed == "students -->" {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The course's workspace manifest with only the exported members, and without the root
/// package (the course's own end-to-end tests).
fn workspace_manifest(root: &Path) -> Result<String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).context("reading Cargo.toml")?;
    let manifest: Table = text.parse().context("parsing Cargo.toml")?;
    let mut ws = manifest.get("workspace").and_then(Value::as_table).cloned().context("no [workspace]")?;
    let exported = |m: &Value| m.as_str().is_some_and(|m| FOLDERS.iter().any(|f| m.starts_with(f)));
    for key in ["members", "default-members"] {
        if let Some(Value::Array(list)) = ws.get_mut(key) {
            list.retain(exported);
        }
    }
    let mut out = Table::new();
    out.insert("workspace".into(), Value::Table(ws));
    for key in ["profile", "patch"] {
        if let Some(v) = manifest.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    Ok(format!(
        "# The katas' workspace: `cargo run -p grader` grades your exercises, `cargo test -p NAME`\n\
         # runs a kata's visible tests.\n{}",
        toml::to_string(&out)?
    ))
}

/// Lets cargo drop from the copied lock file the packages only the course's own members used,
/// keeping every version the course was tested with.
fn settle_lock(dir: &Path) -> Result<()> {
    let cargo: PathBuf = std::env::var_os("CARGO").map_or_else(|| "cargo".into(), PathBuf::from);
    let mut last = String::new();
    for offline in [true, false] {
        let mut cmd = Command::new(&cargo);
        cmd.args(["metadata", "--format-version", "1"]).current_dir(dir).stdout(Stdio::null());
        if offline {
            cmd.arg("--offline");
        }
        let out = cmd.output().context("running cargo metadata")?;
        if out.status.success() {
            return Ok(());
        }
        last = String::from_utf8_lossy(&out.stderr).into_owned();
    }
    bail!("cargo could not settle Cargo.lock for the exported workspace: {}", last.trim())
}
