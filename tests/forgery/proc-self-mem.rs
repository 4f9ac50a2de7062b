//! Reads the nonce from this process's own memory through /proc/self/maps and /proc/self/mem
//! (plain files, no `unsafe`), then writes a passing verdict.

pub fn forge() {
    if let Some(nonce) = crate::nonce_in("/proc/self/maps", "/proc/self/mem") {
        crate::pass_with(&nonce);
    }
}
