//! The client side of the socket: one connection per process, opened on first use.

use std::io::{self, BufReader};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Mutex;

use crate::source::Op;
use crate::wire;

/// This process's connection, with the pid that opened it (a forked child opens its own).
static CONNECTION: Mutex<Option<(u32, BufReader<UnixStream>)>> = Mutex::new(None);

/// Asks the server at `socket`. Panics when it cannot be reached or breaks off: whoever asked
/// needs /proc, and a test that cannot see it must fail, not pass or skip.
pub(crate) fn ask(socket: &Path, op: Op, path: &str) -> io::Result<Vec<u8>> {
    let mut slot = CONNECTION.lock().unwrap_or_else(|p| p.into_inner());
    let me = std::process::id();
    if slot.as_ref().is_none_or(|(pid, _)| *pid != me) {
        let stream = UnixStream::connect(socket).unwrap_or_else(|e| broken(socket, path, &e));
        *slot = Some((me, BufReader::new(stream)));
    }
    let (_, conn) = slot.as_mut().expect("connected above");
    let answer = wire::write_request(conn.get_mut(), op, path).and_then(|()| wire::read_answer(conn));
    match answer {
        Ok(answer) => answer,
        Err(e) => {
            *slot = None;
            drop(slot);
            broken(socket, path, &e)
        }
    }
}

fn broken(socket: &Path, path: &str, e: &io::Error) -> ! {
    panic!(
        "cannot read {path}: the supervisor's /proc socket {} ({}) failed: {e}; a check that needs /proc cannot run, so the test fails",
        socket.display(),
        crate::ENV
    )
}
