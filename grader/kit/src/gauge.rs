//! An in-flight gauge: how many parties are inside now, and the most there ever were at once.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

#[derive(Debug, Default)]
pub struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
    total: AtomicUsize,
}

/// Leaves the gauge when dropped, so a panicking job still counts out.
#[must_use = "the party leaves the gauge when this guard drops"]
pub struct GaugeGuard<'a>(&'a Gauge);

impl Gauge {
    pub const fn new() -> Self {
        Gauge { now: AtomicUsize::new(0), peak: AtomicUsize::new(0), total: AtomicUsize::new(0) }
    }

    /// Enters the gauge and raises the high-water mark if needed.
    pub fn enter(&self) -> GaugeGuard<'_> {
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
        self.total.fetch_add(1, SeqCst);
        GaugeGuard(self)
    }

    pub fn now(&self) -> usize {
        self.now.load(SeqCst)
    }

    /// The most parties that were ever inside at once.
    pub fn peak(&self) -> usize {
        self.peak.load(SeqCst)
    }

    /// How many parties ever entered.
    pub fn total(&self) -> usize {
        self.total.load(SeqCst)
    }
}

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_counts_parties_inside_at_once() {
        let g = Gauge::new();
        {
            let _a = g.enter();
            let _b = g.enter();
            assert_eq!(g.now(), 2);
        }
        let _c = g.enter();
        assert_eq!((g.now(), g.peak(), g.total()), (1, 2, 3));
    }
}
