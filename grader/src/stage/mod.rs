//! Stage: a workspace under `target/` made of the trusted tree plus each exercise's `src/`
//! from the graded source. The path is stable and unchanged files are left alone, so cargo
//! rebuilds only what the student changed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use toml::{Table, Value};

use crate::course::{Course, Exercise, Flavor};

/// What a submitted checkout holds that the grader takes from its own checkout instead.
const TRUSTED_TOP: [&str; 5] = ["grader", "Cargo.toml", "Cargo.lock", ".cargo", "rust-toolchain.toml"];

/// Largest `src/` the grader copies from a submission, in bytes.
const MAX_SRC_BYTES: u64 = 8 << 20;

/// Where the students' `src/` folders come from.
#[derive(Debug, Clone)]
pub struct Source {
    /// A folder laid out like `exercises/` (`01-threads/src/...`).
    pub exercises: PathBuf,
    /// The submission's whole checkout, when it is one: its grader files are never used.
    pub checkout: Option<PathBuf>,
}

impl Source {
    /// `--submission DIR`: a folder laid out like `exercises/`, or a whole checkout.
    /// Relative paths are tried from the working directory, then from the checkout.
    pub fn resolve(course: &Course, submission: Option<&Path>) -> Result<Source> {
        let Some(dir) = submission else {
            return Ok(Source { exercises: course.root.join("exercises"), checkout: None });
        };
        let candidates = [dir.to_path_buf(), course.root.join(dir)];
        let Some(found) = candidates.iter().find(|c| c.is_dir()) else {
            bail!("submission folder {} does not exist", dir.display());
        };
        let nested = found.join("exercises");
        Ok(if nested.is_dir() {
            Source { exercises: nested, checkout: Some(found.clone()) }
        } else {
            Source { exercises: found.clone(), checkout: None }
        })
    }
}

/// One exercise as staged: its folder and what the submission had that the grader ignored.
#[derive(Debug, Clone)]
pub struct StagedExercise {
    pub exercise: Exercise,
    /// False when the submission has no `src/` for this exercise.
    pub has_src: bool,
    /// Files of the submission outside `src/` that differ from the trusted tree, unused.
    pub ignored: Vec<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Staged {
    pub dir: PathBuf,
    pub exercises: Vec<StagedExercise>,
    /// Files of a submitted checkout's grader, manifests or cargo settings that differ from the
    /// trusted ones: not used.
    pub ignored: Vec<PathBuf>,
}

impl Staged {
    /// Whether the submission has a `src/` for this kata.
    pub fn submitted(&self, ex: &Exercise) -> bool {
        self.exercises.iter().any(|s| s.exercise.number == ex.number && s.has_src)
    }
}

/// The staged katas' folder. Cargo derives a path package's artifact names from its path
/// inside its workspace, so this must differ from the checkout's `exercises/` (or a build
/// there would pass for the student's) and between the slots of a batch.
pub fn members_dir(slot: usize) -> String {
    format!("katas-{slot}")
}

/// Stages every exercise of the course (so the workspace stays stable); callers build a subset.
pub fn stage(course: &Course, source: &Source, dir: &Path, slot: usize) -> Result<Staged> {
    std::fs::create_dir_all(dir)?;
    let members_dir = members_dir(slot);
    let root_manifest = read_table(&course.root.join("Cargo.toml"))?;
    let mut exercises = Vec::new();
    for ex in &course.exercises {
        let trusted = course.exercise_dir(ex);
        let into = dir.join(&members_dir).join(ex.dir());
        let flavors = course.flavors(ex);
        let manifest = exercise_manifest(&trusted, &flavors)?;
        write_if_changed(&into.join("Cargo.toml"), manifest.as_bytes())?;
        for flavor in &flavors {
            let suite = std::fs::read(course.suite_file(ex, *flavor))
                .with_context(|| format!("reading the {flavor:?} suite of {}", ex.dir()))?;
            write_if_changed(&into.join(format!("tests/{}.rs", flavor.target())), &suite)?;
        }
        let from = source.exercises.join(ex.dir());
        let has_src = from.join("src").is_dir();
        if has_src {
            sync_tree(&from.join("src"), &into.join("src"))?;
        } else if !into.join("src").is_dir() {
            // Never built: a kata that was not submitted scores 0 untested. Cargo only needs
            // every member of the staged workspace to have a target.
            write_if_changed(&into.join("src/lib.rs"), b"// not submitted\n")?;
        }
        let mut ignored =
            if from.is_dir() && from != trusted { ignored_files(&from, &trusted)? } else { vec![] };
        // Files of src/ the kata gives and the grader relies on (a loom facade) stay trusted.
        for given in &ex.given {
            let theirs = std::fs::read(from.join(given)).ok();
            let ours =
                std::fs::read(trusted.join(given)).with_context(|| format!("reading trusted {given}"))?;
            if theirs.as_ref().is_some_and(|t| *t != ours) {
                ignored.push(PathBuf::from(given));
            }
            write_if_changed(&into.join(given), &ours)?;
        }
        exercises.push(StagedExercise { exercise: ex.clone(), has_src, ignored });
    }
    let members: Vec<String> =
        course.exercises.iter().map(|e| format!("{members_dir}/{}", e.dir())).collect();
    write_if_changed(
        &dir.join("Cargo.toml"),
        workspace_manifest(&root_manifest, &course.root, &members)?.as_bytes(),
    )?;
    let lock = std::fs::read(course.root.join("Cargo.lock")).unwrap_or_default();
    if !lock.is_empty() && !dir.join("Cargo.lock").exists() {
        std::fs::write(dir.join("Cargo.lock"), lock)?;
    }
    let ignored = checkout_ignored(course, source)?;
    Ok(Staged { dir: dir.to_path_buf(), exercises, ignored })
}

/// Files of a submitted checkout's grader, manifests or cargo settings that differ from the
/// trusted ones (not used).
pub fn checkout_ignored(course: &Course, source: &Source) -> Result<Vec<PathBuf>> {
    Ok(match &source.checkout {
        Some(checkout) if *checkout != course.root => {
            let mut v = ignored_files(checkout, &course.root)?;
            v.retain(|f| TRUSTED_TOP.iter().any(|t| f.starts_with(t)));
            v
        }
        _ => vec![],
    })
}

fn read_table(path: &Path) -> Result<Table> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.parse::<Table>().with_context(|| format!("parsing {}", path.display()))
}

