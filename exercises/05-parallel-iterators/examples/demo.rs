//! Run it and see what happens: `cargo run -p parallel-iterators --example demo --release`
//!
//! In Python, threads that compute take turns holding the GIL, so the tutorial's sum of x**2
//! gets no faster on more threads. Rust has no GIL. Here: the same sum, word count and sort,
//! first one after the other on one thread, then on rayon pools of growing size.

use std::time::Instant;

use parallel_iterators::*;

fn timed<T>(label: &str, f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let value = f();
    let took = start.elapsed().as_secs_f64();
    println!("{label:<40} {took:>8.3} s");
    (value, took)
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut sizes = vec![1, 2, 4, 8];
    sizes.retain(|&t| t <= cores.max(2));

    const N: u64 = 200_000_000;
    println!("The sum of x*x for x in 0..{N}");
    // black_box hides the numbers from the optimiser, which would otherwise use the formula.
    let (plain, _) = timed("  plain sequential loop", || {
        (0..N).map(|x| std::hint::black_box(u128::from(x) * u128::from(x))).sum::<u128>()
    });
    let mut one = None;
    for &t in &sizes {
        let (sum, took) =
            timed(&format!("  sum_of_squares on {t} thread(s)"), || with_threads(t, || sum_of_squares(N)));
        assert_eq!(sum, plain);
        let base = *one.get_or_insert(took);
        println!("{:>52}", format!("speedup {:.2}x over 1 thread", base / took));
    }

    let text =
        "It was the best of times, it was the worst of times; it was the age of wisdom.\n".repeat(200_000);
    println!("\nWord frequencies in {} MB of text", text.len() / 1_000_000);
    for &t in &sizes {
        let (counts, _) = timed(&format!("  word_frequencies on {t} thread(s)"), || {
            with_threads(t, || word_frequencies(&text))
        });
        assert_eq!(counts["it"], 600_000);
    }

    let data: Vec<u64> = (0..10_000_000u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16).collect();
    println!("\nSorting {} numbers", data.len());
    let mut copy = data.clone();
    timed("  the standard library's sort (1 thread)", || copy.sort());
    for &t in &sizes {
        let mut v = data.clone();
        timed(&format!("  merge_sort on {t} thread(s)"), || with_threads(t, || merge_sort(&mut v)));
        assert_eq!(v, copy);
    }
    println!("\n{cores} cores here. Python's GIL would keep every line near the 1-thread time.");
}
