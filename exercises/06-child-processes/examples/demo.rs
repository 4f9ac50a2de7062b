//! Run it and see what happens: `cargo run -p child-processes --example demo`
//!
//! The tutorial's processes.py starts two processes that finish in the time of one. Here: a
//! few children one after the other, then all at once; a child that ignores SIGTERM; and a
//! child that floods stderr. In another terminal, `ps -o pid,pgid,stat,cmd --forest` shows the
//! process groups while it runs.

use std::process::Command;
use std::time::{Duration, Instant};

use child_processes::*;

fn sh(script: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script);
    cmd
}

fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = f();
    println!("{label:<52} {:>7.3} s", start.elapsed().as_secs_f64());
    value
}

fn main() -> std::io::Result<()> {
    println!("Four children that each sleep 0.5 s and print their number");
    timed("  one after the other (capture, capture, ...)", || {
        for i in 0..4 {
            capture(&mut sh(&format!("sleep 0.5; echo {i}"))).expect("capture");
        }
    });
    let outs = timed("  all at once (run_all)", || {
        let mut cmds: Vec<Command> = (0..4).map(|i| sh(&format!("sleep 0.5; echo {i}"))).collect();
        run_all(&mut cmds).expect("run_all")
    });
    let printed: Vec<String> =
        outs.iter().map(|c| String::from_utf8_lossy(&c.stdout).trim().to_string()).collect();
    println!("  their output, in command order: {}", printed.join(" "));

    println!("\nStopping children at a 0.5 s limit, with a 0.5 s grace period");
    let polite = timed("  `sleep 30` (obeys SIGTERM)", || {
        run_with_timeout(
            Command::new("sleep").arg("30"),
            Duration::from_millis(500),
            Duration::from_millis(500),
        )
    })?;
    println!("    -> {:?}, status {}", polite.ending, polite.status);
    let stubborn = timed("  `trap '' TERM; sleep 30` (ignores SIGTERM)", || {
        run_with_timeout(
            &mut sh("trap '' TERM; sleep 30"),
            Duration::from_millis(500),
            Duration::from_millis(500),
        )
    })?;
    println!("    -> {:?}, status {}", stubborn.ending, stubborn.status);
    let quick = run_with_timeout(&mut sh("exit 3"), Duration::from_millis(500), Duration::from_millis(500))?;
    println!("  `exit 3` -> {:?}", quick.ending);

    println!("\nA child that writes 4 MiB to stderr before one line to stdout");
    let flood = timed("  capture", || capture(&mut sh("head -c 4194304 /dev/zero >&2; echo done")))?;
    println!(
        "    -> {} bytes of stderr, stdout {:?}",
        flood.stderr.len(),
        String::from_utf8_lossy(&flood.stdout)
    );
    println!("  (reading stdout to the end first would wait here for ever: try it)");
    Ok(())
}
