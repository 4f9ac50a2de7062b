//! A progress bar on the terminal while katas build and tests run (stderr, only when it is a
//! terminal; pipes and CI logs stay clean).

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::run::Event;

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
                    .with_message(format!("building {n} kata(s) with the hidden tests"));
                b.enable_steady_tick(Duration::from_millis(120));
                *bar = Some(b);
            }
            Event::Running(n) => {
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
        if let Some(b) = self.bar.lock().expect("progress bar").take() {
            b.finish_and_clear();
        }
    }
}
