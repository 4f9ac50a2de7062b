//! Through the real grader, a test sees /proc only as the supervisor's socket allows: the kit's
//! process-tree reads work over it (06's reference sees its grandchildren), while a request
//! for the test's own memory is refused. Linux only: elsewhere there is no /proc to serve.
#![cfg(target_os = "linux")]

use katas::{copy_tree, grade_json, root, test};
use serial_test::serial;

/// Kata 01's `both`, edited to ask the socket itself (as a student could, with std only) and
/// panic with the answers, which the report then carries as the test's message.
const PROBE: &str = r#"let ha = thread::spawn(a);
    let ask = |request: String| -> String {
        use std::io::{BufRead, Write};
        let Some(path) = std::env::var_os("KATAS_PROC_SOCKET") else { return "no socket named".into() };
        let Ok(mut s) = std::os::unix::net::UnixStream::connect(&path) else { return "unreachable".into() };
        let _ = s.write_all(request.as_bytes());
        let mut line = String::new();
        let _ = std::io::BufReader::new(s).read_line(&mut line);
        line.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
    };
    let me = std::process::id();
    panic!(
        "probe: stat [{}] mem [{}] thread mem [{}] maps [{}] self [{}]",
        ask(format!("read /proc/{me}/stat\n")),
        ask(format!("read /proc/{me}/mem\n")),
        ask(format!("read /proc/{me}/task/{me}/mem\n")),
        ask(format!("read /proc/{me}/maps\n")),
        ask("read /proc/self/stat\n".to_string()),
    );"#;

#[test]
#[serial(grader)]
fn the_socket_answers_the_kit_and_refuses_memory() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path();
    copy_tree(&root().join("solutions/01-threads"), &sub.join("01-threads"));
    copy_tree(&root().join("solutions/06-child-processes"), &sub.join("06-child-processes"));
    let lib = sub.join("01-threads/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    assert!(text.contains("let ha = thread::spawn(a);"), "the probe's anchor moved");
    std::fs::write(&lib, text.replacen("let ha = thread::spawn(a);", PROBE, 1)).unwrap();
    let sub = sub.to_string_lossy().into_owned();

    let (report, _) = grade_json(&["--submission", &sub, "01", "both_returns_both_results"]);
    let probe = test(&report, "01-threads", "both_returns_both_results");
    let message = probe["message"].as_str().unwrap_or_default();
    for want in [
        "stat [ok ",
        "mem [err refused]",
        "thread mem [err refused]",
        "maps [err refused]",
        "self [err refused]",
    ] {
        assert!(message.contains(want), "{want} not in: {message}");
    }

    let (report, _) = grade_json(&["--submission", &sub, "06", "dropping_the_guard_kills_the_grandchildren"]);
    let tree = test(&report, "06-child-processes", "dropping_the_guard_kills_the_grandchildren");
    assert_eq!(tree["status"], "pass", "the kit read the process tree over the socket: {tree:#}");
}
