//! Build: one cargo invocation for every selected exercise, `--keep-going`, under a deadline.
//! An exercise that does not compile fails alone and keeps cargo's own diagnostics.

pub mod cache;

use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cargo_metadata::Message;

use crate::course::{Exercise, Flavor};
use crate::stage::Staged;
use crate::supervisor::capture::read_capped;
use crate::supervisor::process_group;

/// The result of building one exercise's hidden suite against the student's code.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Built {
    /// The suite binary to run.
    Ready(PathBuf),
    /// It did not compile (or the build ran out of time): what cargo and rustc said.
    Failed { diagnostics: String },
}

#[derive(Debug)]
pub struct BuildReport {
    /// Keyed by exercise folder name (`01-threads`).
    pub exercises: BTreeMap<String, Built>,
    pub duration: Duration,
    /// Stopped at the build deadline: nothing of it may be reused.
    pub timed_out: bool,
}

pub struct BuildOptions<'a> {
    /// The target directory; loom builds put what `--cfg loom` changes in a folder of their own.
    pub target_dir: &'a Path,
    pub timeout: Duration,
    pub color: bool,
}

/// Builds the `flavor` suites of `exercises` in the staged workspace.
pub fn build(
    staged: &Staged,
    exercises: &[Exercise],
    flavor: Flavor,
    opts: &BuildOptions,
) -> Result<BuildReport> {
    let start = Instant::now();
    let format = if opts.color { "json-diagnostic-rendered-ansi" } else { "json" };
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(["build", "--keep-going", "--test", flavor.target(), "--message-format", format])
        .args(exercises.iter().flat_map(|e| ["-p", e.package()]))
        .current_dir(&staged.dir)
        .env("CARGO_TARGET_DIR", opts.target_dir)
        .env("RUSTFLAGS", "");
    if flavor.is_loom() {
        loom_flags(&mut cmd, opts.target_dir);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    process_group::isolate(&mut cmd);
    let mut child = cmd.spawn().context("starting cargo")?;
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let messages = std::thread::spawn(move || collect_messages(stdout, flavor.target()));
    let errors = std::thread::spawn(move || read_capped(stderr, 64 * 1024, u64::MAX));
    let timed_out = process_group::wait_or_kill(&mut child, opts.timeout)?.is_none();
    let collected = messages.join().expect("message reader");
    let cargo_stderr = errors.join().expect("stderr reader").text;

    let mut built_map = BTreeMap::new();
    for ex in exercises {
        let dir = ex.dir();
        let built = match collected.suites.get(&dir) {
            Some(exe) => Built::Ready(exe.clone()),
            None => {
                let mut diagnostics = collected.diagnostics.get(&dir).cloned().unwrap_or_default();
                if diagnostics.trim().is_empty() {
                    diagnostics = cargo_stderr.clone();
                }
                if timed_out {
                    diagnostics.push_str(&format!(
                        "\nthe build did not finish within {} s and was stopped",
                        opts.timeout.as_secs()
                    ));
                }
                Built::Failed { diagnostics }
            }
        };
        built_map.insert(dir, built);
    }
    Ok(BuildReport { exercises: built_map, duration: start.elapsed(), timed_out })
}

/// `--cfg loom` for the code the tests run, and none for proc macros and build scripts.
///
/// With an explicit `--target` (the host's), RUSTFLAGS skip host artifacts, so the loom build
/// reuses the normal build's proc macros and build scripts (about 4 s of a cold start) and
/// keeps its own copy of everything else under `TARGET_DIR/<host>/`. Without `rustc` to name
/// the host, a target directory of its own keeps the two builds from rebuilding each other.
fn loom_flags(cmd: &mut Command, target_dir: &Path) {
    cmd.env("RUSTFLAGS", "--cfg loom");
    match host_tuple() {
        Some(host) => cmd.args(["--target", &host]),
        None => cmd.env("CARGO_TARGET_DIR", target_dir.join("loom")),
    };
}

/// The host's target tuple, as `rustc --print host-tuple` names it.
fn host_tuple() -> Option<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc).args(["--print", "host-tuple"]).stdin(Stdio::null()).output().ok()?;
    let host = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !host.is_empty()).then_some(host)
}

#[derive(Default)]
struct Collected {
    suites: BTreeMap<String, PathBuf>,
    diagnostics: BTreeMap<String, String>,
}

/// Sorts cargo's JSON messages by the package they concern.
fn collect_messages(stdout: impl std::io::Read, target: &str) -> Collected {
    let mut out = Collected::default();
    for message in Message::parse_stream(BufReader::new(stdout)).map_while(Result::ok) {
        if let Message::CompilerArtifact(a) = &message {
            crate::report::live::compiled(&a.target.name);
        }
        match message {
            Message::CompilerArtifact(a) if a.target.name == target && a.profile.test => {
                if let Some(exe) = a.executable {
                    out.suites.insert(package_of(a.manifest_path.as_std_path()), exe.into_std_path_buf());
                }
            }
            Message::CompilerMessage(m) => {
                if let Some(text) = m.message.rendered {
                    out.diagnostics
                        .entry(package_of(m.target.src_path.as_std_path()))
                        .or_default()
                        .push_str(&text);
                }
            }
            _ => {}
        }
    }
    out
}

/// `.../stage/katas-0/01-threads/...` → `01-threads`.
fn package_of(path: &Path) -> String {
    let parts: Vec<_> = path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts
        .iter()
        .rposition(|p| p.starts_with("katas-"))
        .and_then(|i| parts.get(i + 1))
        .cloned()
        .unwrap_or_default()
}
