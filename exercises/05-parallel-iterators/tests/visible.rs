//! Quick checks you can run with `cargo test -p parallel-iterators`. The grader's hidden tests
//! go further: they check that the work really spreads over several threads and cores.

use parallel_iterators::*;

#[test]
fn sum_of_squares_matches_the_formula() {
    assert_eq!(sum_of_squares(0), 0);
    assert_eq!(sum_of_squares(4), 1 + 4 + 9);
    let n: u128 = 1_000_000;
    assert_eq!(sum_of_squares(1_000_000), (n - 1) * n * (2 * n - 1) / 6);
}

#[test]
fn words_are_counted_in_lower_case() {
    let counts = word_frequencies("The cat, the hat.\nTHE END");
    assert_eq!(counts["the"], 3);
    assert_eq!(counts["cat"], 1);
    assert_eq!(counts["end"], 1);
    assert_eq!(counts.len(), 4);
}

#[test]
fn merge_sort_sorts() {
    let mut v: Vec<u32> = (0..10_000).map(|i| (i * 7919) % 10_007).collect();
    let mut want = v.clone();
    want.sort();
    merge_sort(&mut v);
    assert_eq!(v, want);
}

/// A card compared by its rank only; `dealt` says where it started.
#[derive(Clone, Debug)]
struct Card {
    rank: u8,
    dealt: usize,
}

impl PartialEq for Card {
    fn eq(&self, other: &Self) -> bool {
        self.rank == other.rank
    }
}
impl Eq for Card {}
impl PartialOrd for Card {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Card {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank.cmp(&other.rank)
    }
}

#[test]
fn merge_sort_keeps_equal_elements_in_order() {
    let mut cards: Vec<Card> = (0..20_000).map(|i| Card { rank: (i % 5) as u8, dealt: i }).collect();
    merge_sort(&mut cards);
    for pair in cards.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(a.rank < b.rank || (a.rank == b.rank && a.dealt < b.dealt), "{a:?} before {b:?}");
    }
}

#[test]
fn with_threads_uses_its_own_pool() {
    assert_eq!(with_threads(3, rayon::current_num_threads), 3);
    assert_eq!(with_threads(2, || sum_of_squares(10)), 285);
}
