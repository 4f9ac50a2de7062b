//! Helper children for tests of code that starts processes: this same test binary, started
//! again with `--kit-helper` and a list of steps, so the tests need no shell (Windows has none)
//! and behave the same on every platform. [`crate::suite`] runs the steps before anything else.

use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

/// The first argument that turns a suite binary into a helper.
pub const FLAG: &str = "--kit-helper";

/// A command that runs this test binary as a helper doing `steps` in order:
/// - `sleep:MS` sleeps MS milliseconds;
/// - `out:TEXT` and `err:TEXT` write TEXT and a newline to stdout or stderr;
/// - `flood-out:N` and `flood-err:N` write N zero bytes to stdout or stderr;
/// - `lines:N` writes `out I` to stdout and `err I` to stderr for I in 0..N, interleaved;
/// - `cat` copies stdin to stdout until its end;
/// - `touch:PATH` creates an empty file;
/// - `meet:DIR:N` leaves a marker in DIR, waits (up to 1.5 s) for N markers there, and prints
///   how many it saw;
/// - `exit:CODE` exits with CODE (without it the helper exits with 0 after its last step).
pub fn command(steps: &[&str]) -> Command {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut cmd = Command::new(exe);
    cmd.arg(FLAG).args(steps);
    cmd
}

/// Runs the steps of a helper started by [`command`], then exits.
pub(crate) fn run(steps: &[String]) -> ! {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    for step in steps {
        let (verb, arg) = step.split_once(':').unwrap_or((step, ""));
        let done = match verb {
            "sleep" => {
                std::thread::sleep(Duration::from_millis(arg.parse().unwrap_or(0)));
                Ok(())
            }
            "out" => writeln!(out, "{arg}").and_then(|_| out.flush()),
            "err" => writeln!(err, "{arg}"),
            "flood-out" => out.write_all(&vec![0; arg.parse().unwrap_or(0)]).and_then(|_| out.flush()),
            "flood-err" => err.write_all(&vec![0; arg.parse().unwrap_or(0)]),
            "lines" => (0..arg.parse::<usize>().unwrap_or(0))
                .try_for_each(|i| writeln!(out, "out {i}").and_then(|_| writeln!(err, "err {i}")))
                .and_then(|_| out.flush()),
            "cat" => {
                let mut all = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut all)
                    .and_then(|_| out.write_all(&all))
                    .and_then(|_| out.flush())
            }
            "touch" => std::fs::write(arg, b""),
            "meet" => meet(arg, &mut out),
            "exit" => {
                let _ = out.flush();
                std::process::exit(arg.parse().unwrap_or(1));
            }
            _ => Err(std::io::Error::other(format!("unknown helper step {step:?}"))),
        };
        if let Err(e) = done {
            let _ = writeln!(err, "helper step {step:?} failed: {e}");
            std::process::exit(2);
        }
    }
    std::process::exit(0)
}

/// `DIR:N`: a rendezvous of helpers through marker files in DIR.
fn meet(arg: &str, out: &mut impl Write) -> std::io::Result<()> {
    let (dir, n) = arg.rsplit_once(':').unwrap_or((arg, "1"));
    let n: usize = n.parse().unwrap_or(1);
    std::fs::write(std::path::Path::new(dir).join(std::process::id().to_string()), b"")?;
    let count = || std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
    let until = Instant::now() + Duration::from_millis(1500);
    while count() < n && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(30));
    }
    writeln!(out, "{}", count())?;
    out.flush()
}
