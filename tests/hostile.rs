//! Hostile and broken submissions: the grader survives each, gives the verdict and the
//! sentence declared in tests/hostile/, and leaves nothing running or changed.

use std::process::Command;

use katas::{Wrong, exercise, grade_json, root, stray_test_processes, test, write_wrong};
use serial_test::serial;

fn tracked_changes() -> String {
    let out = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .current_dir(root())
        .output()
        .expect("git status");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn hostile() -> Vec<Wrong> {
    katas::load_dir("tests/hostile")
}

/// Processes whose command line contains `needle`, other than this test's own.
fn processes_running(needle: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return vec![] };
    dir.flatten()
        .filter_map(|e| {
            let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            cmd.contains(needle).then_some(cmd)
        })
        .collect()
}

#[test]
#[serial(grader)]
fn every_hostile_submission_gets_its_verdict_and_leaves_nothing_behind() {
    let before = tracked_changes();
    let mut wrong_verdicts = Vec::new();
    for case in hostile() {
        let dir = tempfile::tempdir().unwrap();
        write_wrong(&case, dir.path());
        let sub = dir.path().to_string_lossy().into_owned();
        let tests = case.caught_by.join(",");
        let out = katas::grader()
            .args(["--submission", &sub, &case.exercise, &tests, "--format", "json"])
            .args(["--deadline", "4", "--build-timeout", "45", "--memory-mib", "512"])
            .env("GRADER_TARGET_DIR", katas::target_dir())
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{}: no report ({e}): {}", case.name, String::from_utf8_lossy(&out.stderr))
        });
        if case.status.as_deref() == Some("not-run") {
            let diagnostics =
                exercise(&report, &case.exercise)["diagnostics"].as_str().unwrap_or("").to_string();
            assert!(!diagnostics.is_empty(), "{}: a kata that is not run says why", case.name);
        }
        for name in &case.caught_by {
            let t = test(&report, &case.exercise, name);
            let (status, message) = (t["status"].as_str().unwrap_or(""), t["message"].as_str().unwrap_or(""));
            let want = case.status.as_deref().unwrap_or("fail");
            if status != want || case.message.as_deref().is_some_and(|m| !message.contains(m)) {
                wrong_verdicts.push(format!("{}: {name} gave {status}: {message}", case.name));
            }
            if want == "pass" {
                assert_eq!(out.status.code(), Some(0), "{}", case.name);
            }
        }
        assert!(stray_test_processes().is_empty(), "{} left test processes", case.name);
        assert!(processes_running("sleep 31337").is_empty(), "{} left its daemon", case.name);
    }
    assert!(wrong_verdicts.is_empty(), "wrong verdicts:\n{}", wrong_verdicts.join("\n"));
    assert_eq!(tracked_changes(), before, "grading hostile code changed tracked files");
}

