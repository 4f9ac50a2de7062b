//! The overlap sampler never takes one thread for two, however late it runs: in a process of
//! its own (this file holds one test), so no other test's threads are counted.

use std::time::Duration;

#[test]
fn one_thread_never_counts_as_parallel() {
    for _ in 0..5 {
        let ((), o) = kit::measure_overlap(|| kit::spin_for(Duration::from_millis(150)));
        let Some(o) = o else { return }; // not Linux
        assert!(o.windows > 0, "{o:?}");
        assert_eq!(o.parallel_windows, 0, "{o:?}");
    }
}
