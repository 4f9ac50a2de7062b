//! Hidden tests of kata 05: parallel iterators. Answers are checked against sequential
//! versions written here; that the work spreads over threads is proved by per-thread CPU time
//! and by which threads run the comparisons; only the last test compares CPU with wall time.

use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::thread::{self, ThreadId};
use std::time::Duration;

use kit::test;
use parallel_iterators::*;

fn main() {
    kit::suite(&[
        test!(sum_of_squares_matches_sequential)
            .points(2)
            .hint("square every x in 0..n as a u128 (x * x overflows u64 for large x) and add them all"),
        test!(sum_of_squares_uses_several_threads)
            .points(2)
            .hint("(0..n).into_par_iter() spreads the work over the pool; (0..n).into_iter() keeps it on one thread"),
        test!(word_frequencies_match_sequential)
            .points(2)
            .hint("a word is a run of char::is_alphabetic characters, lower-cased; every other character separates words"),
        test!(word_frequencies_use_several_threads)
            .points(2)
            .deadline(Duration::from_secs(20))
            .hint("split the text with a parallel iterator (par_split_whitespace, par_lines), fold into a HashMap per thread, reduce"),
        test!(merge_sort_matches_sequential)
            .points(2)
            .hint("split at the middle, sort both halves, merge; the merge must take every element exactly once"),
        test!(merge_sort_is_stable)
            .points(2)
            .hint("when the two heads compare equal, take the one from the left half: it came first"),
        test!(merge_sort_uses_several_threads)
            .points(2)
            .hint("sort the two halves with rayon::join(|| sort(left), || sort(right)) so another thread can take one"),
        test!(with_threads_uses_that_many_threads)
            .points(2)
            .hint("ThreadPoolBuilder::new().num_threads(threads).build(), then pool.install(work)"),
        test!(with_threads_refuses_0_threads).hint(
            "rayon reads num_threads(0) as \"one per core\": assert!(threads > 0) before building the pool",
        ),
        test!(parallel_sum_uses_the_cores)
            .points(3)
            .timing()
            .deadline(Duration::from_secs(20))
            .hint("computing work speeds up only if it runs on several cores at once: use a parallel iterator"),
    ]);
}

// ---------- sequential references ----------

fn squares_formula(n: u64) -> u128 {
    let n = u128::from(n);
    if n == 0 { 0 } else { (n - 1) * n * (2 * n - 1) / 6 }
}

fn squares_loop(n: u64) -> u128 {
    (0..n).map(|x| u128::from(x) * u128::from(x)).sum()
}

fn words_sequential(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in text.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()) {
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

/// A text of `words` pseudo-random words with mixed case, punctuation and line breaks.
fn sample_text(words: usize) -> String {
    const VOCAB: [&str; 12] =
        ["the", "Tree", "pool", "THREAD", "rayon", "Café", "naïve", "sum", "of", "squares", "x", "gil"];
    const GAPS: [&str; 6] = [" ", "  ", ", ", ".\n", "\t", "-"];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut text = String::with_capacity(words * 8);
    for _ in 0..words {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        text.push_str(VOCAB[(state % 12) as usize]);
        text.push_str(GAPS[((state >> 8) % 6) as usize]);
    }
    text
}

fn pseudo_random(len: usize, seed: u64, modulo: u64) -> Vec<u64> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % modulo
        })
        .collect()
}

// ---------- per-thread CPU time ----------

/// Runs `work` on a fresh pool of `threads` threads and returns its value with the CPU seconds
/// each pool thread spent meanwhile.
fn cpu_per_thread<R: Send>(threads: usize, work: impl FnOnce() -> R + Send) -> (R, Vec<Share>) {
    kit::require_some(kit::Needs::ThreadClocks, kit::procs::thread_cpu());
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("build a test pool");
    let clocks =
        || (kit::procs::thread_cpu().unwrap_or_default(), kit::procs::run_delay().unwrap_or_default());
    let before = pool.broadcast(|_| clocks());
    let value = pool.install(work);
    let after = pool.broadcast(|_| clocks());
    let spent = before
        .iter()
        .zip(&after)
        .map(|(b, a)| Share {
            cpu: a.0.saturating_sub(b.0).as_secs_f64(),
            waited: a.1.saturating_sub(b.1).as_secs_f64(),
        })
        .collect();
    (value, spent)
}

