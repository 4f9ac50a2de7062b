//! The course: which exercises exist, in what order, and where their files live.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Course {
    /// The trusted checkout: manifests, hidden suites and the kit come from here.
    #[serde(skip)]
    pub root: PathBuf,
    /// An instructor's own hidden suites (`--private-suites`), kept outside the students' repository.
    #[serde(skip)]
    pub private: Option<PathBuf>,
    pub defaults: Defaults,
    #[serde(rename = "exercise")]
    pub exercises: Vec<Exercise>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Defaults {
    pub deadline_secs: u64,
    pub build_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Exercise {
    pub number: u32,
    pub name: String,
    pub title: String,
    /// Has a second hidden suite, `NN-name.loom.rs`, built with `--cfg loom`.
    #[serde(default)]
    pub loom: bool,
    /// Files under the kata's folder (`src/sync.rs`) that it gives the student and the grader
    /// always takes from its own checkout.
    #[serde(default)]
    pub given: Vec<String>,
}

impl Exercise {
    /// `01-threads`: the folder name under exercises/, solutions/ and the suite's file name.
    pub fn dir(&self) -> String {
        format!("{:02}-{}", self.number, self.name)
    }

    /// The cargo package name (`cargo test -p threads`): the name without the number.
    pub fn package(&self) -> &str {
        &self.name
    }

    /// Whether a command-line selector (`01`, `1`, `threads`, `01-threads`) names this exercise.
    pub fn matches(&self, selector: &str) -> bool {
        selector == self.name
            || selector == self.dir()
            || selector.parse::<u32>().is_ok_and(|n| n == self.number)
    }
}

impl Course {
    /// Reads `grader/course.toml` of the checkout at `root`.
    pub fn load(root: &Path) -> Result<Course> {
        let file = root.join("grader/course.toml");
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        let mut course: Course =
            toml::from_str(&text).with_context(|| format!("parsing {}", file.display()))?;
        course.root = root.to_path_buf();
        course.exercises.sort_by_key(|e| e.number);
        if let Some(w) = course.exercises.windows(2).find(|w| w[0].number == w[1].number) {
            bail!("{}: two exercises have number {}", file.display(), w[0].number);
        }
        Ok(course)
    }

    /// Where the student's last results are kept: the checkout's own `target/grader/last`,
    /// whichever target directory the builds use.
    pub fn progress_dir(&self) -> PathBuf {
        self.root.join("target/grader/last")
    }

    pub fn default_deadline(&self) -> Duration {
        Duration::from_secs(self.defaults.deadline_secs)
    }

    pub fn exercise_dir(&self, ex: &Exercise) -> PathBuf {
        self.root.join("exercises").join(ex.dir())
    }

    /// The hidden suite of a flavour: the instructor's (`--private-suites`) if there is one, else the
    /// shipped `NN-name.rs` or `NN-name.loom.rs`; `NN-name.extra.rs` exists only with `--private-suites`.
    pub fn suite_file(&self, ex: &Exercise, flavor: Flavor) -> PathBuf {
        let file = format!("{}{}.rs", ex.dir(), flavor.suffix());
        match &self.private {
            Some(dir) if dir.join(&file).is_file() || flavor == Flavor::Extra => dir.join(file),
            _ => self.root.join("grader/suites").join(file),
        }
    }

    /// The suites a kata has: the hidden one, its loom checks, an instructor's extra suite.
    pub fn flavors(&self, ex: &Exercise) -> Vec<Flavor> {
        let mut out = vec![Flavor::Hidden];
        if ex.loom {
            out.push(Flavor::Loom);
        }
        if self.private.as_ref().is_some_and(|d| d.join(format!("{}.extra.rs", ex.dir())).is_file()) {
            out.push(Flavor::Extra);
        }
        out
    }

    /// The exercises a selector names (`01`, `threads`, or several joined by commas), in
    /// course order; all of them for `None`.
    pub fn select(&self, selector: Option<&str>) -> Result<Vec<Exercise>> {
        let Some(sel) = selector else { return Ok(self.exercises.clone()) };
        let parts: Vec<&str> = sel.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        if let Some(unknown) = parts.iter().find(|p| !self.exercises.iter().any(|e| e.matches(p))) {
            let names: Vec<String> = self.exercises.iter().map(Exercise::dir).collect();
            let keys = self.exercises.iter().flat_map(|e| [e.dir(), e.name.clone()]);
            bail!(
                "no kata matches `{unknown}`.{} The course has: {}",
                did_you_mean(unknown, keys),
                names.join(", ")
            );
        }
        if parts.is_empty() {
            bail!("`{sel}` names no kata");
        }
        Ok(self.exercises.iter().filter(|e| parts.iter().any(|p| e.matches(p))).cloned().collect())
    }

    /// Fails on a test name (comma-separated list) that no suite of the selected katas
    /// registers, naming the close matches: a typo must not grade nothing and pass.
    pub fn check_tests(&self, selected: &[Exercise], names: Option<&str>) -> Result<()> {
        let Some(names) = names else { return Ok(()) };
        let mut known = Vec::new();
        for ex in selected {
            for flavor in self.flavors(ex) {
                let file = self.suite_file(ex, flavor);
                let source =
                    std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
                known.extend(crate::plan::suite_scan::scan(&source).into_iter().map(|t| t.name));
            }
        }
        let wanted: Vec<&str> = names.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
        if wanted.is_empty() {
            bail!("`{names}` names no test");
        }
        for name in wanted {
            if !known.iter().any(|k| k == name) {
                let katas: Vec<String> = selected.iter().map(Exercise::dir).collect();
                let within = if katas.len() == self.exercises.len() {
                    "any kata".to_string()
                } else {
                    katas.join(", ")
                };
                bail!("no hidden test `{name}` in {within}.{}", did_you_mean(name, known.iter().cloned()));
            }
        }
        Ok(())
    }
}

/// " Did you mean `a` or `b`?" for the candidates close to `wrong`, or nothing.
fn did_you_mean(wrong: &str, candidates: impl Iterator<Item = String>) -> String {
    let mut close: Vec<(f64, String)> = candidates
        .map(|c| (strsim::jaro_winkler(wrong, &c), c))
        .filter(|(score, c)| *score > 0.8 || c.contains(wrong))
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0));
    close.dedup_by(|a, b| a.1 == b.1);
    let names: Vec<String> = close.into_iter().take(3).map(|(_, c)| format!("`{c}`")).collect();
    if names.is_empty() { String::new() } else { format!(" Did you mean {}?", names.join(" or ")) }
}

