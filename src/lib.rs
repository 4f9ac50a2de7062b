//! Helpers for the project's end-to-end tests in `tests/`: run the real grader binary on a
//! submission, read its JSON report, and build known-wrong submissions from the solutions.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

/// The checkout this crate lives in.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The grader binary, built once per test process (cargo releases its lock while tests run).
pub fn grader_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "grader"])
            .current_dir(root())
            .status()
            .expect("run cargo build -p grader");
        assert!(status.success(), "cargo build -p grader failed");
        target_dir().join("debug").join(format!("grader{}", std::env::consts::EXE_SUFFIX))
    })
    .clone()
}

/// The cargo target directory the tests build in.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// A grader command with a plain, non-interactive environment.
pub fn grader() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(grader_bin());
    cmd.current_dir(root()).env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    cmd
}

/// Runs the grader with `args` plus `--format json`; returns the report and the exit code.
pub fn grade_json(args: &[&str]) -> (Value, i32) {
    let out = grader().args(args).args(["--format", "json"]).output().expect("run the grader");
    let text = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "grader printed no JSON report ({e}):\n{text}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out.status.code().unwrap_or(-1))
}

/// Whether every protection would be in force around a test here: `--require-sandbox` grades
/// rather than refuses (exit 2).
pub fn sandbox_complete() -> bool {
    let out = grader()
        .args(["--submission", "solutions", "01", "no_jobs_give_no_results", "--require-sandbox"])
        .output()
        .expect("run the grader");
    out.status.code() != Some(2)
}

/// The report of one exercise (`01-threads`).
pub fn exercise<'a>(report: &'a Value, dir: &str) -> &'a Value {
    report["exercises"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["dir"] == dir))
        .unwrap_or_else(|| panic!("no exercise {dir} in the report"))
}

/// The report of one test of one exercise.
pub fn test<'a>(report: &'a Value, dir: &str, name: &str) -> &'a Value {
    exercise(report, dir)["tests"]
        .as_array()
        .and_then(|a| a.iter().find(|t| t["name"] == name))
        .unwrap_or_else(|| panic!("no test {name} in {dir}: {:#}", exercise(report, dir)))
}

/// A known-wrong implementation, and what must catch it. Declared in `tests/wrong/NN-name.toml`:
/// the reference solution with `edit`s, or a `src/` written from scratch as a student would, in
/// `tests/wrong/NN-name/SCRATCH/src/`, with `edit`s of its own where several flaws share one
/// student's code.
#[derive(Debug, Clone, Deserialize)]
pub struct Wrong {
    pub name: String,
    /// What is wrong, in a few words.
    pub what: String,
    /// Hidden tests that must not pass on it.
    pub caught_by: Vec<String>,
    /// The status those tests must have (`fail`, `timeout`, `crash`), if it matters.
    pub status: Option<String>,
    /// Text their message must contain, if it matters (for example "deadlock").
    pub message: Option<String>,
    /// Text the hint each of them shows must contain: the hint must fit this flaw.
    pub hint: Option<String>,
    #[serde(default)]
    pub edit: Vec<Edit>,
    /// A folder under `tests/wrong/NN-name/` holding a whole `src/` written from scratch.
    pub scratch: Option<String>,
    /// Set by [`load_wrong`]: the exercise folder.
    #[serde(skip)]
    pub exercise: String,
}

/// Replace `find`, which must occur exactly once, with `replace` in `file` (under src/).
#[derive(Debug, Clone, Deserialize)]
pub struct Edit {
    #[serde(default = "lib_rs")]
    pub file: String,
    pub find: String,
    pub replace: String,
}

fn lib_rs() -> String {
    "lib.rs".into()
}

#[derive(Deserialize)]
struct WrongFile {
    wrong: Vec<Wrong>,
}

/// Every known-wrong implementation under `tests/wrong/`, by exercise then file order.
pub fn load_wrong() -> Vec<Wrong> {
    load_dir("tests/wrong")
}

/// Every variant declared in the `NN-name.toml` files of a folder of the checkout.
pub fn load_dir(folder: &str) -> Vec<Wrong> {
    let dir = root().join(folder);
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("tests/wrong").flatten().map(|e| e.path()).collect();
    files.sort();
    let mut all = Vec::new();
    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "toml")) {
        let text = std::fs::read_to_string(file).expect("read a wrong-implementation file");
        let parsed: WrongFile = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let exercise = file.file_stem().expect("file name").to_string_lossy().into_owned();
        all.extend(parsed.wrong.into_iter().map(|mut w| {
            w.exercise = exercise.clone();
            w
        }));
    }
    all
}