/// What one pool thread did during the work: CPU seconds, and seconds it was ready to run but
/// kept waiting for a core.
struct Share {
    cpu: f64,
    waited: f64,
}

/// Fails unless at least two threads each did a fair share (a fifth) of the CPU work.
/// A thread kept from a core for half the work's CPU time could not take its share: then the
/// machine, not the code, decided, and the test is unmeasured rather than failed.
fn require_shared(what: &str, spent: &[Share]) {
    let total: f64 = spent.iter().map(|s| s.cpu).sum();
    if total == 0.0 {
        kit::skip("the kernel recorded no CPU time for the pool's threads");
    }
    for (i, s) in spent.iter().enumerate() {
        kit::figure(&format!("CPU seconds on pool thread {i}"), s.cpu, "s");
    }
    let sharing = spent.iter().filter(|s| s.cpu >= 0.2 * total).count();
    if sharing < 2 && spent.iter().any(|s| s.cpu < 0.2 * total && s.waited >= 0.5 * total) {
        kit::unmeasured(&format!(
            "{what}: a pool thread was kept waiting for a core longer than it could have worked"
        ));
    }
    kit::at_least(&format!("{what}: pool threads that each did a fifth of the work"), sharing, 2, "threads");
}

// ---------- the tests ----------

fn sum_of_squares_matches_sequential() {
    // From about 3.8 million on the sum no longer fits in a u64.
    for n in [0u64, 1, 2, 3, 10, 1000, 65_537, 1_000_003, 5_000_000] {
        assert_eq!(sum_of_squares(n), squares_formula(n), "sum of x*x for x in 0..{n}");
    }
    assert_eq!(squares_loop(1000), squares_formula(1000), "the test's own references agree");
}

fn sum_of_squares_uses_several_threads() {
    const N: u64 = 12_000_000;
    let (got, spent) = cpu_per_thread(2, || sum_of_squares(N));
    assert_eq!(got, squares_formula(N));
    require_shared("sum_of_squares on a pool of 2", &spent);
}

fn word_frequencies_match_sequential() {
    let cases = [
        String::new(),
        "word".to_string(),
        "   ".to_string(),
        "The cat, the hat.\nTHE END".to_string(),
        "don't stop-me now: abc123def\t\tCafé CAFÉ café".to_string(),
        sample_text(20_000),
    ];
    for text in &cases {
        let want = words_sequential(text);
        let got = word_frequencies(text);
        if got != want {
            let mut diff: Vec<String> = want
                .iter()
                .filter(|(w, n)| got.get(*w) != Some(n))
                .map(|(w, n)| format!("{w:?}: {n} expected, {:?} counted", got.get(w)))
                .chain(
                    got.keys()
                        .filter(|w| !want.contains_key(*w))
                        .map(|w| format!("{w:?} is not a word here")),
                )
                .take(5)
                .collect();
            diff.sort();
            let shown: String = text.chars().take(60).collect();
            panic!("wrong counts for the text {shown:?}:\n  {}", diff.join("\n  "));
        }
    }
}

fn word_frequencies_use_several_threads() {
    let text = sample_text(500_000);
    let want = words_sequential(&text);
    let (got, spent) = cpu_per_thread(2, || word_frequencies(&text));
    assert!(got == want, "word counts differ from the sequential count");
    require_shared("word_frequencies on a pool of 2", &spent);
}

fn merge_sort_matches_sequential() {
    for len in [0usize, 1, 2, 3, 17, 1000, 4097, 100_000] {
        let mut v = pseudo_random(len, len as u64 + 7, 1_000_000);
        let mut want = v.clone();
        want.sort();
        merge_sort(&mut v);
        assert!(v == want, "{len} numbers are not sorted (or some were lost or duplicated)");
    }
    let mut words: Vec<String> =
        ["pear", "apple", "fig", "apple", "kiwi"].iter().map(|s| s.to_string()).collect();
    merge_sort(&mut words);
    assert_eq!(words, ["apple", "apple", "fig", "kiwi", "pear"]);
}

