//! The registration harness: a hidden suite's `main` hands its tests to [`suite`].
//!
//! `--list` prints the registered tests; `--run NAME --result FILE` runs one test and writes
//! its [`BodyResult`] only after the body has returned, stamped with a nonce the grader sends on
//! stdin. So an exit status or printed text can never pass a test. Without arguments every test
//! runs in this process, which is handy while writing a suite. `--kit-helper STEPS` makes the
//! binary a helper child instead ([`crate::helper`]).

use std::any::Any;
use std::io::Read;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::time::Duration;

use crate::check::{Skip, take_figures};
pub use protocol::STUDENT_PANIC;
use protocol::{BodyResult, BodyStatus, TestInfo};

/// One hidden or visible test with what the grader needs to schedule and score it.
#[derive(Clone, Copy)]
pub struct Test {
    pub name: &'static str,
    pub body: fn(),
    pub points: u32,
    pub deadline: Option<Duration>,
    pub timing: bool,
    pub hint: &'static str,
}

impl Test {
    pub const fn new(name: &'static str, body: fn()) -> Self {
        Test { name, body, points: 1, deadline: None, timing: false, hint: "" }
    }
    pub const fn points(mut self, points: u32) -> Self {
        self.points = points;
        self
    }
    /// Overrides the course's default deadline for this test.
    pub const fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }
    /// Marks a test that measures time: the grader runs it alone.
    pub const fn timing(mut self) -> Self {
        self.timing = true;
        self
    }
    pub const fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    fn info(&self) -> TestInfo {
        TestInfo {
            name: self.name.to_string(),
            points: self.points,
            deadline_ms: self.deadline.map(|d| d.as_millis() as u64),
            timing: self.timing,
            hint: self.hint.to_string(),
        }
    }
}

/// A panic seen in some thread while the body ran.
struct Panic {
    message: String,
    thread: String,
    /// Where it happened, when that is the kata's own code (`exercises/NN-name/src/...:LINE`).
    student: Option<String>,
}

impl Panic {
    fn text(&self) -> String {
        format!("{} (in thread {})", self.message, self.thread)
    }
}

/// Panics seen in any thread while the body ran, first one first.
static PANICS: Mutex<Vec<Panic>> = Mutex::new(Vec::new());

/// Where a panic happened, as the student knows the file: the kata's own code, built from a
/// staged copy (`katas-0/01-threads/src/lib.rs`) or from the checkout, is
/// `exercises/01-threads/src/lib.rs:LINE`. `None` for the kit, the hidden suite and the
/// standard library, which are not the student's to open.
pub fn student_location(file: &str, line: u32) -> Option<String> {
    let parts: Vec<&str> = file.split(['/', '\\']).collect();
    (0..parts.len().saturating_sub(3)).find_map(|i| {
        let root = parts[i];
        let staged = root.strip_prefix("katas-").is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
        (parts[i + 2] == "src" && (staged || root == "exercises" || root == "solutions"))
            .then(|| format!("exercises/{}:{line}", parts[i + 1..].join("/")))
    })
}

/// The entry point of a suite binary: dispatches on the command line.
pub fn suite(tests: &[Test]) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == crate::helper::FLAG) {
        crate::helper::run(&args[1..]);
    }
    // Where /proc is read from is settled now, before code under test could change it.
    procview::source::source();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--list"] => {
            let infos: Vec<TestInfo> = tests.iter().map(Test::info).collect();
            println!("{}", serde_json::to_string(&infos).expect("test list serialises"));
        }
        ["--run", name, "--result", path] => {
            let nonce = read_nonce();
            let Some(test) = tests.iter().find(|t| t.name == *name) else {
                eprintln!("no test named {name}");
                std::process::exit(2);
            };
            let mut result = run_body(test);
            result.nonce = nonce;
            let text = serde_json::to_string(&result).expect("result serialises");
            let tmp = format!("{path}.tmp");
            std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, path)).unwrap_or_else(|e| {
                eprintln!("cannot write the result to {path}: {e}");
                std::process::exit(3)
            });
            // Student threads may still run; the verdict is written, so leave now.
            std::process::exit(0);
        }
        [] => run_all(tests),
        other => {
            eprintln!("usage: --list | --run NAME --result FILE (got {other:?})");
            std::process::exit(2);
        }
    }
}

/// Reads the nonce the grader wrote to stdin, leaving stdin at end-of-file for the test body.
fn read_nonce() -> String {
    let mut nonce = String::new();
    let _ = std::io::stdin().read_to_string(&mut nonce);
    nonce.trim().to_string()
}

fn install_hook() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<Skip>().is_some() {
            return;
        }
        let thread = std::thread::current();
        let panic = Panic {
            message: payload_text(info.payload()),
            thread: thread.name().unwrap_or("unnamed").to_string(),
            student: info.location().and_then(|l| student_location(l.file(), l.line())),
        };
        PANICS.lock().unwrap_or_else(|p| p.into_inner()).push(panic);
        default(info);
    }));
}

