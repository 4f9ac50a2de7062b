//! Writes a passing verdict to the `--result` path with a made-up nonce and exits 0 before the
//! harness can write its own.

pub fn forge() {
    crate::pass_with("0123456789abcdef0123456789abcdef");
}
