//! The katas' visible tests, as a student runs them (`cargo test -p NAME`), pass on every
//! reference solution and fail on the stubs: they are the first feedback a student gets, so a
//! visible test that a correct kata fails, or a stub passes, misleads before the grader is run.

use std::process::Command;

use katas::{copy_tree, course_copy, kata_dirs, root, target_dir};
use serial_test::serial;

/// `cargo test -p KATA...` in the course copy at `course`, as a student runs it.
fn cargo_test(course: &std::path::Path, katas: &[String]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["test", "--locked", "--no-fail-fast"])
        .current_dir(course)
        .env("CARGO_TARGET_DIR", target_dir());
    for kata in katas {
        cmd.args(["-p", kata.split_once('-').map_or(kata.as_str(), |(_, name)| name)]);
    }
    cmd.output().expect("run cargo test")
}

#[test]
#[serial(course_build)] // two course copies build the same artifacts in one target dir
fn the_visible_tests_pass_every_reference_solution() {
    let course = course_copy();
    for kata in kata_dirs(course.path()) {
        let src = course.path().join("exercises").join(&kata).join("src");
        std::fs::remove_dir_all(&src).expect("remove the stub");
        copy_tree(&root().join("solutions").join(&kata).join("src"), &src);
    }
    let out = cargo_test(course.path(), &kata_dirs(course.path()));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "a visible test fails a reference solution:\n{text}");
    let ran: usize = text
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!(ran >= kata_dirs(course.path()).len(), "only {ran} visible tests ran:\n{text}");
}

#[test]
#[serial(course_build)] // two course copies build the same artifacts in one target dir
fn the_visible_tests_fail_every_stub() {
    let course = course_copy();
    for kata in kata_dirs(course.path()) {
        let out = cargo_test(course.path(), std::slice::from_ref(&kata));
        let (text, errors) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!errors.contains("could not compile"), "the stub of {kata} does not compile:\n{errors}");
        assert!(!out.status.success(), "the stub of {kata} passes its visible tests:\n{text}{errors}");
    }
}
