//! procview over the socket, in a child process of this test binary (the source is fixed per
//! process): reads are answered through the server, memory is refused, and a socket that
//! cannot be reached makes a read panic rather than come back empty.
#![cfg(target_os = "linux")]

use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::process::Command;

/// Set in the child: which probe to run.
const PROBE: &str = "PROCVIEW_PROBE";

fn socket_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("procview-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the probe test `name` of this binary in a child whose `KATAS_PROC_SOCKET` is `socket`.
fn child(name: &str, socket: &std::path::Path) -> std::process::Output {
    Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads", "1"])
        .env(PROBE, "1")
        .env(procview::ENV, socket)
        .output()
        .unwrap()
}

#[test]
fn reads_go_over_the_socket_and_memory_is_refused() {
    let dir = socket_dir("serve");
    let socket = dir.join("socket");
    let listener = UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || procview::serve(listener));
    let out = child("probe_reads_through_the_socket", &socket);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("probed through the socket"));
}

#[test]
fn a_socket_that_cannot_be_reached_panics() {
    let dir = socket_dir("none");
    let out = child("probe_a_missing_socket", &dir.join("no-such-socket"));
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("missing socket panicked"), "{text}");
}

#[test]
fn probe_reads_through_the_socket() {
    if std::env::var_os(PROBE).is_none() {
        return;
    }
    let me = std::process::id();
    assert!(matches!(procview::source::source(), procview::source::Source::Remote(_)));
    let p = procview::process(me).expect("the server answers stat");
    assert_eq!(p.pid, me);
    assert!(procview::threads(me).unwrap().contains(&me));
    assert!(procview::status(me, procview::own_tid()).unwrap().voluntary_switches().is_some());
    assert_eq!(procview::exe(me), std::env::current_exe().ok());
    let mut child = Command::new("sleep").arg("5").spawn().unwrap();
    assert!(procview::children(me).contains(&child.id()));
    child.kill().unwrap();
    child.wait().unwrap();
    for path in ["/proc/self/mem", "/proc/thread-self/mem", "/proc/self/maps", "/proc/self/environ"] {
        let err = procview::source::read(path).expect_err(path);
        assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied, "{path}: {err}");
    }
    let err = procview::source::list("/proc/self/fd").unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
    assert!(procview::wchan(me, me).is_none(), "wchan is not on the whitelist");
    println!("probed through the socket");
}

#[test]
fn probe_a_missing_socket() {
    if std::env::var_os(PROBE).is_none() {
        return;
    }
    let got = std::panic::catch_unwind(|| procview::threads(std::process::id()));
    let message = got.expect_err("an unreachable socket must panic");
    let text = message.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("KATAS_PROC_SOCKET") && text.contains("the test fails"), "{text}");
    println!("missing socket panicked: {text}");
}
