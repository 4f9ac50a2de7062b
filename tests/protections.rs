//! Every report states once per run which protections were around the tests, each in force or
//! not with why, the same in every format; `--require-sandbox` refuses to grade when one would
//! be missing, and names it.

use katas::{grade_json, grader, root};
use serde_json::Value;
use serial_test::serial;

/// The protections, by their JSON keys, in report order.
const KEYS: [&str; 5] =
    ["read_only_disk", "hidden_unreadable", "memory_access_blocked", "network_isolated", "pids_cgroup"];

/// One quick test of the reference solution of kata 01.
const ONE_TEST: [&str; 4] = ["--submission", "solutions", "01", "no_jobs_give_no_results"];

/// `in force: how` or `not in force: why`, as JUnit properties and summary lines spell it.
fn stated(p: &Value) -> String {
    let said = if p["in_force"] == true { "in force" } else { "not in force" };
    format!("{said}: {}", p["detail"].as_str().unwrap())
}

/// The protections of a JSON report, checked for shape: every key, a boolean and a reason.
fn protections(report: &Value) -> &Value {
    let p = &report["protections"];
    for key in KEYS {
        assert!(p[key]["in_force"].is_boolean(), "{key}: {p:#}");
        assert!(!p[key]["detail"].as_str().unwrap_or_default().is_empty(), "{key} says how or why: {p:#}");
    }
    p
}

#[test]
#[serial(grader)]
fn every_format_states_the_protections_of_the_run_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name);
    let write = |format: &str, name: &str| format!("{format}={}", file(name).display());
    let out = grader()
        .args(ONE_TEST)
        .args([
            "--format",
            "json",
            "--write",
            &write("junit", "r.xml"),
            "--write",
            &write("gradescope", "gs.json"),
        ])
        .args(["--write", &write("human", "human.txt")])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema_version"], 3);
    let p = protections(&report);

    let human = std::fs::read_to_string(file("human.txt")).unwrap();
    let lines: Vec<&str> = human.lines().filter(|l| l.starts_with("Sandbox ")).collect();
    assert_eq!(lines.len(), 1, "one line per run: {human}");
    for key in KEYS.iter().filter(|k| p[**k]["in_force"] == false) {
        let why = p[key]["detail"].as_str().unwrap();
        assert!(
            lines[0].contains("NOT in force") && lines[0].contains(why),
            "{key} missing, and why: {}",
            lines[0]
        );
    }

    let xml = std::fs::read_to_string(file("r.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    for suite in doc.descendants().filter(|n| n.has_tag_name("testsuite")) {
        for key in KEYS {
            let name = format!("protection.{key}");
            let props: Vec<&str> = suite
                .descendants()
                .filter(|n| n.has_tag_name("property") && n.attribute("name") == Some(&name))
                .filter_map(|n| n.attribute("value"))
                .collect();
            assert_eq!(props, [stated(&p[key])], "{name} in {xml}");
        }
    }

    let gs: Value = serde_json::from_str(&std::fs::read_to_string(file("gs.json")).unwrap()).unwrap();
    assert_eq!(&gs["extra_data"]["protections"], p);
    let output = gs["output"].as_str().unwrap();
    assert_eq!(output.matches("Sandbox ").count(), 1, "{output}");
    assert!(output.contains(lines[0]), "the same line as the human report: {output}");
}

#[test]
#[serial(grader)]
fn the_class_summary_has_a_column_per_protection() {
    let subs = tempfile::tempdir().unwrap();
    katas::copy_tree(&root().join("solutions/01-threads"), &subs.path().join("alice/01-threads"));
    let out = tempfile::tempdir().unwrap();
    let status = grader()
        .args(["batch", &subs.path().to_string_lossy(), "--out", &out.path().to_string_lossy()])
        .args(["--exercise", "01", "--test", ONE_TEST[3]])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("alice.json")).unwrap()).unwrap();
    let p = protections(&report);
    let mut summary = csv::Reader::from_path(out.path().join("summary.csv")).unwrap();
    let header = summary.headers().unwrap().clone();
    let row = summary.records().next().unwrap().unwrap();
    for key in KEYS {
        let at =
            header.iter().position(|h| h == key).unwrap_or_else(|| panic!("no column {key}: {header:?}"));
        let want = if p[key]["in_force"] == true {
            "yes".to_string()
        } else {
            format!("no: {}", p[key]["detail"].as_str().unwrap())
        };
        assert_eq!(&row[at], want, "{key}");
    }
}

#[test]
#[serial(grader)]
fn require_sandbox_grades_only_with_every_protection_in_force() {
    let (report, _) = grade_json(&ONE_TEST);
    let p = protections(&report);
    let missing: Vec<&str> = KEYS.into_iter().filter(|k| p[*k]["in_force"] == false).collect();
    let out = grader().args(ONE_TEST).args(["--require-sandbox", "--format", "json"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    if missing.is_empty() {
        assert!(out.status.success(), "everything is in force, so it grades: {said}");
        return;
    }
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(out.stdout.is_empty(), "no report, no grade: {}", String::from_utf8_lossy(&out.stdout));
    assert!(said.contains("--require-sandbox: refusing to grade"), "{said}");
    // A batch refuses once, up front, with the same reasons, and grades no submission.
    let subs = tempfile::tempdir().unwrap();
    katas::copy_tree(&root().join("solutions/01-threads"), &subs.path().join("alice/01-threads"));
    let grades = tempfile::tempdir().unwrap();
    let batch = grader()
        .args(["batch", &subs.path().to_string_lossy(), "--out", &grades.path().to_string_lossy()])
        .args(["--exercise", "01", "--require-sandbox"])
        .output()
        .unwrap();
    let batch_said = String::from_utf8_lossy(&batch.stderr);
    assert_eq!(batch.status.code(), Some(2), "{batch_said}");
    assert!(batch_said.contains("--require-sandbox: refusing to grade"), "{batch_said}");
    assert!(!grades.path().join("summary.csv").exists(), "nothing graded");
    for key in missing {
        let label = key.replace('_', " ").replace("hidden unreadable", "hidden folders unreadable");
        assert!(said.contains(&label) && said.contains(p[key]["detail"].as_str().unwrap()), "{key}: {said}");
    }
}

/// As an ordinary user the kernel gives no pids cgroup, so `--require-sandbox` refuses, before
/// anything is staged or built, and says why.
#[test]
#[cfg(target_os = "linux")]
fn require_sandbox_refuses_an_ordinary_user_and_names_the_missing_cgroup() {
    let setpriv =
        std::process::Command::new("setpriv").arg("--version").output().is_ok_and(|o| o.status.success());
    if !nix::unistd::geteuid().is_root() || !setpriv {
        eprintln!("skipped: needs root and setpriv to become an ordinary user");
        return;
    }
    let target = tempfile::tempdir().unwrap();
    let open = std::os::unix::fs::PermissionsExt::from_mode(0o777);
    std::fs::set_permissions(target.path(), open).unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(katas::grader_bin())
        .args(ONE_TEST)
        .args(["--require-sandbox", "--target-dir", &target.path().to_string_lossy()])
        .current_dir(root())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("--require-sandbox: refusing to grade") && said.contains("pids cgroup ("),
        "{said}"
    );
    assert!(!target.path().join("grader/stage").exists(), "nothing staged");
}
