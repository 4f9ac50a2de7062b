//! Re-grading: nothing is rebuilt when nothing changed, and an edit is always graded, never a
//! suite built from the code before it.

use katas::{copy_tree, grade_json, root};
use serial_test::serial;

const TEST: &str = "try_lock_fails_while_held";

#[test]
#[serial(grader)]
fn an_unchanged_kata_is_not_rebuilt_and_an_edit_always_is() {
    let sub = tempfile::tempdir().unwrap();
    copy_tree(&root().join("solutions/13-spin-lock"), &sub.path().join("13-spin-lock"));
    let dir = sub.path().to_string_lossy().into_owned();
    let grade = || {
        let (report, _) = grade_json(&["--submission", &dir, "13", TEST]);
        (report["build_ms"].as_u64().unwrap(), katas::test(&report, "13-spin-lock", TEST)["status"].clone())
    };
    grade();
    assert_eq!(grade(), (0, "pass".into()), "a second grade of the same code runs no build");
    let lib = sub.path().join("13-spin-lock/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    let broken = text.replacen(".ok()\n", ".ok().or(Some(true))\n", 1);
    assert_ne!(broken, text, "the edit applies to the reference's try_lock");
    std::fs::write(&lib, broken).unwrap();
    let (build_ms, status) = grade();
    assert!(build_ms > 0, "an edit is rebuilt");
    assert_eq!(status, "fail", "and graded: try_lock that always succeeds");
    std::fs::write(&lib, text).unwrap();
    assert_eq!(grade().1, "pass", "putting the code back is graded too");
}
