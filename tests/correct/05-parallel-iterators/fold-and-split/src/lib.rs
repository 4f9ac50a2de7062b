//! Kata 05, alternate "fold-and-split": the sum folds a `u128` per piece of work and sums
//! the pieces; the word count splits the text with `par_split` on every non-letter (the
//! reference splits on whitespace, then on non-letters inside each chunk) and merges with
//! `reduce_with`; the merge sort is functional, each call taking an owned `Vec` and returning
//! it sorted, merged with peekable iterators, with a cutoff of 1 024 (the reference sorts in
//! place through a scratch buffer, cutoff 2 048).

use std::collections::HashMap;

use rayon::prelude::*;

/// The sum of `x * x` for every `x` in `0..n`: the tutorial's `sum(x**2 for x in range(n))`.
///
/// `u128` holds the answer for any `n` up to `u32::MAX` and far beyond.
pub fn sum_of_squares(n: u64) -> u128 {
    (0..n).into_par_iter().fold(|| 0u128, |acc, x| acc + (x as u128).pow(2)).sum::<u128>()
}

fn merge_counts(mut a: HashMap<String, usize>, b: HashMap<String, usize>) -> HashMap<String, usize> {
    for (word, n) in b {
        a.entry(word).and_modify(|m| *m += n).or_insert(n);
    }
    a
}

/// How often each word occurs in `text`. A word is a run of alphabetic characters
/// (`char::is_alphabetic`), counted in lower case: "The the THE" is three of "the".
pub fn word_frequencies(text: &str) -> HashMap<String, usize> {
    text.par_split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .fold(HashMap::new, |mut counts: HashMap<String, usize>, w| {
            *counts.entry(w.to_lowercase()).or_insert(0) += 1;
            counts
        })
        .reduce_with(merge_counts)
        .unwrap_or_default()
}

const CUTOFF: usize = 1024;

/// Sorts `v` with a merge sort whose halves are sorted in parallel by `rayon::join`.
///
/// Stable: elements that compare equal keep their order.
pub fn merge_sort<T: Ord + Clone + Send>(v: &mut [T]) {
    let sorted = sorted(v.to_vec());
    v.clone_from_slice(&sorted);
}

/// `v`, sorted. Owned halves travel to the other thread: `T: Send` is all that needs.
fn sorted<T: Ord + Send>(mut v: Vec<T>) -> Vec<T> {
    if v.len() <= CUTOFF {
        v.sort(); // stable
        return v;
    }
    let len = v.len();
    let right = v.split_off(len / 2);
    let (left, right) = rayon::join(|| sorted(v), || sorted(right));
    let mut out = Vec::with_capacity(len);
    let mut l = left.into_iter().peekable();
    let mut r = right.into_iter().peekable();
    loop {
        let from_left = match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => a <= b, // a tie takes the left one, which came first
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if from_left { l.next() } else { r.next() };
        out.extend(next);
    }
    out
}

/// Runs `work` on a rayon pool of exactly `threads` threads built for it: every parallel
/// iterator and `rayon::join` inside `work` uses that pool instead of the global one.
///
/// # Panics
/// If `threads` is 0, or the pool cannot be built.
pub fn with_threads<R, F>(threads: usize, work: F) -> R
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    assert!(threads >= 1, "a pool of 0 threads cannot run anything");
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map(|pool| pool.install(work))
        .expect("build the pool")
}
