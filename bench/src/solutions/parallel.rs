//! Parallel iterators (05) against the sequential code a user would write instead, and the
//! same solution code on one thread against all the cores (its speedup), for the kata's three
//! functions.

use std::collections::HashMap;
use std::hint::black_box;

use rayon::slice::ParallelSliceMut;

use super::parallel_solution::{merge_sort, sum_of_squares, word_frequencies};
use super::{busy_machine, cores, free_cores, human, interleaved, notes, ratio, thousands, time, verdict};
use crate::table::Row;

const SQUARES: u64 = 200_000_000;
const SORT_LEN: usize = 2_000_000;
const TEXT_WORDS: usize = 1_500_000;

/// What a user writes without rayon. LLVM sees through it and sums the squares in closed form.
fn sequential_squares(n: u64) -> u128 {
    (0..n).map(|x| u128::from(x) * u128::from(x)).sum()
}

fn sequential_words(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in text.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()) {
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

/// A xorshift sequence: the same pseudo-random data in every run.
fn numbers(len: usize) -> Vec<u64> {
    let mut x = 0x2545_F491_4F6C_DD1D_u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % 1_000_000
        })
        .collect()
}

fn text(words: usize) -> String {
    const WORDS: [&str; 12] =
        ["The", "river", "silent", "book", "of", "a", "Night", "garden", "and", "THE", "stars", "lost"];
    numbers(words).iter().map(|&i| WORDS[i as usize % WORDS.len()]).collect::<Vec<_>>().join(" ")
}

/// One function's figures: the solution on every core, on one core, and the alternative.
struct Figures {
    all: f64,
    one: f64,
    alternative: f64,
}

pub fn rows() -> Vec<Row> {
    let n = cores();
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a rayon pool");
    let all = rayon::ThreadPoolBuilder::new().num_threads(n).build().expect("a rayon pool");
    let free = free_cores();

    let squares = black_box(SQUARES);
    assert_eq!(sum_of_squares(1000), sequential_squares(1000));
    let [a, o, alt] = interleaved([
        &mut || {
            time(|| {
                black_box(all.install(|| sum_of_squares(black_box(squares))));
            })
        },
        &mut || {
            time(|| {
                black_box(one.install(|| sum_of_squares(black_box(squares))));
            })
        },
        &mut || {
            time(|| {
                black_box(sequential_squares(black_box(squares)));
            })
        },
    ]);
    let sums = Figures { all: a, one: o, alternative: alt };

    let text = text(TEXT_WORDS);
    assert_eq!(word_frequencies(&text), sequential_words(&text));
    let [a, o, alt] = interleaved([
        &mut || time(|| drop(all.install(|| black_box(word_frequencies(black_box(&text)))))),
        &mut || time(|| drop(one.install(|| black_box(word_frequencies(black_box(&text)))))),
        &mut || time(|| drop(black_box(sequential_words(black_box(&text))))),
    ]);
    let words = Figures { all: a, one: o, alternative: alt };

    let data = numbers(SORT_LEN);
    let sorted_by = |pool: &rayon::ThreadPool, sort: fn(&mut [u64])| {
        let mut v = data.clone();
        time(|| pool.install(|| sort(&mut v)))
    };
    let [a, o, alt, par_sort] = interleaved([
        &mut || sorted_by(&all, merge_sort),
        &mut || sorted_by(&one, merge_sort),
        &mut || sorted_by(&one, <[u64]>::sort),
        &mut || sorted_by(&all, <[u64]>::par_sort),
    ]);
    let sorts = Figures { all: a, one: o, alternative: alt };

    let goal = 0.75 * n as f64;
    let goal_text = format!("≥ {goal:.1}× ({n} cores × 0.75)");
    let scaling = |what: &str, f: &Figures| {
        let s = f.one / f.all;
        Row::new(
            format!("{what}: 05 on {n} threads / on 1 thread"),
            format!("{} vs {}: {}", human(f.all), human(f.one), ratio(s)),
        )
        .goal(goal_text.clone())
        .note(verdict(s >= goal, busy_machine(free)))
    };
    let against = |what: &str, f: &Figures| {
        Row::new(
            format!("{what}: 05 on {n} threads / {}", what_instead(what)),
            format!("{} vs {}: {}", human(f.all), human(f.alternative), ratio(f.alternative / f.all)),
        )
    };
    let sums_what = format!("sum of x² for x < {}", thousands(SQUARES));
    let words_what = format!("word count of {:.1} MB", text.len() as f64 / 1e6);
    let sorts_what = format!("merge sort of {} u64", thousands(SORT_LEN as u64));
    let vs_par_sort = par_sort / sorts.all;
    vec![
        scaling(&sums_what, &sums),
        against(&sums_what, &sums).note(
            "no goal: LLVM turns the plain sequential sum into a closed formula, which no thread \
             count can beat; the parallel version stays a loop",
        ),
        scaling(&words_what, &words),
        against(&words_what, &words).goal(format!("≥ {goal:.1}×")).note(verdict(
            words.alternative / words.all >= goal,
            notes(busy_machine(free), "and the parallel fold pays for a map per thread and for merging them"),
        )),
        scaling(&sorts_what, &sorts),
        against(&sorts_what, &sorts).goal("≥ 1×").note(verdict(
            sorts.alternative / sorts.all >= 1.0,
            "std's stable sort (driftsort) on one core beats a textbook merge sort on all of them: \
             the kata's sort clones into a scratch buffer and back at every level",
        )),
        Row::new(
            format!("{sorts_what}: 05 / rayon's `par_sort`, both on {n} threads"),
            format!("{} vs {}: {}", human(sorts.all), human(par_sort), ratio(vs_par_sort)),
        )
        .goal("≥ 0.5×")
        .note(verdict(
            vs_par_sort >= 0.5,
            "par_sort merges in place with tuned sequential sorts at the leaves",
        )),
    ]
}

fn what_instead(what: &str) -> &'static str {
    if what.starts_with("merge sort") { "`slice::sort` (stable, 1 thread)" } else { "a sequential loop" }
}