/// Writes `wrong` as a submission under `into` (laid out like exercises/): its own `src/` when
/// written from scratch, else the solution's with the edits applied. Panics if an edit no longer
/// matches the solution.
pub fn write_wrong(wrong: &Wrong, into: &Path) {
    let from = match &wrong.scratch {
        Some(folder) => root().join("tests/wrong").join(&wrong.exercise).join(folder).join("src"),
        None => root().join("solutions").join(&wrong.exercise).join("src"),
    };
    let to = into.join(&wrong.exercise).join("src");
    copy_tree(&from, &to);
    for edit in &wrong.edit {
        let path = to.join(&edit.file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let hits = text.matches(&edit.find).count();
        assert_eq!(
            hits, 1,
            "{}/{}: the edit's `find` occurs {hits} times in {}",
            wrong.exercise, wrong.name, edit.file
        );
        std::fs::write(&path, text.replacen(&edit.find, &edit.replace, 1)).expect("write the edit");
    }
}

/// A correct implementation written differently from the reference: a whole `src/` in
/// `tests/correct/NN-name/NAME/src/`. Every hidden test must pass it.
#[derive(Debug, Clone)]
pub struct Alternate {
    /// The exercise folder, `01-threads`.
    pub exercise: String,
    pub name: String,
    /// Its `src/` folder.
    pub src: PathBuf,
}

/// Every correct alternate under `tests/correct/`, by exercise then name.
pub fn load_alternates() -> Vec<Alternate> {
    let mut all = Vec::new();
    for kata in sorted_dirs(&root().join("tests/correct")) {
        for variant in sorted_dirs(&kata) {
            all.push(Alternate {
                exercise: file_name(&kata),
                name: file_name(&variant),
                src: variant.join("src"),
            });
        }
    }
    all
}

/// Writes `alt` as a submission under `into`, laid out like exercises/.
pub fn write_alternate(alt: &Alternate, into: &Path) {
    copy_tree(&alt.src, &into.join(&alt.exercise).join("src"));
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn file_name(path: &Path) -> String {
    path.file_name().expect("a named folder").to_string_lossy().into_owned()
}

/// Copies a folder of files recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a folder");
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())).flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// Processes still alive that run a hidden-suite binary built in this checkout's target
/// directory: there must be none after grading.
pub fn stray_test_processes() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return vec![] };
    let ours = target_dir().join("debug/deps");
    dir.flatten()
        .filter_map(|e| {
            let exe = std::fs::read_link(e.path().join("exe")).ok()?;
            let name = exe.file_name()?.to_string_lossy().into_owned();
            (name.starts_with("hidden-") && exe.parent() == Some(ours.as_path()))
                .then(|| format!("{} {}", e.file_name().to_string_lossy(), exe.display()))
        })
        .collect()
}

/// Checks `value` against the subset of JSON Schema that docs/*.schema.json use: `type`,
/// `enum`, `required`, `properties`, `additionalProperties: false`, `items`, `oneOf` and local
/// `$ref`s. Returns every violation with its JSON path.
pub fn schema_errors(schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check_schema(schema, schema, value, "$", &mut errors);
    errors
}

fn check_schema(root: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let target = r.trim_start_matches("#/").split('/').fold(root, |node, key| &node[key]);
        return check_schema(root, target, value, path, errors);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let matching = options.iter().filter(|o| schema_errors_at(root, o, value, path).is_empty()).count();
        if matching != 1 {
            errors.push(format!("{path}: matches {matching} of the oneOf options"));
        }
        return;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let type_ok = |t: &str| match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    };
    if !types.is_empty() && !types.iter().any(|t| type_ok(t)) {
        errors.push(format!("{path}: expected {types:?}, found {value}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    if let Some(obj) = value.as_object() {
        for key in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !obj.contains_key(key) {
                errors.push(format!("{path}: missing `{key}`"));
            }
        }
        for (key, v) in obj {
            match schema["properties"].get(key) {
                Some(sub) => check_schema(root, sub, v, &format!("{path}.{key}"), errors),
                None if schema["additionalProperties"] == Value::Bool(false) => {
                    errors.push(format!("{path}: unexpected `{key}`"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            check_schema(root, items, v, &format!("{path}[{i}]"), errors);
        }
    }
}

fn schema_errors_at(root: &Value, schema: &Value, value: &Value, path: &str) -> Vec<String> {
    let mut errors = Vec::new();
    check_schema(root, schema, value, path, &mut errors);
    errors
}

/// The public items of every `.rs` file under `src`, one normalised signature each, by file.
/// Stub and solution must agree on these, so their APIs never drift. Items of restricted
/// visibility (`pub(super)`, `pub(crate)`: a solution's private platform module) are not API.
pub fn public_api(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    collect_rs(src, src, &mut files);
    files.sort();
    let mut api = Vec::new();
    for rel in files {
        let text = std::fs::read_to_string(src.join(&rel)).expect("read a source file");
        let mut current: Option<String> = None;
        for line in text.lines().map(str::trim) {
            if current.is_none() && line.starts_with("pub ") {
                if line.ends_with(',') {
                    api.push(format!("{rel}: {line}")); // a field
                    continue;
                }
                current = Some(String::new());
            }
            if let Some(sig) = current.as_mut() {
                let end = line.find(['{', ';']);
                sig.push_str(&line[..end.unwrap_or(line.len())]);
                sig.push(' ');
                if end.is_some() {
                    // A parameter's `mut` is the body's business, not the API's.
                    let norm = sig
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .replace("(mut ", "(")
                        .replace(", mut ", ", ");
                    api.push(format!("{rel}: {norm}"));
                    current = None;
                }
            }
        }
    }
    api
}

fn collect_rs(base: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rs(base, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path.strip_prefix(base).expect("under base").to_string_lossy().into_owned());
        }
    }
}

/// A copy of the checkout (the files git tracks or would track) in a temporary git repository,
/// for tests that change a student's files; the grader reads it through GRADER_COURSE_ROOT.
pub fn course_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let listed = Command::new("git")
        .args(["ls-files", "--cached", "--others", "--exclude-standard", "-z"])
        .current_dir(root())
        .output()
        .expect("git ls-files");
    for file in String::from_utf8_lossy(&listed.stdout).split('\0').filter(|f| !f.is_empty()) {
        let (from, to) = (root().join(file), dir.path().join(file));
        if from.is_file() {
            std::fs::create_dir_all(to.parent().expect("a parent")).expect("create a folder");
            std::fs::copy(&from, &to).expect("copy a file");
        }
    }
    // The katas' src/ as the course ships them, whatever the student has done in this checkout.
    let exercises = dir.path().join("exercises");
    for kata in kata_dirs(&root()) {
        let _ = std::fs::remove_dir_all(exercises.join(&kata).join("src"));
    }
    write_stubs(&root(), &exercises);
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "course"],
    ] {
        let ok = Command::new("git").args(args).current_dir(dir.path()).status().expect("git").success();
        assert!(ok, "git {args:?} failed");
    }
    dir
}

