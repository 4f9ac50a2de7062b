//! The server the supervisor runs for a test that cannot see /proc: it answers a whitelist of
//! harmless reads (process lists, thread lists, stat, status, schedstat, children, the
//! executable's path) and refuses everything else, above all memory (`mem`, `maps`).

use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::net::{UnixListener, UnixStream};

use crate::source::{Op, local};
use crate::wire;

/// Answers every connection to `listener`, each on a thread of its own, until the process
/// ends. A connection that sends something other than a request is closed.
pub fn serve(listener: UnixListener) {
    for stream in listener.incoming().flatten() {
        let _ = std::thread::Builder::new().name("procview".into()).spawn(move || answer_all(stream));
    }
}

fn answer_all(stream: UnixStream) {
    let Ok(mut out) = stream.try_clone() else { return };
    let mut input = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match (&mut input).take(wire::MAX_REQUEST).read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if !line.ends_with('\n') => return,
            Ok(_) => {}
        }
        let Some((op, path)) = line.trim_end_matches('\n').split_once(' ') else { return };
        let Some(op) = Op::from_word(op) else { return };
        if wire::write_answer(&mut out, &answer(op, path)).is_err() {
            return;
        }
    }
}

/// The answer to one request: refused unless [`permit`] allows it.
fn answer(op: Op, path: &str) -> io::Result<Vec<u8>> {
    permit(op, path).map_err(|why| io::Error::new(io::ErrorKind::PermissionDenied, why))?;
    let bytes = local(op, path)?;
    if op == Op::List && path == "/proc" {
        // Processes only: /proc's other entries are none of a test's business.
        let text = String::from_utf8_lossy(&bytes);
        let pids: Vec<&str> = text.lines().filter(|n| numeric(n)).collect();
        return Ok(pids.join("\n").into_bytes());
    }
    Ok(bytes)
}

/// Whether the server answers `op` on `path`, or why not. Allowed: list `/proc` and
/// `/proc/N/task`; read `/proc/N/{stat,status,schedstat}` and
/// `/proc/N/task/M/{stat,status,schedstat,children}`; readlink `/proc/N/exe`.
pub fn permit(op: Op, path: &str) -> Result<(), String> {
    let parts: Vec<&str> = path.split('/').collect();
    let ok = match (op, parts.as_slice()) {
        (Op::List, ["", "proc"]) => true,
        (Op::List, ["", "proc", n, "task"]) => numeric(n),
        (Op::Read, ["", "proc", n, file]) => numeric(n) && ["stat", "status", "schedstat"].contains(file),
        (Op::Read, ["", "proc", n, "task", m, file]) => {
            numeric(n) && numeric(m) && ["stat", "status", "schedstat", "children"].contains(file)
        }
        (Op::Link, ["", "proc", n, "exe"]) => numeric(n),
        _ => false,
    };
    if ok { Ok(()) } else { Err(format!("the /proc server does not answer {} {path}", op.word())) }
}

/// A process or thread id: digits only (no `self`, no `..`, no sign).
fn numeric(id: &str) -> bool {
    !id.is_empty() && id.len() <= 10 && id.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whitelist_answers_lists_and_counters() {
        for (op, path) in [
            (Op::List, "/proc"),
            (Op::List, "/proc/12/task"),
            (Op::Read, "/proc/12/stat"),
            (Op::Read, "/proc/12/status"),
            (Op::Read, "/proc/12/schedstat"),
            (Op::Read, "/proc/12/task/13/stat"),
            (Op::Read, "/proc/12/task/13/children"),
            (Op::Link, "/proc/12/exe"),
        ] {
            assert_eq!(permit(op, path), Ok(()), "{op:?} {path}");
        }
    }

    #[test]
    fn memory_and_everything_else_is_refused() {
        for (op, path) in [
            (Op::Read, "/proc/12/mem"),
            (Op::Read, "/proc/12/task/13/mem"),
            (Op::Read, "/proc/12/maps"),
            (Op::Read, "/proc/12/environ"),
            (Op::Read, "/proc/12/cmdline"),
            (Op::Read, "/proc/12/pagemap"),
            (Op::List, "/proc/12/fd"),
            (Op::Link, "/proc/12/fd/3"),
            (Op::Link, "/proc/12/cwd"),
            (Op::Read, "/proc/self/stat"),
            (Op::Read, "/proc/thread-self/stat"),
            (Op::Read, "/proc/12/task/../mem"),
            (Op::Read, "/proc/12/task/13/../../mem"),
            (Op::Read, "/proc/../etc/passwd"),
            (Op::Read, "/proc/+12/stat"),
            (Op::Read, "/proc//stat"),
            (Op::Read, "/proc/12/stat/"),
            (Op::Read, "proc/12/stat"),
            (Op::Read, "/proc/12/children"),
            (Op::Read, "/proc/12/exe"),
            (Op::Link, "/proc/12/stat"),
            (Op::List, "/proc/12"),
            (Op::List, "/proc/sys"),
            (Op::Read, "/etc/passwd"),
        ] {
            assert!(permit(op, path).is_err(), "{op:?} {path} must be refused");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_refused_read_answers_an_error_over_the_wire() {
        let me = std::process::id();
        let mut out = Vec::new();
        wire::write_answer(&mut out, &answer(Op::Read, &format!("/proc/{me}/mem"))).unwrap();
        let got = wire::read_answer(&mut &out[..]).unwrap();
        assert_eq!(got.unwrap_err().kind(), io::ErrorKind::PermissionDenied);
        let mut out = Vec::new();
        wire::write_answer(&mut out, &answer(Op::Read, &format!("/proc/{me}/stat"))).unwrap();
        let stat = wire::read_answer(&mut &out[..]).unwrap().unwrap();
        assert!(String::from_utf8_lossy(&stat).starts_with(&format!("{me} (")));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_listing_of_proc_names_processes_only() {
        let names = String::from_utf8(answer(Op::List, "/proc").unwrap()).unwrap();
        assert!(names.lines().all(numeric), "{names}");
        assert!(names.lines().any(|n| n == std::process::id().to_string()));
    }
}
