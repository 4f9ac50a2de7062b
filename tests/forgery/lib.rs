//! A hostile submission of kata 01: every function is still `todo!()`, but first calls a helper
//! (`forge::forge`, one attack per file beside this one) that tries to pass the test anyway by
//! forging the harness's verdict. tests/forgery.rs grades each and checks that none passes.

mod forge;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked {
    pub message: String,
}

pub fn both<A, B, FA, FB>(a: FA, b: FB) -> (A, B)
where
    FA: FnOnce() -> A + Send + 'static,
    FB: FnOnce() -> B + Send + 'static,
    A: Send + 'static,
    B: Send + 'static,
{
    forge::forge();
    todo!("spawn a thread for each job, then join both")
}

pub fn run_all<T, F>(jobs: Vec<F>) -> Vec<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    forge::forge();
    todo!("spawn every job first, keep the JoinHandles in order, then join them in that order")
}

pub fn map_scoped<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    forge::forge();
    todo!("std::thread::scope lets threads borrow `items` and `f`")
}

pub fn sum_of_squares(data: &[u64], threads: usize) -> u64 {
    forge::forge();
    todo!("split with data.chunks(..), sum each chunk on a scoped thread, add the partial sums")
}

pub fn run_all_catching<T, F>(jobs: Vec<F>) -> Vec<Result<T, JobPanicked>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    forge::forge();
    todo!("JoinHandle::join returns Err(payload) when the thread panicked; the payload is a &str or a String")
}

/// The value following `flag` on the test's command line (`--run NAME --result FILE`).
fn arg(flag: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1).cloned())
}

/// Writes a passing verdict for the running test, carrying `nonce`, and leaves at once, as the
/// harness does after a body that returned.
fn pass_with(nonce: &str) -> ! {
    let (Some(test), Some(result)) = (arg("--run"), arg("--result")) else { std::process::exit(0) };
    let verdict = format!(
        r#"{{"nonce":"{nonce}","test":"{test}","status":"pass","message":null,"not_implemented":false,"figures":[]}}"#
    );
    let _ = std::fs::write(result, verdict);
    std::process::exit(0)
}

/// The string of 32 lowercase hex digits seen most often in the writable memory that `maps`
/// lists, read through `mem` (a `/proc/.../mem` file): the nonce the harness read from stdin.
fn nonce_in(maps: &str, mem: &str) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let table = std::fs::read_to_string(maps).ok()?;
    let mut mem = std::fs::File::open(mem).ok()?;
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for line in table.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else { continue };
        let Some((from, to)) = range.split_once('-') else { continue };
        let (Ok(from), Ok(to)) = (u64::from_str_radix(from, 16), u64::from_str_radix(to, 16)) else {
            continue;
        };
        if !perms.starts_with("rw") || to - from > 256 << 20 {
            continue;
        }
        let mut bytes = vec![0u8; (to - from) as usize];
        if mem.seek(SeekFrom::Start(from)).is_err() || mem.read_exact(&mut bytes).is_err() {
            continue;
        }
        let hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
        for run in bytes.split(|b| !hex(b)).filter(|r| r.len() == 32) {
            *seen.entry(String::from_utf8_lossy(run).into_owned()).or_default() += 1;
        }
    }
    seen.into_iter().max_by_key(|(_, n)| *n).map(|(nonce, _)| nonce)
}