/// The grader on a course copy, building in this checkout's target directory (deps are shared).
pub fn grader_in(course: &Path) -> assert_cmd::Command {
    let mut cmd = grader();
    cmd.current_dir(course).env("GRADER_COURSE_ROOT", course).env("GRADER_TARGET_DIR", target_dir());
    cmd
}

/// The katas of the checkout at `course`: the folder names under exercises/ (`01-threads`).
pub fn kata_dirs(course: &Path) -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir(course.join("exercises"))
        .expect("exercises/")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    dirs
}

fn git_out(course: &Path, args: &[&str]) -> String {
    let out = Command::new("git").args(args).current_dir(course).output().expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The commit whose `exercises/KATA/src` is the kata's stub as the course ships it: the last
/// one that changed its solution or hidden suite (files only the course's authors change), as
/// `grader reset` finds it. A student's own commits of their work do not move it.
pub fn stub_commit(course: &Path, kata: &str) -> String {
    let suite = format!("grader/suites/{kata}.rs");
    let rev = git_out(course, &["log", "-1", "--format=%H", "--", &format!("solutions/{kata}"), &suite]);
    let rev = rev.trim();
    assert!(!rev.is_empty(), "no commit of {} has {kata}", course.display());
    rev.to_string()
}

/// Writes every kata's stub `src/` as the course ships it, read from git rather than the
/// working tree (which holds the student's work), into `into/NN-name/src/`.
pub fn write_stubs(course: &Path, into: &Path) {
    for kata in kata_dirs(course) {
        let rev = stub_commit(course, &kata);
        let src = format!("exercises/{kata}/src");
        let listed = git_out(course, &["ls-tree", "-r", "--name-only", &rev, "--", &src]);
        for file in listed.lines() {
            let bytes = Command::new("git")
                .args(["show", &format!("{rev}:{file}")])
                .current_dir(course)
                .output()
                .expect("git show")
                .stdout;
            let to = into.join(file.strip_prefix("exercises/").expect("under exercises/"));
            std::fs::create_dir_all(to.parent().expect("a parent")).expect("create a folder");
            std::fs::write(&to, bytes).expect("write a stub");
        }
    }
}

/// The stubs of this checkout as the course ships them, in a folder laid out like exercises/
/// (to grade with `--submission`), whatever state the student's exercises/ is in.
pub fn pristine_stubs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    write_stubs(&root(), dir.path());
    dir
}

/// A job for `grader __supervise`, as the grader sends it (its `supervisor::Job`), with the
/// default limits: the one place the tests spell that wire shape.
pub fn supervisor_job(
    program: &Path,
    args: &[&str],
    cwd: &Path,
    result: &Path,
    unreadable: &[&Path],
) -> Value {
    serde_json::json!({
        "program": program, "args": args, "cwd": cwd, "result_path": result, "nonce": "0".repeat(32),
        "deadline_ms": 30000, "unreadable": unreadable,
        "limits": {"memory_bytes": 2u64 << 30, "processes": 64, "tasks": 1024, "file_bytes": 64u64 << 20,
                   "output_keep": 16384, "output_stop": 64u64 << 20},
    })
}
