//! Kata 05, alternate "join-everything": the sum is a divide-and-conquer over the range with
//! `rayon::join` (no parallel iterator); the word count folds over `par_lines`; the merge sort
//! also merges in parallel, splitting each merge at the left half's middle and a binary search
//! in the right half (the reference merges sequentially); `with_threads` builds the pool with
//! `build_scoped`, so its threads are scoped threads that end before it returns.

use std::collections::HashMap;

use rayon::prelude::*;

const SUM_LEAF: u64 = 1 << 15;

fn squares_in(lo: u64, hi: u64) -> u128 {
    if hi - lo <= SUM_LEAF {
        return (lo..hi).map(|x| u128::from(x) * u128::from(x)).sum();
    }
    let mid = lo + (hi - lo) / 2;
    let (a, b) = rayon::join(|| squares_in(lo, mid), || squares_in(mid, hi));
    a + b
}

/// The sum of `x * x` for every `x` in `0..n`: the tutorial's `sum(x**2 for x in range(n))`.
///
/// `u128` holds the answer for any `n` up to `u32::MAX` and far beyond.
pub fn sum_of_squares(n: u64) -> u128 {
    squares_in(0, n)
}

/// How often each word occurs in `text`. A word is a run of alphabetic characters
/// (`char::is_alphabetic`), counted in lower case: "The the THE" is three of "the".
pub fn word_frequencies(text: &str) -> HashMap<String, usize> {
    // A line break is not a letter, so no word spans two lines.
    text.par_lines()
        .fold(HashMap::<String, usize>::new, |mut counts, line| {
            for word in line.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()) {
                let lower = word.to_lowercase();
                match counts.get_mut(&lower) {
                    Some(n) => *n += 1,
                    None => {
                        counts.insert(lower, 1);
                    }
                }
            }
            counts
        })
        .reduce(HashMap::new, |a, b| {
            let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            for (w, n) in small {
                *big.entry(w).or_insert(0) += n;
            }
            big
        })
}

const SORT_LEAF: usize = 4096;
const MERGE_LEAF: usize = 4096;

/// Sorts `v` with a merge sort whose halves are sorted in parallel by `rayon::join`.
///
/// Stable: elements that compare equal keep their order.
pub fn merge_sort<T: Ord + Clone + Send>(v: &mut [T]) {
    let mut buf = v.to_vec();
    sort(v, &mut buf);
}

/// Sorts `v`; `buf` is scratch of the same length.
fn sort<T: Ord + Clone + Send>(v: &mut [T], buf: &mut [T]) {
    if v.len() <= SORT_LEAF {
        v.sort();
        return;
    }
    let mid = v.len() / 2;
    {
        let (l, r) = v.split_at_mut(mid);
        let (bl, br) = buf.split_at_mut(mid);
        rayon::join(|| sort(l, bl), || sort(r, br));
    }
    let (l, r) = v.split_at_mut(mid);
    par_merge(l, r, buf);
    v.clone_from_slice(buf);
}

/// Merges sorted `left` and `right` into `out`, stably, splitting big merges in two merges
/// that run at once: the longer side is cut at its middle, the other at the matching place
/// found by binary search. (`&mut` slices, because only they may cross threads when `T` is
/// just `Send`; nothing is written through them.)
fn par_merge<T: Ord + Clone + Send>(left: &mut [T], right: &mut [T], out: &mut [T]) {
    if left.len() + right.len() <= MERGE_LEAF {
        merge(left, right, out);
        return;
    }
    // Both cuts keep every left element that equals a right one in front of it: with a left
    // pivot, right elements equal to it go after it; with a right pivot, left elements equal
    // to it go before it. Each half is non-empty on the longer side, so both merges shrink.
    let (lm, rm) = if left.len() >= right.len() {
        let lm = left.len() / 2;
        (lm, right.partition_point(|x| *x < left[lm]))
    } else {
        let rm = right.len() / 2;
        (left.partition_point(|x| *x <= right[rm]), rm)
    };
    let (l1, l2) = left.split_at_mut(lm);
    let (r1, r2) = right.split_at_mut(rm);
    let (o1, o2) = out.split_at_mut(lm + rm);
    rayon::join(|| par_merge(l1, r1, o1), || par_merge(l2, r2, o2));
}

fn merge<T: Ord + Clone>(left: &[T], right: &[T], out: &mut [T]) {
    let (mut i, mut j) = (0, 0);
    for slot in out.iter_mut() {
        if j >= right.len() || (i < left.len() && left[i] <= right[j]) {
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
    assert!(threads != 0, "with_threads needs at least one thread");
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_scoped(|thread| thread.run(), |pool| pool.install(work))
        .expect("could not build the pool")
}
