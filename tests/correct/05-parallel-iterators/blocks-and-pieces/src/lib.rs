//! Kata 05, alternate "blocks-and-pieces": the sum runs over blocks of 65 536 numbers, each
//! summed sequentially, combined with `reduce`; the word count cuts the text by hand into
//! pieces that end at a non-letter, counts each piece sequentially and merges the maps with
//! `reduce` (the reference uses `par_split_whitespace` + `fold`); the merge sort merges in
//! place through a copy of the left half, goes sequential below 8 192 elements and uses
//! insertion sort below 16 (the reference merges through one scratch buffer and calls
//! `slice::sort` below 2 048).

use std::collections::HashMap;

use rayon::prelude::*;

const BLOCK: u64 = 1 << 16;

/// The sum of `x * x` for every `x` in `0..n`: the tutorial's `sum(x**2 for x in range(n))`.
///
/// `u128` holds the answer for any `n` up to `u32::MAX` and far beyond.
pub fn sum_of_squares(n: u64) -> u128 {
    let blocks = n.div_ceil(BLOCK);
    (0..blocks)
        .into_par_iter()
        .map(|b| {
            let lo = b * BLOCK;
            let hi = (lo + BLOCK).min(n);
            let mut s: u128 = 0;
            for x in lo..hi {
                let x = x as u128;
                s += x * x;
            }
            s
        })
        .reduce(|| 0, |a, b| a + b)
}

/// Counts the words of `text` on the current thread.
fn count_words(text: &str, into: &mut HashMap<String, usize>) {
    for word in text.split(|c: char| !c.is_alphabetic()) {
        if !word.is_empty() {
            *into.entry(word.to_lowercase()).or_default() += 1;
        }
    }
}

/// Cuts `text` into about `pieces` parts, each ending just before a non-letter (or at the end),
/// so no word is split between two parts.
fn cut(text: &str, pieces: usize) -> Vec<&str> {
    let target = (text.len() / pieces.max(1)).max(1);
    let mut parts = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + target).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        // Move on to the first character that is not a letter.
        match text[end..].char_indices().find(|&(_, c)| !c.is_alphabetic()) {
            Some((i, _)) => end += i,
            None => end = text.len(),
        }
        parts.push(&text[start..end]);
        start = end;
    }
    parts
}

/// How often each word occurs in `text`. A word is a run of alphabetic characters
/// (`char::is_alphabetic`), counted in lower case: "The the THE" is three of "the".
pub fn word_frequencies(text: &str) -> HashMap<String, usize> {
    let parts = cut(text, rayon::current_num_threads() * 8);
    parts
        .par_iter()
        .map(|part| {
            let mut counts = HashMap::new();
            count_words(part, &mut counts);
            counts
        })
        .reduce(HashMap::new, |mut big, mut small| {
            if small.len() > big.len() {
                std::mem::swap(&mut big, &mut small);
            }
            for (w, n) in small {
                *big.entry(w).or_default() += n;
            }
            big
        })
}

const PARALLEL_FROM: usize = 8192;
const INSERTION_BELOW: usize = 16;

/// Sorts `v` with a merge sort whose halves are sorted in parallel by `rayon::join`.
///
/// Stable: elements that compare equal keep their order.
pub fn merge_sort<T: Ord + Clone + Send>(v: &mut [T]) {
    if v.len() < INSERTION_BELOW {
        insertion_sort(v);
        return;
    }
    let mid = v.len() / 2;
    {
        let (left, right) = v.split_at_mut(mid);
        if left.len() + right.len() >= PARALLEL_FROM {
            rayon::join(|| merge_sort(left), || merge_sort(right));
        } else {
            merge_sort(left);
            merge_sort(right);
        }
    }
    merge_in_place(v, mid);
}

/// Stable: an element moves left only past strictly greater ones.
fn insertion_sort<T: Ord + Clone>(v: &mut [T]) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1] > v[j] {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Merges the sorted `v[..mid]` and `v[mid..]` into `v`, copying the left half out first.
fn merge_in_place<T: Ord + Clone>(v: &mut [T], mid: usize) {
    if v[mid - 1] <= v[mid] {
        return; // already in order
    }
    let left: Vec<T> = v[..mid].to_vec();
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < left.len() && j < v.len() {
        // Ties go to the left half: it came first.
        if left[i] <= v[j] {
            v[k] = left[i].clone();
            i += 1;
        } else {
            v[k] = v[j].clone();
            j += 1;
        }
        k += 1;
    }
    while i < left.len() {
        v[k] = left[i].clone();
        i += 1;
        k += 1;
    }
    // Whatever is left of the right half is already in place.
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
    if threads == 0 {
        panic!("with_threads(0): a pool needs a thread");
    }
    match rayon::ThreadPoolBuilder::new().num_threads(threads).thread_name(|i| format!("kata05-{i}")).build()
    {
        Ok(pool) => pool.install(work),
        Err(e) => panic!("could not build a pool of {threads} threads: {e}"),
    }
}
