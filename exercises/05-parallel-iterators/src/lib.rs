//! Kata 05: parallel iterators. Rust has no GIL: threads that compute really do run on several
//! cores at once. rayon turns a sequential iterator into a parallel one and splits the work
//! across a pool of threads that steal work from each other.
//!
//! Read README.md first. Replace each `todo!()`; `use rayon::prelude::*;` brings in
//! `into_par_iter`, `par_iter`, `par_split_whitespace` and friends.
//! Check your work with `cargo test -p parallel-iterators`, then
//! `cargo run -p grader -- parallel-iterators`.

use std::collections::HashMap;

/// The sum of `x * x` for every `x` in `0..n`: the tutorial's `sum(x**2 for x in range(n))`.
///
/// `u128` holds the answer for any `n` up to `u32::MAX` and far beyond.
pub fn sum_of_squares(n: u64) -> u128 {
    todo!("(0..n).into_par_iter(), square each x as a u128, sum")
}

/// How often each word occurs in `text`. A word is a run of alphabetic characters
/// (`char::is_alphabetic`), counted in lower case: "The the THE" is three of "the".
pub fn word_frequencies(text: &str) -> HashMap<String, usize> {
    todo!("split the text in parallel, fold words into a HashMap per thread, then reduce by merging the maps")
}

/// Sorts `v` with a merge sort whose halves are sorted in parallel by `rayon::join`.
///
/// Stable: elements that compare equal keep their order.
pub fn merge_sort<T: Ord + Clone + Send>(v: &mut [T]) {
    todo!("split_at_mut in two halves, rayon::join to sort both, merge taking from the left on ties")
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
    todo!("rayon::ThreadPoolBuilder::new().num_threads(threads).build(), then install the work on it")
}