#[test]
#[serial(grader)]
fn a_compile_time_hang_fails_only_its_exercise() {
    let case = hostile().into_iter().find(|c| c.name == "compile-time-hang").unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_wrong(&case, dir.path());
    let course = std::fs::read_to_string(root().join("grader/course.toml")).unwrap();
    let other = course
        .lines()
        .filter_map(|l| l.strip_prefix("name = "))
        .nth(1)
        .map(|n| n.trim_matches('"').to_string());
    let mut selector = case.exercise.clone();
    if let Some(other) = &other {
        let other_dir = std::fs::read_dir(root().join("solutions"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|d| d.ends_with(&format!("-{other}")))
            .unwrap();
        katas::copy_tree(&root().join("solutions").join(&other_dir), &dir.path().join(&other_dir));
        selector = format!("{selector},{other}");
    }
    let sub = dir.path().to_string_lossy().into_owned();
    let started = std::time::Instant::now();
    let (report, code) = grade_json(&["--submission", &sub, &selector, "--build-timeout", "30"]);
    assert_ne!(code, 0);
    assert!(started.elapsed().as_secs() < 150, "the build deadline did not hold");
    let hung = exercise(&report, &case.exercise);
    assert_eq!(hung["compiled"], false);
    assert!(hung["diagnostics"].as_str().unwrap().contains("did not finish within 30 s"), "{hung}");
    if other.is_some() {
        let fine = &report["exercises"][1];
        assert_eq!(fine["compiled"], true, "{fine}");
    }
}

#[test]
#[serial(grader)]
fn edits_outside_src_are_ignored_and_listed() {
    // A whole checkout whose grader, manifest, build script and tests were all "improved".
    let dir = tempfile::tempdir().unwrap();
    let checkout = dir.path();
    katas::copy_tree(&root().join("solutions"), &checkout.join("exercises"));
    let ex = checkout.join("exercises/01-threads");
    std::fs::write(
        ex.join("Cargo.toml"),
        "[package]\nname = \"threads\"\nversion = \"9.9.9\"\nbuild = \"build.rs\"\n",
    )
    .unwrap();
    std::fs::write(ex.join("build.rs"), "fn main() { panic!(\"build scripts never run\") }").unwrap();
    std::fs::create_dir_all(ex.join("tests")).unwrap();
    std::fs::write(ex.join("tests/visible.rs"), "#[test] fn ok() {}").unwrap();
    std::fs::create_dir_all(checkout.join("grader/suites")).unwrap();
    std::fs::write(checkout.join("grader/suites/01-threads.rs"), "fn main() {}").unwrap();
    std::fs::write(checkout.join("Cargo.toml"), "[workspace]\n").unwrap();
    // Its src is the stub: the real hidden suite must still judge it.
    let stubs = katas::pristine_stubs();
    katas::copy_tree(&stubs.path().join("01-threads/src"), &ex.join("src"));
    let sub = checkout.to_string_lossy().into_owned();
    let (report, code) = grade_json(&["--submission", &sub, "01"]);
    assert_ne!(code, 0, "the stub must still fail");
    let threads = exercise(&report, "01-threads");
    let ignored: Vec<&str> =
        threads["ignored_files"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    for f in ["Cargo.toml", "build.rs", "tests/visible.rs"] {
        assert!(ignored.contains(&f), "{f} not listed as ignored: {ignored:?}");
    }
    let top: Vec<&str> =
        report["ignored_files"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert!(top.contains(&"grader/suites/01-threads.rs") && top.contains(&"Cargo.toml"), "{top:?}");
    for t in threads["tests"].as_array().unwrap() {
        assert!(t["not_implemented"] == true || t["status"] == "skipped", "judged by the real suite: {t}");
    }
}

#[test]
#[serial(grader)]
fn files_a_kata_gives_are_taken_from_the_grader() {
    // Kata 13 gives src/sync.rs, the facade its loom checks rely on. An edited copy is ignored.
    let course = std::fs::read_to_string(root().join("grader/course.toml")).unwrap();
    if !course.contains("given = [\"src/sync.rs\"]") {
        eprintln!("skipped: no kata gives src/sync.rs in this course");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let kata = dir.path().join("13-spin-lock");
    katas::copy_tree(&root().join("solutions/13-spin-lock"), &kata);
    let facade = kata.join("src/sync.rs");
    let edited = format!(
        "{}\ncompile_error!(\"an edited facade must never be built\");\n",
        std::fs::read_to_string(&facade).unwrap()
    );
    std::fs::write(&facade, edited).unwrap();
    let sub = dir.path().to_string_lossy().into_owned();
    let (report, _) = grade_json(&["--submission", &sub, "13", "spin_lock_guards_the_value"]);
    let ex = exercise(&report, "13-spin-lock");
    assert_eq!(ex["compiled"], true, "the trusted facade was used: {ex}");
    assert_eq!(ex["ignored_files"], serde_json::json!(["src/sync.rs"]));
    assert_eq!(test(&report, "13-spin-lock", "spin_lock_guards_the_value")["status"], "pass");
}

/// What `both` tries when it is called: to write by absolute path to the build cache, the
/// checkout's hidden suite and /tmp, and to read the staged hidden suite and the private suites
/// named on the grader's command line. It panics with what it could reach.
const TAMPER: &str = r#"let ha = thread::spawn(a);
    {
        let exe = std::env::current_exe().unwrap();
        let mut reached: Vec<String> = Vec::new();
        // Opened for appending, nothing written; a file it had to create is removed again.
        let mut try_write = |what: &str, path: std::path::PathBuf| {
            let existed = path.exists();
            if std::fs::OpenOptions::new().append(true).create(true).open(&path).is_ok() {
                reached.push(format!("wrote to {what} ({})", path.display()));
                if !existed {
                    let _ = std::fs::remove_file(&path);
                }
            }
        };
        try_write("the build cache", exe.with_file_name("planted-by-a-submission"));
        for dir in exe.ancestors() {
            let suite = dir.join("grader/suites/01-threads.rs");
            if suite.exists() {
                try_write("a hidden suite", suite);
            }
        }
        try_write("the system's /tmp", std::path::PathBuf::from("/tmp/planted-by-a-submission"));
        std::fs::write("mine.txt", "the scratch folder is writable").expect("write to the scratch folder");
        std::fs::write(std::env::temp_dir().join("mine.txt"), "so is TMPDIR").expect("write to TMPDIR");

        let stage = exe.ancestors().map(|d| d.join("grader/stage")).find(|d| d.is_dir());
        let staged = stage.expect("the staging folder is above the suite").join("katas-0/01-threads/tests/hidden.rs");
        if std::fs::read(&staged).is_ok() {
            reached.push(format!("read a staged hidden suite ({})", staged.display()));
        }
        // The folder given as --private-suites (a student could learn it from the course's instructions).
        let private = std::path::PathBuf::from("PRIVATE_DIR");
        if std::fs::read_dir(&private).is_ok_and(|mut d| d.next().is_some()) {
            reached.push(format!("listed the private suites ({})", private.display()));
        }
        assert!(reached.is_empty(), "a submission {reached:?}");
    }"#;

/// The grader as the tests start it, and, where this process is root and `setpriv` exists, the
/// same grader without CAP_SYS_ADMIN, as an ordinary user (a GitHub runner's `runner`) has none.
fn graders() -> Vec<(&'static str, assert_cmd::Command)> {
    let mut all = vec![("as started", katas::grader())];
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok_and(|o| o.status.success());
    if cfg!(target_os = "linux") && nix::unistd::geteuid().is_root() && setpriv {
        let mut cmd = assert_cmd::Command::new("setpriv");
        cmd.args(["--inh-caps=-sys_admin", "--bounding-set=-sys_admin"]).arg(katas::grader_bin());
        cmd.current_dir(root()).env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
        all.push(("without CAP_SYS_ADMIN", cmd));
    }
    all
}

#[test]
#[serial(grader)]
fn a_test_can_write_only_to_its_own_folders_and_cannot_read_private_suites() {
    let dir = tempfile::tempdir().unwrap();
    let private = tempfile::tempdir().unwrap();
    std::fs::copy(root().join("grader/suites/01-threads.rs"), private.path().join("01-threads.rs")).unwrap();
    let hidden = private.path().to_string_lossy().into_owned();
    let tamper = Wrong {
        name: "tamper".into(),
        what: "writes outside its folders and reads the private suites".into(),
        caught_by: vec![],
        status: None,
        message: None,
        hint: None,
        scratch: None,
        edit: vec![katas::Edit {
            file: "lib.rs".into(),
            find: "let ha = thread::spawn(a);".into(),
            replace: TAMPER.replace("PRIVATE_DIR", &hidden),
        }],
        exercise: "01-threads".into(),
    };
    write_wrong(&tamper, dir.path());
    let sub = dir.path().to_string_lossy().into_owned();
    for (how, mut grader) in graders() {
        let out = grader
            .args([
                "--submission",
                &sub,
                "--private-suites",
                &hidden,
                "01",
                "both_returns_both_results",
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{how}: no report ({e}): {}", String::from_utf8_lossy(&out.stderr)));
        let p = &report["protections"];
        if p["read_only_disk"]["in_force"] != true || p["hidden_unreadable"]["in_force"] != true {
            eprintln!("{how}: not checked, the report says the disk is open: {p:#}");
            continue;
        }
        let t = test(&report, "01-threads", "both_returns_both_results");
        assert_eq!(t["status"], "pass", "{how}: the test reached outside its folders: {}", t["message"]);
    }
}
