//! Reading a child's output without end: keep the head and the tail, count the rest.

use std::collections::VecDeque;
use std::io::Read;

use serde::{Deserialize, Serialize};

/// What was kept of one stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Captured {
    pub text: String,
    /// Every byte the stream carried, kept or not.
    pub total_bytes: u64,
}

/// Reads `r` to its end, keeping at most `keep` bytes (half from the start, half from the end).
/// Stops reading once `stop_after` bytes have gone by, so a flood cannot run for ever.
pub fn read_capped(mut r: impl Read, keep: usize, stop_after: u64) -> Captured {
    let (head_cap, tail_cap) = (keep / 2, keep - keep / 2);
    let mut head = Vec::new();
    let mut tail: VecDeque<u8> = VecDeque::new();
    let mut total = 0u64;
    let mut buf = [0u8; 16 * 1024];
    while total < stop_after {
        let n = match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        total += n as u64;
        let mut chunk = &buf[..n];
        if head.len() < head_cap {
            let take = chunk.len().min(head_cap - head.len());
            head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        tail.extend(chunk);
        let excess = tail.len().saturating_sub(tail_cap);
        tail.drain(..excess);
    }
    let skipped = total - head.len() as u64 - tail.len() as u64;
    let mut text = String::from_utf8_lossy(&head).into_owned();
    if skipped > 0 {
        text.push_str(&format!("\n[... {skipped} bytes of output left out ...]\n"));
    }
    text.push_str(&String::from_utf8_lossy(tail.make_contiguous()));
    Captured { text, total_bytes: total }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_output_is_kept_whole() {
        let c = read_capped(&b"hello"[..], 100, 1000);
        assert_eq!(c.text, "hello");
        assert_eq!(c.total_bytes, 5);
    }

    #[test]
    fn long_output_keeps_head_and_tail() {
        let data: Vec<u8> = (0..10_000).map(|i| b"abcdefghij"[i % 10]).collect();
        let c = read_capped(&data[..], 20, u64::MAX);
        assert!(c.text.starts_with("abcdefghij"), "{}", c.text);
        assert!(c.text.ends_with("abcdefghij"), "{}", c.text);
        assert!(c.text.contains("9980 bytes of output left out"));
        assert_eq!(c.total_bytes, 10_000);
    }

    #[test]
    fn reading_stops_after_the_limit() {
        let endless = std::io::repeat(b'x');
        let c = read_capped(endless, 10, 100_000);
        assert!(c.total_bytes >= 100_000 && c.total_bytes < 200_000);
    }
}
