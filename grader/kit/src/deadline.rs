//! A deadline for one step of a test, so a hang becomes a precise failure message.

use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on its own thread and returns its value, or fails the test if it takes longer
/// than `limit`. A panic in `f` is passed on. The thread is left behind on a timeout; the
/// test process ends soon after anyway.
pub fn within<T: Send + 'static>(limit: Duration, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("kit::within({what})"))
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(outcome);
        })
        .expect("spawn the deadline thread");
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => std::panic::resume_unwind(payload),
        Err(_) => panic!("{what} did not finish within {:.1} s", limit.as_secs_f64()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_value_in_time() {
        assert_eq!(within(Duration::from_secs(5), "adding", || 2 + 2), 4);
    }

    #[test]
    fn a_hang_fails_with_the_step_named() {
        let err = std::panic::catch_unwind(|| {
            within(Duration::from_millis(50), "the join", || std::thread::sleep(Duration::from_secs(5)))
        })
        .expect_err("must time out");
        assert!(crate::harness::payload_text(&*err).starts_with("the join did not finish within"));
    }
}