/// Compared by `key` only; `seq` is where the element started.
#[derive(Clone, Debug)]
struct Keyed {
    key: u64,
    seq: usize,
}
impl PartialEq for Keyed {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Keyed {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

fn merge_sort_is_stable() {
    for (len, keys) in [(10usize, 3u64), (5000, 7), (200_000, 16)] {
        let mut v: Vec<Keyed> = pseudo_random(len, 99, keys)
            .into_iter()
            .enumerate()
            .map(|(seq, key)| Keyed { key, seq })
            .collect();
        let mut want = v.clone();
        want.sort(); // the standard library's sort is stable
        merge_sort(&mut v);
        if let Some(i) = (0..len).find(|&i| v[i].key != want[i].key || v[i].seq != want[i].seq) {
            panic!(
                "{len} elements, keys 0..{keys}: at position {i} expected key {} from position {}, found key {} from position {}: equal elements must keep their order",
                want[i].key, want[i].seq, v[i].key, v[i].seq
            );
        }
    }
}

static COMPARING: Mutex<Vec<ThreadId>> = Mutex::new(Vec::new());
thread_local! {
    static NOTED: Cell<bool> = const { Cell::new(false) };
}

/// A number whose comparisons note which threads made them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Spy(u64);
impl PartialOrd for Spy {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Spy {
    fn cmp(&self, other: &Self) -> Ordering {
        NOTED.with(|noted| {
            if !noted.replace(true) {
                COMPARING.lock().unwrap_or_else(|p| p.into_inner()).push(thread::current().id());
            }
        });
        self.0.cmp(&other.0)
    }
}

fn merge_sort_uses_several_threads() {
    let mut v: Vec<Spy> = pseudo_random(200_000, 5, u64::MAX).into_iter().map(Spy).collect();
    let mut want = v.clone();
    want.sort_by_key(|s| s.0);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().expect("build a test pool");
    pool.install(|| merge_sort(&mut v));
    assert!(v == want, "not sorted");
    let threads = COMPARING.lock().unwrap_or_else(|p| p.into_inner()).len();
    kit::at_least("threads that compared elements (pool of 4)", threads, 2, "threads");
}

fn with_threads_uses_that_many_threads() {
    let caller = thread::current().id();
    for k in [3usize, 1, 2] {
        let (reported, ids) =
            with_threads(k, || (rayon::current_num_threads(), rayon::broadcast(|_| thread::current().id())));
        let ids: HashSet<ThreadId> = ids.into_iter().collect();
        assert!(!ids.contains(&caller), "the work ran on the calling thread, not on a pool built for it");
        kit::at_least(&format!("threads in with_threads({k})"), reported, k, "threads");
        kit::at_most(&format!("threads in with_threads({k})"), reported, k, "threads");
        kit::at_least(&format!("distinct threads in with_threads({k})"), ids.len(), k, "threads");
    }
    assert_eq!(
        with_threads(2, || sum_of_squares(1000)),
        squares_formula(1000),
        "the work's value comes back"
    );
}

fn with_threads_refuses_0_threads() {
    assert_eq!(with_threads(1, || 5), 5, "the work's value comes back"); // a stub stops here
    if std::panic::catch_unwind(|| with_threads(0, || rayon::current_num_threads())).is_ok() {
        panic!(
            "with_threads(0) ran the work (rayon reads 0 threads as \"one per core\"): a pool of 0 threads must panic"
        );
    }
}

fn parallel_sum_uses_the_cores() {
    const N: u64 = 8_000_000;
    assert_eq!(sum_of_squares(1000), squares_formula(1000)); // warms the pool up; a stub stops here
    // Two of its threads must be seen computing at the same moment, by their own CPU clocks:
    // a sequential iterator never can, however fast or idle the machine.
    let got = kit::expect_threads_compute_at_once(|| sum_of_squares(N));
    assert_eq!(got, squares_formula(N));
}
