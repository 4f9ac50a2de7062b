//! Kata 05: parallel iterators. Rust has no GIL: threads that compute really do run on several
//! cores at once. rayon turns a sequential iterator into a parallel one and splits the work
//! across a pool of threads that steal work from each other.

use std::collections::HashMap;

use rayon::prelude::*;

/// The sum of `x * x` for every `x` in `0..n`: the tutorial's `sum(x**2 for x in range(n))`.
///
/// `u128` holds the answer for any `n` up to `u32::MAX` and far beyond.
pub fn sum_of_squares(n: u64) -> u128 {
    (0..n).into_par_iter().map(|x| u128::from(x) * u128::from(x)).sum()
}

/// How often each word occurs in `text`. A word is a run of alphabetic characters
/// (`char::is_alphabetic`), counted in lower case: "The the THE" is three of "the".
pub fn word_frequencies(text: &str) -> HashMap<String, usize> {
    text.par_split_whitespace()
        .flat_map_iter(|chunk| chunk.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()))
        // Each thread counts into a map of its own (no lock, no sharing) ...
        .fold(HashMap::new, |mut counts, word| {
            *counts.entry(word.to_lowercase()).or_insert(0) += 1;
            counts
        })
        // ... and the maps are merged pairwise at the end.
        .reduce(HashMap::new, |mut a, b| {
            for (word, n) in b {
                *a.entry(word).or_insert(0) += n;
            }
            a
        })
}

/// Below this length a slice is sorted on the current thread: splitting it further would cost
/// more in scheduling than it saves.
const SEQUENTIAL_BELOW: usize = 2048;

/// Sorts `v` with a merge sort whose halves are sorted in parallel by `rayon::join`.
///
/// Stable: elements that compare equal keep their order.
pub fn merge_sort<T: Ord + Clone + Send>(v: &mut [T]) {
    let mut scratch = v.to_vec();
    sort_into(v, &mut scratch);
}

/// Sorts `v`, using `scratch` (same length) as room for merging.
fn sort_into<T: Ord + Clone + Send>(v: &mut [T], scratch: &mut [T]) {
    if v.len() < SEQUENTIAL_BELOW {
        v.sort(); // the standard library's sort is stable too
        return;
    }
    let mid = v.len() / 2;
    let (left, right) = v.split_at_mut(mid);
    let (scratch_left, scratch_right) = scratch.split_at_mut(mid);
    // The two halves do not overlap, so the borrow checker lets both run at once.
    rayon::join(|| sort_into(left, scratch_left), || sort_into(right, scratch_right));
    merge(left, right, scratch);
    v.clone_from_slice(scratch);
}

/// Merges the sorted `left` and `right` into `out`.
fn merge<T: Ord + Clone>(left: &[T], right: &[T], out: &mut [T]) {
    let (mut i, mut j) = (0, 0);
    for slot in out.iter_mut() {
        // On a tie take from the left: that element came first, and keeping it first is what
        // makes the sort stable.
        let take_left = j == right.len() || (i < left.len() && left[i] <= right[j]);
        if take_left {
            *slot = left[i].clone();
            i += 1;
        } else {
            *slot = right[j].clone();
            j += 1;
        }
    }
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
    assert!(threads > 0, "a pool needs at least one thread");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("build a rayon pool");
    pool.install(work)
}
