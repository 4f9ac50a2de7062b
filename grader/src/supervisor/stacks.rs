//! Where each thread of a stuck test waits, read by gdb at its deadline (Linux, where gdb is
//! installed and may attach): the innermost frame in the kata's own code and the call it waits
//! in, so a deadlock report names lines instead of thread names only.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::model::paths::student_paths;
use crate::supervisor::capture::read_capped;
use crate::supervisor::process_group;

/// One thread's place in the kata's code when the deadline came.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadStack {
    pub tid: u32,
    /// `exercises/09-deadlocks/src/lib.rs:13`.
    pub at: String,
    /// The call it was in there, shortened (`Mutex::lock`); `None` when it was running its own
    /// code (a busy loop).
    pub waits_in: Option<String>,
}

/// The threads of `pid` that were inside the kata's own code, each with its innermost frame
/// there; empty when gdb is missing, cannot attach, or takes longer than `limit`.
pub fn stacks(pid: u32, limit: Duration) -> Vec<ThreadStack> {
    let mut cmd = Command::new("gdb");
    cmd.args([
        "--batch",
        "-nx",
        "-p",
        &pid.to_string(),
        "-ex",
        "set pagination off",
        "-ex",
        "thread apply all bt 40",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    process_group::isolate(&mut cmd);
    let Ok(mut child) = cmd.spawn() else { return vec![] };
    let out = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || read_capped(out, 1 << 20, 8 << 20));
    let finished = process_group::wait_or_kill(&mut child, limit).ok().flatten().is_some();
    let text = reader.join().map(|c| c.text).unwrap_or_default();
    if finished { parse(&text) } else { vec![] }
}

/// A frame: the function and, where gdb knows it, `file:line`.
type Frame = (String, Option<String>);

/// Reads gdb's `thread apply all bt` output.
fn parse(text: &str) -> Vec<ThreadStack> {
    let mut threads = Vec::new();
    let mut current: Option<(u32, Vec<Frame>)> = None;
    for line in text.lines() {
        if let Some(tid) = thread_header(line) {
            threads.extend(current.take().and_then(innermost_student_frame));
            current = Some((tid, Vec::new()));
        } else if let (Some((_, frames)), Some(frame)) = (current.as_mut(), frame(line)) {
            frames.push(frame);
        }
    }
    threads.extend(current.and_then(innermost_student_frame));
    threads
}

/// `Thread 2 (Thread 0x7f.. (LWP 13428) "name"):` gives 13428.
fn thread_header(line: &str) -> Option<u32> {
    let rest = line.strip_prefix("Thread ")?;
    let lwp = &rest[rest.find("(LWP ")? + 5..];
    lwp[..lwp.find(')')?].parse().ok()
}

/// `#5  0x.. in path::to::function<T> (args) at file.rs:9` gives the function and `file.rs:9`.
fn frame(line: &str) -> Option<Frame> {
    let rest = line.strip_prefix('#')?.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start();
    let rest = match rest.strip_prefix("0x") {
        Some(hex) => hex.split_once(" in ")?.1,
        None => rest,
    };
    // The argument list is the first " (" outside the function's generic brackets.
    let mut depth = 0i32;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            '(' if depth == 0 && rest[..i].ends_with(' ') => {
                end = i - 1;
                break;
            }
            _ => {}
        }
    }
    let function = rest[..end].to_string();
    let at = rest.rsplit_once(" at ").map(|(_, file)| file.trim().to_string());
    Some((function, at))
}

fn innermost_student_frame((tid, frames): (u32, Vec<Frame>)) -> Option<ThreadStack> {
    let i = frames.iter().position(|(_, at)| at.as_deref().is_some_and(is_student_file))?;
    let at = student_paths(frames[i].1.as_deref()?);
    let waits_in = i.checked_sub(1).map(|callee| short_name(&frames[callee].0));
    Some(ThreadStack { tid, at, waits_in })
}

/// The kata's own code: a file the report maps into `exercises/` (a staged copy of a kata's
/// `src/`), by the same mapping every message uses.
fn is_student_file(file: &str) -> bool {
    student_paths(file).starts_with("exercises/")
}

