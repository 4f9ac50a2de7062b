//! Forged verdicts. Each submission in tests/forgery/ is kata 01 with every function still
//! `todo!()`, but calling a helper first that tries to pass the test anyway by forging the
//! harness's verdict, as a hostile student would. None may pass a single test while the report
//! says the protection that stops it is in force; the system calls that read memory across
//! processes fail inside a test.

use std::io::Write;
use std::process::{Command, Stdio};

use katas::{exercise, grade_json, root};
use serde_json::Value;
use serial_test::serial;

/// An attack (tests/forgery/NAME.rs) and the protection, by its report key, that defeats it.
const ATTACKS: &[(&str, &str)] = &[
    // The nonce read from the test's own memory: these pass while /proc is readable to tests.
    ("proc-self-mem", "memory_access_blocked"),
    ("task-mem", "memory_access_blocked"),
    // No nonce: the supervisor rejects the verdict, confined or not.
    ("forged-file", ""),
    // The harness's verdict read back by a process left behind: the verdict folder is write-only.
    ("rewriting-daemon", "read_only_disk"),
];

/// Grades the submission made of tests/forgery/lib.rs and the attack; returns the report.
fn grade_attack(attack: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("01-threads/src");
    std::fs::create_dir_all(&src).unwrap();
    let fixtures = root().join("tests/forgery");
    std::fs::copy(fixtures.join("lib.rs"), src.join("lib.rs")).unwrap();
    std::fs::copy(fixtures.join(format!("{attack}.rs")), src.join("forge.rs")).unwrap();
    let sub = dir.path().to_string_lossy().into_owned();
    grade_json(&["--submission", &sub, "01", "--deadline", "10"]).0
}

/// Whether the report says a protection was in force, and what it says about it.
fn in_force(report: &Value, key: &str) -> (bool, String) {
    let p = &report["protections"][key];
    assert!(p.is_object(), "the report states {key}: {report:#}");
    (p["in_force"] == true, p["detail"].as_str().unwrap_or_default().to_string())
}

#[test]
#[serial(grader)]
fn no_forged_verdict_passes_a_test_while_its_protection_is_in_force() {
    let mut wrong = Vec::new();
    for (attack, protection) in ATTACKS {
        let report = grade_attack(attack);
        let tests = exercise(&report, "01-threads")["tests"].as_array().unwrap().clone();
        assert!(tests.len() > 5, "{attack}: the kata's tests ran: {report:#}");
        let passed: Vec<&str> =
            tests.iter().filter(|t| t["status"] == "pass").filter_map(|t| t["name"].as_str()).collect();
        let (guarded, detail) =
            if protection.is_empty() { (true, String::new()) } else { in_force(&report, protection) };
        let landlock = *protection != "read_only_disk" || detail.contains("Landlock");
        match (guarded && landlock, passed.is_empty()) {
            (true, false) => {
                wrong.push(format!("{attack} passed {passed:?} though {protection} is in force ({detail})"))
            }
            (false, true) if *protection == "memory_access_blocked" => wrong.push(format!(
                "{attack} passed nothing though the report says {protection} is not in force ({detail}): \
                 the fixture no longer forges, or the report understates"
            )),
            (false, _) => {
                eprintln!("{attack}: {} test(s) forged; {protection} not in force: {detail}", passed.len())
            }
            (true, true) => eprintln!("{attack}: no test passed"),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Prints what the memory system calls did: `NAME: ok` or `NAME: EPERM`.
#[test]
#[ignore = "run by memory_system_calls_fail_inside_a_test, in and out of the supervisor"]
#[cfg(target_os = "linux")]
fn probe_memory_system_calls() {
    use std::io::{IoSlice, IoSliceMut};

    use nix::sys::uio::{RemoteIoVec, process_vm_readv, process_vm_writev};
    let me = nix::unistd::getpid();
    let secret = *b"0123456789abcdef";
    let mut copy = [0u8; 16];
    let there = [RemoteIoVec { base: secret.as_ptr() as usize, len: secret.len() }];
    let read = process_vm_readv(me, &mut [IoSliceMut::new(&mut copy)], &there);
    let mut target = vec![0u8; 16];
    let into = [RemoteIoVec { base: target.as_mut_ptr() as usize, len: target.len() }];
    let write = process_vm_writev(me, &[IoSlice::new(&secret)], &into);
    std::hint::black_box(&mut target);
    let said = |r: nix::Result<usize>| r.map_or_else(|e| format!("{e:?}"), |_| "ok".to_string());
    println!("process_vm_readv: {}", said(read));
    println!("process_vm_writev: {}", said(write));
    // Seizing a child of its own stops nothing, so the probe ends cleanly either way.
    let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let seized = nix::sys::ptrace::seize(pid, nix::sys::ptrace::Options::empty());
    let _ = child.kill();
    let _ = child.wait();
    println!("ptrace: {}", said(seized.map(|()| 0)));
}

#[test]
#[cfg(target_os = "linux")]
fn memory_system_calls_fail_inside_a_test() {
    let me = std::env::current_exe().unwrap();
    let args = ["--exact", "probe_memory_system_calls", "--ignored", "--nocapture", "--test-threads", "1"];
    // Outside a test the calls work, so the probe can tell.
    let out = Command::new(&me).args(args).output().unwrap();
    let free = String::from_utf8_lossy(&out.stdout);
    for call in ["process_vm_readv", "process_vm_writev", "ptrace"] {
        assert!(free.contains(&format!("{call}: ok")), "{call} outside a test: {free}");
    }

    let scratch = tempfile::tempdir().unwrap();
    let verdicts = tempfile::tempdir().unwrap();
    let job = katas::supervisor_job(&me, &args, scratch.path(), &verdicts.path().join("verdict.json"), &[]);
    let outcome = supervise(&job);
    let inside = outcome["stdout"]["text"].as_str().unwrap_or_default();
    for call in ["process_vm_readv", "process_vm_writev", "ptrace"] {
        assert!(inside.contains(&format!("{call}: EPERM")), "{call} inside a test: {outcome:#}");
    }
    assert!(outcome["protections"]["memory_access_blocked"]["detail"].is_string(), "{outcome:#}");
}

/// Runs `job` through the real supervisor (`grader __supervise`) and returns its outcome.
fn supervise(job: &Value) -> Value {
    let mut child = Command::new(katas::grader_bin())
        .arg("__supervise")
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(job.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no outcome ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}
