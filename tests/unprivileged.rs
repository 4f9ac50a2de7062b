//! Confinement without root: a supervisor started as an ordinary user (`nobody`, through
//! `setpriv`, when these tests run as root) still keeps the test to its scratch folder, lets it
//! write but not read back its verdict, and hides a private folder that user could otherwise read.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// What the probe tries, in the order it prints them.
const ATTEMPTS: [&str; 5] =
    ["write scratch", "write verdict", "read verdict", "write outside", "read private"];

/// Tries each of [`ATTEMPTS`] on the paths listed in `paths.txt` in its working directory and
/// prints `WHAT: ok` or `WHAT: denied`.
#[test]
#[ignore = "run by a_test_started_by_an_ordinary_user_is_kept_to_its_folders, in and out of the supervisor"]
fn probe_reach() {
    let paths = std::fs::read_to_string("paths.txt").unwrap();
    let [verdict, outside, private]: [&str; 3] = paths.lines().collect::<Vec<_>>().try_into().unwrap();
    let said = |ok: bool| if ok { "ok" } else { "denied" };
    println!("write scratch: {}", said(std::fs::write("mine.txt", "x").is_ok()));
    println!("write verdict: {}", said(std::fs::write(verdict, "{}").is_ok()));
    println!("read verdict: {}", said(std::fs::read(verdict).is_ok()));
    let planted = Path::new(outside).join("planted");
    println!("write outside: {}", said(std::fs::write(&planted, "x").is_ok()));
    println!("read private: {}", said(std::fs::read_dir(private).is_ok_and(|mut d| d.next().is_some())));
}

/// A folder anyone may enter, and `mode` on it.
fn folder(path: &Path, mode: u32) {
    std::fs::create_dir_all(path).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
#[cfg(target_os = "linux")]
fn a_test_started_by_an_ordinary_user_is_kept_to_its_folders() {
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok_and(|o| o.status.success());
    if !nix::unistd::geteuid().is_root() || !setpriv {
        eprintln!("skipped: needs root and setpriv to become an ordinary user");
        return;
    }
    let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let base = tempfile::tempdir().unwrap();
    folder(base.path(), 0o755);
    let [scratch, verdicts, outside, private] =
        ["scratch", "verdicts", "outside", "private"].map(|d| base.path().join(d));
    for dir in [&scratch, &verdicts, &outside] {
        folder(dir, 0o777);
    }
    folder(&private, 0o755);
    std::fs::write(private.join("01-threads.rs"), "// a private suite").unwrap();
    std::fs::set_permissions(private.join("01-threads.rs"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let verdict = verdicts.join("verdict.json");
    let paths = format!("{}\n{}\n{}\n", verdict.display(), outside.display(), private.display());
    std::fs::write(scratch.join("paths.txt"), paths).unwrap();
    let me = std::env::current_exe().unwrap();
    let args = ["--exact", "probe_reach", "--ignored", "--nocapture", "--test-threads", "1"];

    // As that user, unconfined, every attempt succeeds: the folders are open to it.
    let free =
        Command::new("setpriv").args(nobody).arg(&me).args(args).current_dir(&scratch).output().unwrap();
    let free = String::from_utf8_lossy(&free.stdout);
    for what in ATTEMPTS {
        assert!(free.contains(&format!("{what}: ok")), "{what} unconfined: {free}");
    }
    let _ = std::fs::remove_file(outside.join("planted"));

    let job = katas::supervisor_job(&me, &args, &scratch, &verdict, &[&private]);
    let mut child = Command::new("setpriv")
        .args(nobody)
        .arg(katas::grader_bin())
        .arg("__supervise")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(job.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let outcome: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no outcome ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    let p = &outcome["protections"];
    if p["read_only_disk"]["in_force"] != true {
        eprintln!("not checked: no Landlock or mounts here for an ordinary user: {p:#}");
        return;
    }
    let confined = outcome["stdout"]["text"].as_str().unwrap_or_default();
    for (what, want) in ATTEMPTS.into_iter().zip(["ok", "ok", "denied", "denied", "denied"]) {
        assert!(confined.contains(&format!("{what}: {want}")), "{what} in a test: {outcome:#}");
    }
    assert!(!outside.join("planted").exists());
    assert_eq!(p["hidden_unreadable"]["in_force"], true, "{p:#}");
}