/// `std::sync::poison::mutex::Mutex<i32>::lock<i32>` becomes `Mutex::lock`.
fn short_name(function: &str) -> String {
    let mut plain = String::new();
    let mut depth = 0;
    for c in function.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let parts: Vec<&str> = plain.split("::").filter(|p| !p.is_empty()).collect();
    parts[parts.len().saturating_sub(2)..].join("::")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GDB: &str = r#"
Thread 2 (Thread 0x7fce723666c0 (LWP 13428) "philosopher-1"):
#0  syscall () at ../sysdeps/unix/sysv/linux/x86_64/syscall.S:38
#1  0x0000559a68790406 in std::sys::pal::unix::futex::futex_wait () at library/std/src/sys/pal/unix/futex.rs:73
#2  std::sys::sync::mutex::futex::Mutex::lock_contended () at library/std/src/sys/sync/mutex/futex.rs:61
#3  0x0000559a6877227d in std::sys::sync::mutex::futex::Mutex::lock (self=0x559a7a50aaf0) at /rustc/5980/library/std/src/sys/sync/mutex/futex.rs:33
#4  std::sync::poison::mutex::Mutex<i32>::lock<i32> (self=0x559a7a50aaf0) at /rustc/5980/library/std/src/sync/poison/mutex.rs:492
#5  0x0000559a68776b7e in deadlocks::dine::{closure#0} () at katas-0/09-deadlocks/src/lib.rs:9
#6  0x0000559a68771f93 in std::sys::backtrace::__rust_begin_short_backtrace<deadlocks::dine::{closure_env#0}, ()> (f=...) at /rustc/5980/library/std/src/sys/backtrace.rs:166

Thread 1 (Thread 0x7fce72367780 (LWP 13426) "hidden-a5903b9a"):
#0  0x0000559a68776b00 in deadlocks::spin () at /w/target/grader/stage/katas-1/09-deadlocks/src/lib.rs:20
#1  0x0000559a687766ac in hidden::main () at katas-1/09-deadlocks/tests/hidden.rs:13
#2  0x0000559a68773ecb in core::ops::function::FnOnce::call_once<fn(), ()> () at /rustc/5980/library/core/src/ops/function.rs:250

Thread 3 (Thread 0x7fce72367999 (LWP 13430) "kit-watchdog"):
#0  syscall () at ../sysdeps/unix/sysv/linux/x86_64/syscall.S:38
"#;

    #[test]
    fn each_thread_in_the_katas_code_gets_its_innermost_frame_there_and_the_call_it_waits_in() {
        assert_eq!(
            parse(GDB),
            vec![
                ThreadStack {
                    tid: 13428,
                    at: "exercises/09-deadlocks/src/lib.rs:9".into(),
                    waits_in: Some("Mutex::lock".into()),
                },
                ThreadStack { tid: 13426, at: "exercises/09-deadlocks/src/lib.rs:20".into(), waits_in: None },
            ]
        );
    }

    #[test]
    fn generic_arguments_do_not_end_a_function_name() {
        assert_eq!(
            frame("#2  0x01 in core::ops::function::FnOnce::call_once<fn(), ()> () at a.rs:1"),
            Some(("core::ops::function::FnOnce::call_once<fn(), ()>".into(), Some("a.rs:1".into())))
        );
        assert_eq!(short_name("core::ops::function::FnOnce::call_once<fn(), ()>"), "FnOnce::call_once");
        assert_eq!(short_name("std::sync::poison::mutex::Mutex<i32>::lock<i32>"), "Mutex::lock");
        assert!(!is_student_file("katas-0/09-deadlocks/tests/hidden.rs:13"));
        assert!(!is_student_file("/home/me/katas-course/src/lib.rs:1"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn gdb_reads_a_live_process_or_gives_nothing() {
        // This test binary is not kata code, so no thread qualifies; gdb missing, or refused
        // by the kernel, also gives nothing: either way the call returns within its limit.
        let mut child = Command::new("sleep").arg("5").spawn().expect("start sleep");
        let started = std::time::Instant::now();
        assert_eq!(stacks(child.id(), Duration::from_secs(10)), vec![]);
        assert!(started.elapsed() < Duration::from_secs(11));
        let _ = child.kill();
        let _ = child.wait();
    }
}