/// A kind of hidden suite: the ordinary one, the loom model checks built with `--cfg loom`,
/// or an instructor's extra suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    Hidden,
    Loom,
    Extra,
}

impl Flavor {
    /// The test target's name in the staged manifest (`tests/<name>.rs`).
    pub fn target(self) -> &'static str {
        match self {
            Flavor::Hidden => "hidden",
            Flavor::Loom => "loom",
            Flavor::Extra => "extra",
        }
    }

    /// What follows the kata's folder name in the suite's file name.
    fn suffix(self) -> &'static str {
        match self {
            Flavor::Hidden => "",
            Flavor::Loom => ".loom",
            Flavor::Extra => ".extra",
        }
    }

    /// Built with `--cfg loom` in a target directory of its own.
    pub fn is_loom(self) -> bool {
        self == Flavor::Loom
    }
}

/// The trusted checkout: GRADER_COURSE_ROOT if set, else the one this grader was built from.
pub fn checkout_root() -> PathBuf {
    std::env::var_os("GRADER_COURSE_ROOT").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("grader/ has a parent").to_path_buf()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_course_loads_and_selects() {
        let course = Course::load(&checkout_root()).unwrap();
        let first = &course.exercises[0];
        assert_eq!(first.dir(), "01-threads");
        for sel in ["01", "1", "threads", "01-threads"] {
            assert_eq!(course.select(Some(sel)).unwrap()[0].dir(), "01-threads", "{sel}");
        }
        assert_eq!(course.select(Some("threads,1")).unwrap().len(), 1);
        let err = course.select(Some("nope")).unwrap_err().to_string();
        assert!(err.contains("01-threads"), "{err}");
    }

    #[test]
    fn every_exercise_has_its_files() {
        let course = Course::load(&checkout_root()).unwrap();
        for ex in &course.exercises {
            let dir = course.exercise_dir(ex);
            for f in ["Cargo.toml", "README.md", "src/lib.rs", "examples/demo.rs"] {
                assert!(dir.join(f).is_file(), "{} lacks {f}", dir.display());
            }
            for flavor in course.flavors(ex) {
                assert!(course.suite_file(ex, flavor).is_file(), "{} lacks its {flavor:?} suite", ex.dir());
            }
            // A class's repository (`grader export`) has no solutions/; the course's has them all.
            let solutions = course.root.join("solutions");
            assert!(!solutions.is_dir() || solutions.join(ex.dir()).join("src").is_dir(), "{}", ex.dir());
        }
    }
}