/// Runs one test body, catching its panic; the nonce is filled in by the caller.
pub fn run_body(test: &Test) -> BodyResult {
    install_hook();
    PANICS.lock().unwrap_or_else(|p| p.into_inner()).clear();
    let outcome = panic::catch_unwind(AssertUnwindSafe(test.body));
    let panics = std::mem::take(&mut *PANICS.lock().unwrap_or_else(|p| p.into_inner()));
    let figures = take_figures();
    let not_implemented = panics.iter().any(|p| is_todo(&p.message));
    let (status, message) = match outcome {
        Ok(()) => (BodyStatus::Pass, None),
        Err(payload) => match payload.downcast_ref::<Skip>() {
            Some(Skip { reason, unmeasured: false }) => (BodyStatus::Skipped, Some(reason.clone())),
            Some(Skip { reason, unmeasured: true }) => (BodyStatus::Unmeasured, Some(reason.clone())),
            None => (BodyStatus::Fail, Some(failure_message(&panics, &*payload))),
        },
    };
    BodyResult {
        nonce: String::new(),
        test: test.name.to_string(),
        status,
        message,
        not_implemented,
        figures,
    }
}

/// What failed, for the student. A panic in the kata's own code (not a `todo!()`) comes first,
/// with its place in their file: whatever the test then concluded follows from it. Otherwise
/// the body's own panic, preceded by the first panic elsewhere when that one came first.
fn failure_message(panics: &[Panic], payload: &(dyn Any + Send)) -> String {
    let own = payload_text(payload);
    if let Some(p) = panics.iter().find(|p| p.student.is_some() && !is_todo(&p.message)) {
        let place = p.student.as_deref().unwrap_or_default();
        let mut text = format!("{STUDENT_PANIC} at {place}: {}", p.text());
        if p.message != own {
            text.push_str(&format!("\n  and then the test failed: {own}"));
        }
        return text;
    }
    match panics.first() {
        Some(first) if first.message != own => format!("{own}\n  first panic: {}", first.text()),
        _ => own,
    }
}

fn is_todo(message: &str) -> bool {
    message.starts_with("not yet implemented") || message.starts_with("not implemented")
}

/// The text of a panic payload (`&str` or `String`), or a placeholder.
pub fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_string()
    }
}

fn run_all(tests: &[Test]) {
    let mut failed = 0;
    for test in tests {
        let result = run_body(test);
        let verdict = match result.status {
            BodyStatus::Pass => "ok",
            BodyStatus::Skipped => "skipped",
            BodyStatus::Unmeasured => "unmeasured",
            BodyStatus::Fail => {
                failed += 1;
                "FAILED"
            }
        };
        println!("{} ... {verdict}", test.name);
        if let Some(message) = result.message {
            println!("    {message}");
        }
        for f in result.figures {
            println!("    {} = {} {} {}", f.name, f.value, f.unit, f.bar.unwrap_or_default());
        }
    }
    println!("{} passed, {failed} failed", tests.len() - failed);
    if failed > 0 {
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_locations_point_into_exercises() {
        assert_eq!(
            student_location("katas-0/01-threads/src/lib.rs", 57).as_deref(),
            Some("exercises/01-threads/src/lib.rs:57")
        );
        assert_eq!(
            student_location("/x/target/grader/stage/katas-12/04-thread-pool/src/pool/mod.rs", 3).as_deref(),
            Some("exercises/04-thread-pool/src/pool/mod.rs:3")
        );
        assert_eq!(
            student_location("exercises/01-threads/src/lib.rs", 9).as_deref(),
            Some("exercises/01-threads/src/lib.rs:9")
        );
        assert_eq!(student_location("katas-0/01-threads/tests/hidden.rs", 184), None);
        assert_eq!(student_location("/work/main/grader/kit/src/check.rs", 37), None);
        assert_eq!(student_location("/rustc/abc/library/core/src/ops/arith.rs", 1), None);
    }

    #[test]
    fn a_panic_in_the_students_code_comes_first_with_its_place() {
        // failure_message alone: run_body would take figures other kit tests record meanwhile.
        let panics = [
            Panic { message: "job 3 refused".into(), thread: "main".into(), student: None },
            Panic {
                message: "attempt to add with overflow".into(),
                thread: "unnamed".into(),
                student: Some("exercises/01-threads/src/lib.rs:57".into()),
            },
        ];
        let payload: Box<dyn Any + Send> = Box::new("the job failed");
        let message = failure_message(&panics, &*payload);
        assert!(
            message.starts_with(
                "your code panicked at exercises/01-threads/src/lib.rs:57: attempt to add with overflow"
            ),
            "{message}"
        );
        assert!(message.contains("and then the test failed: the job failed"), "{message}");
        assert!(!message.contains("harness.rs"), "no kit location: {message}");
    }
}
