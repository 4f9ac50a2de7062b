//! Just enough of Rust's lexical grammar to tell code from comments and literals: a mask with
//! one flag per byte, true where the byte is code. The operators only edit code, so a `<` in a
//! doc comment or a `notify_one()` in a string is never mutated.

/// A source file and its code mask.
pub struct Source {
    pub text: String,
    /// `code[i]`: byte `i` is code (not in a comment, a string, a byte string or a char literal).
    pub code: Vec<bool>,
}

impl Source {
    pub fn new(text: &str) -> Source {
        Source { text: text.to_string(), code: code_mask(text.as_bytes()) }
    }

    /// True when every byte of `start..end` is code.
    pub fn is_code(&self, start: usize, end: usize) -> bool {
        end <= self.code.len() && self.code[start..end].iter().all(|&c| c)
    }

    /// Every start of `pat` that lies wholly in code, in order.
    pub fn find_code(&self, pat: &str) -> Vec<usize> {
        self.text.match_indices(pat).map(|(i, _)| i).filter(|&i| self.is_code(i, i + pat.len())).collect()
    }

    /// Starts of `word` as a whole identifier in code.
    pub fn find_word(&self, word: &str) -> Vec<usize> {
        let bytes = self.text.as_bytes();
        self.find_code(word)
            .into_iter()
            .filter(|&i| {
                let before = i.checked_sub(1).map(|j| bytes[j]);
                let after = bytes.get(i + word.len()).copied();
                !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
            })
            .collect()
    }

    /// The byte at `i` if it is code.
    pub fn code_byte(&self, i: usize) -> Option<u8> {
        (i < self.code.len() && self.code[i]).then(|| self.text.as_bytes()[i])
    }

    /// The first code byte at or after `i` that is not whitespace, with its position.
    pub fn next_code(&self, mut i: usize) -> Option<(usize, u8)> {
        let bytes = self.text.as_bytes();
        while i < bytes.len() {
            if self.code[i] && !bytes[i].is_ascii_whitespace() {
                return Some((i, bytes[i]));
            }
            i += 1;
        }
        None
    }
}

pub fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn code_mask(b: &[u8]) -> Vec<bool> {
    let mut code = vec![true; b.len()];
    let mut i = 0;
    let blank = |code: &mut Vec<bool>, from: usize, to: usize| {
        for c in &mut code[from..to.min(b.len())] {
            *c = false;
        }
    };
    while i < b.len() {
        let prev_ident = i > 0 && is_ident(b[i - 1]);
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| i + p);
                blank(&mut code, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let (mut depth, mut j) = (1, i + 2);
                while j < b.len() && depth > 0 {
                    if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 2;
                    } else {
                        j += 1;
                    }
                }
                blank(&mut code, i, j);
                i = j;
            }
            // Raw strings: r"..", r#".."#, br#".."#.
            b'r' | b'b' if !prev_ident && raw_string_len(&b[i..]).is_some() => {
                let len = raw_string_len(&b[i..]).unwrap_or(1);
                blank(&mut code, i, i + len);
                i += len;
            }
            b'b' if !prev_ident && b.get(i + 1) == Some(&b'"') => {
                let end = quoted_end(b, i + 1, b'"');
                blank(&mut code, i, end);
                i = end;
            }
            b'"' => {
                let end = quoted_end(b, i, b'"');
                blank(&mut code, i, end);
                i = end;
            }
            b'\'' => {
                // A char literal ('a', '\n', '\u{1F600}'), or a lifetime ('a, 'static).
                if b.get(i + 1) == Some(&b'\\') {
                    let end = quoted_end(b, i, b'\'');
                    blank(&mut code, i, end);
                    i = end;
                } else {
                    let ch_len = std::str::from_utf8(&b[i + 1..(i + 5).min(b.len())])
                        .ok()
                        .or_else(|| {
                            (2..=4).rev().find_map(|n| std::str::from_utf8(b.get(i + 1..i + n)?).ok())
                        })
                        .and_then(|s| s.chars().next())
                        .map_or(1, char::len_utf8);
                    if b.get(i + 1 + ch_len) == Some(&b'\'') {
                        blank(&mut code, i, i + 2 + ch_len);
                        i += 2 + ch_len;
                    } else {
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    code
}

/// From an opening quote at `open`, the index just past the closing one (escapes skipped).
fn quoted_end(b: &[u8], open: usize, quote: u8) -> usize {
    let mut j = open + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            c if c == quote => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}

/// The length of a raw string literal starting at `s[0]`, if one starts there.
fn raw_string_len(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    if s.first() == Some(&b'b') {
        i += 1;
    }
    if s.get(i) != Some(&b'r') {
        return None;
    }
    i += 1;
    let hashes = s[i..].iter().take_while(|&&c| c == b'#').count();
    i += hashes;
    if s.get(i) != Some(&b'"') {
        return None;
    }
    i += 1;
    let closing: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
    s[i..].windows(closing.len()).position(|w| w == closing.as_slice()).map(|p| i + p + closing.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_text(s: &str) -> String {
        let src = Source::new(s);
        s.char_indices().map(|(i, c)| if src.code[i] { c } else { '_' }).collect()
    }

    #[test]
    fn masks_comments_strings_and_chars_but_not_lifetimes() {
        assert_eq!(code_text("a // b\nc"), "a ____\nc");
        assert_eq!(code_text("a /* b /* c */ d */ e"), "a _________________ e");
        assert_eq!(code_text(r#"f("x < y", '<', '\'', b"<")"#), "f(_______, ___, ____, ____)");
        assert_eq!(code_text(r##"r#"a"b"# x"##), "________ x");
        assert_eq!(code_text("fn f<'a>(x: &'a str) {}"), "fn f<'a>(x: &'a str) {}");
        assert_eq!(code_text("for r in rx"), "for r in rx");
    }
}
