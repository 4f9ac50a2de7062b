//! A fresh, empty folder for one test's files (pid files, rendezvous markers), removed when
//! dropped, also when the test fails.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Scratch(PathBuf);

impl Scratch {
    /// A new folder under the system's temporary folder, named `PREFIX-PID-N`.
    pub fn new(prefix: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "{prefix}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("create a scratch folder");
        Scratch(dir)
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_fresh_and_removed() {
        let (a, b) = (Scratch::new("kit-test"), Scratch::new("kit-test"));
        assert_ne!(a.to_path_buf(), b.to_path_buf());
        std::fs::write(a.join("f"), "x").unwrap();
        let path = a.to_path_buf();
        drop(a);
        assert!(!path.exists());
    }
}
