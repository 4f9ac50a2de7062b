//! A student's parallel-iterators kata. The flaw: words are lower-cased with to_ascii_lowercase, so "CAFÉ" and "café" count as two words.

use rayon::prelude::*;
use std::collections::HashMap;

pub fn sum_of_squares(n: u64) -> u128 {
    (0..n).into_par_iter().map(|x| (x as u128) * (x as u128)).sum()
}

pub fn word_frequencies(text: &str) -> HashMap<String, usize> {
    text.par_split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .fold(HashMap::new, |mut counts: HashMap<String, usize>, w| {
            *counts.entry(w.to_ascii_lowercase()).or_default() += 1;
            counts
        })
        .reduce(HashMap::new, |mut a, b| {
            for (w, n) in b {
                *a.entry(w).or_default() += n;
            }
            a
        })
}

const SMALL: usize = 2048;

pub fn merge_sort<T: Ord + Clone + Send>(v: &mut [T]) {
    if v.len() <= SMALL {
        v.sort();
        return;
    }
    let mid = v.len() / 2;
    {
        let (left, right) = v.split_at_mut(mid);
        rayon::join(|| merge_sort(left), || merge_sort(right));
    }
    let merged = {
        let (left, right) = v.split_at(mid);
        let mut out = Vec::with_capacity(v.len());
        let (mut i, mut j) = (0, 0);
        while i < left.len() && j < right.len() {
            if right[j] < left[i] {
                out.push(right[j].clone());
                j += 1;
            } else {
                out.push(left[i].clone());
                i += 1;
            }
        }
        out.extend_from_slice(&left[i..]);
        out.extend_from_slice(&right[j..]);
        out
    };
    v.clone_from_slice(&merged);
}

pub fn with_threads<R, F>(threads: usize, work: F) -> R
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    assert!(threads > 0, "a pool of 0 threads");
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(work)
}