/// The staged workspace: the root's shared settings, with path dependencies made absolute.
fn workspace_manifest(root: &Table, root_dir: &Path, members: &[String]) -> Result<String> {
    let mut ws = root.get("workspace").and_then(Value::as_table).cloned().unwrap_or_default();
    ws.remove("default-members");
    ws.insert("members".into(), Value::Array(members.iter().cloned().map(Value::String).collect()));
    if let Some(Value::Table(deps)) = ws.get_mut("dependencies") {
        absolutize_paths(deps, root_dir);
    }
    let mut out = Table::new();
    out.insert("workspace".into(), Value::Table(ws));
    if let Some(profile) = root.get("profile") {
        out.insert("profile".into(), profile.clone());
    }
    Ok(format!(
        "# Generated by the grader from the trusted checkout; edits are overwritten.\n{}",
        toml::to_string(&out)?
    ))
}

/// The trusted manifest of one exercise, with its hidden suites as the only test targets.
fn exercise_manifest(trusted: &Path, flavors: &[Flavor]) -> Result<String> {
    let mut m = read_table(&trusted.join("Cargo.toml"))?;
    for section in ["dependencies", "dev-dependencies"] {
        if let Some(Value::Table(deps)) = m.get_mut(section) {
            absolutize_paths(deps, trusted);
        }
    }
    if let Some(Value::Table(pkg)) = m.get_mut("package") {
        for auto in ["autobins", "autoexamples", "autotests", "autobenches", "build"] {
            pkg.insert(auto.into(), Value::Boolean(false));
        }
    }
    m.remove("test");
    m.remove("example");
    m.remove("bin");
    let targets = flavors.iter().map(|f| {
        let mut t = Table::new();
        t.insert("name".into(), f.target().into());
        t.insert("path".into(), format!("tests/{}.rs", f.target()).into());
        t.insert("harness".into(), Value::Boolean(false));
        Value::Table(t)
    });
    m.insert("test".into(), Value::Array(targets.collect()));
    Ok(format!(
        "# Generated by the grader from the trusted manifest; edits are overwritten.\n{}",
        toml::to_string(&m)?
    ))
}

fn absolutize_paths(deps: &mut Table, base: &Path) {
    for (_, dep) in deps.iter_mut() {
        if let Some(Value::String(p)) = dep.as_table_mut().and_then(|t| t.get_mut("path")) {
            *p = base.join(p.as_str()).to_string_lossy().into_owned();
        }
    }
}

/// Writes `bytes` unless the file already holds them, keeping its mtime for cargo.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Makes `to` a copy of `from`, touching only files that differ. Symbolic links are skipped.
fn sync_tree(from: &Path, to: &Path) -> Result<()> {
    let files = list_files(from)?;
    let total: u64 = files.iter().map(|f| from.join(f).metadata().map_or(0, |m| m.len())).sum();
    if total > MAX_SRC_BYTES {
        bail!("{} holds {} bytes, more than the {MAX_SRC_BYTES} a src/ may have", from.display(), total);
    }
    for f in &files {
        write_if_changed(&to.join(f), &std::fs::read(from.join(f))?)?;
    }
    let wanted: BTreeSet<&PathBuf> = files.iter().collect();
    for stale in list_files(to)?.iter().filter(|f| !wanted.contains(f)) {
        std::fs::remove_file(to.join(stale))?;
    }
    Ok(())
}

/// Regular files under `dir`, relative to it, sorted; none if `dir` does not exist.
fn list_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else { continue };
        for entry in entries {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = rel.join(entry.file_name());
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Files a submission has outside `src/` (and `target/`, `.git/`) that the trusted tree lacks
/// or has with other contents: they are not used, and the report says so.
fn ignored_files(submitted: &Path, trusted: &Path) -> Result<Vec<PathBuf>> {
    Ok(list_files(submitted)?
        .into_iter()
        .filter(|f| !f.starts_with("src") && !f.starts_with("target") && !f.starts_with(".git"))
        .filter(|f| std::fs::read(submitted.join(f)).ok() != std::fs::read(trusted.join(f)).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_copies_changes_and_removes_stale_files_only() {
        let tmp = std::env::temp_dir().join(format!("grader-stage-test-{}", std::process::id()));
        let (a, b) = (tmp.join("a"), tmp.join("b"));
        std::fs::create_dir_all(a.join("m")).unwrap();
        std::fs::write(a.join("lib.rs"), "one").unwrap();
        std::fs::write(a.join("m/mod.rs"), "two").unwrap();
        sync_tree(&a, &b).unwrap();
        let before = b.join("lib.rs").metadata().unwrap().modified().unwrap();
        std::fs::write(b.join("stale.rs"), "x").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(a.join("m/mod.rs"), "three").unwrap();
        sync_tree(&a, &b).unwrap();
        assert_eq!(std::fs::read_to_string(b.join("m/mod.rs")).unwrap(), "three");
        assert!(!b.join("stale.rs").exists());
        assert_eq!(
            b.join("lib.rs").metadata().unwrap().modified().unwrap(),
            before,
            "unchanged file untouched"
        );
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
