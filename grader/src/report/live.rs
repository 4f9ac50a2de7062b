//! A progress bar on the terminal while katas build and tests run (stderr, only when it is a
//! terminal; pipes and CI logs stay clean).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::run::event::Event;

/// The build's spinner while one runs, for [`compiled`] to update.
static BUILD: Mutex<Option<(ProgressBar, usize)>> = Mutex::new(None);
static COMPILED: AtomicUsize = AtomicUsize::new(0);

/// Cargo finished a crate of the build (called by the build stage for each artifact): the
/// spinner says how many are ready and which came last, so a first, cold build of every
/// dependency shows it is moving.
pub fn compiled(name: &str) {
    let n = COMPILED.fetch_add(1, Ordering::Relaxed) + 1;
    if let Some((bar, katas)) = BUILD.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        bar.set_message(format!("{}: {n} crates ready, last {name}", building(*katas)));
    }
}

fn building(katas: usize) -> String {
    format!("building {katas} {} with the hidden tests", if katas == 1 { "kata" } else { "katas" })
}

pub struct Progress {
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress {
    pub fn new() -> Self {
        Progress { bar: Mutex::new(None) }
    }

    /// Shows one grading event.
    pub fn on_event(&self, event: Event) {
        let mut bar = self.bar.lock().expect("progress bar");
        match event {
            Event::Building(n) => {
                let b = ProgressBar::new_spinner()
                    .with_style(
                        ProgressStyle::with_template("{spinner} {wide_msg} {elapsed:>4}")
                            .expect("a valid template"),
                    )
                    .with_message(building(n));
                b.enable_steady_tick(Duration::from_millis(120));
                COMPILED.store(0, Ordering::Relaxed);
                *BUILD.lock().unwrap_or_else(|p| p.into_inner()) = Some((b.clone(), n));
                *bar = Some(b);
            }
            Event::Running(n) => {
                BUILD.lock().unwrap_or_else(|p| p.into_inner()).take();
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
                let b = ProgressBar::new(n as u64).with_style(
                    ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} tests {wide_msg:.dim}")
                        .expect("a valid template"),
                );
                *bar = Some(b);
            }
            Event::Finished(planned, report) => {
                if let Some(b) = bar.as_ref() {
                    b.inc(1);
                    b.set_message(format!("{} {}", planned.exercise, report.name));
                }
            }
        }
    }

    pub fn clear(&self) {
        BUILD.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(b) = self.bar.lock().expect("progress bar").take() {
            b.finish_and_clear();
        }
    }
}
