//! File names as the student knows them: the staged copies the grader builds are written as
//! the student's own files in every message, so a terminal or an editor opens the right one.

/// `text` with the staged copies' paths (`katas-0/01-threads/src/lib.rs`, absolute or not)
/// written as the student's own files (`exercises/01-threads/src/lib.rs`), so a terminal or an
/// editor opens the right file.
pub fn student_paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("katas-") {
        let after = &rest[at + "katas-".len()..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || !after[digits..].starts_with('/') {
            out.push_str(&rest[..at + "katas-".len()]);
            rest = after;
            continue;
        }
        // The path token started at the last space, quote, bracket or '=' before it.
        let start = rest[..at].rfind([' ', '\t', '\n', '\'', '"', '(', '[', '=', '`']).map_or(0, |i| i + 1);
        out.push_str(&rest[..start]);
        rest = &after[digits + 1..];
        // The kata's own files are under exercises/; its staged hidden suites are copies of
        // grader/suites/NN-name.rs and NN-name.loom.rs.
        let kata_len = rest.find('/').unwrap_or(0);
        let (kata, tail) = rest.split_at(kata_len);
        let suite = [("/tests/hidden.rs", ""), ("/tests/loom.rs", ".loom")]
            .into_iter()
            .find(|(staged, _)| tail.starts_with(staged));
        match suite {
            Some((staged, suffix)) if kata_len > 0 => {
                out.push_str(&format!("grader/suites/{kata}{suffix}.rs"));
                rest = &tail[staged.len()..];
            }
            _ => out.push_str("exercises/"),
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_paths_become_the_students_files() {
        assert_eq!(
            student_paths("panicked at katas-0/01-threads/src/lib.rs:57:9:\nattempt to add"),
            "panicked at exercises/01-threads/src/lib.rs:57:9:\nattempt to add"
        );
        assert_eq!(
            student_paths(
                "at /w/target/grader/stage/katas-3/04-thread-pool/src/lib.rs:1 and (katas-1/02-x/src/a.rs:2)"
            ),
            "at exercises/04-thread-pool/src/lib.rs:1 and (exercises/02-x/src/a.rs:2)"
        );
        assert_eq!(
            student_paths("panicked at katas-0/01-threads/tests/hidden.rs:184:21"),
            "panicked at grader/suites/01-threads.rs:184:21"
        );
        assert_eq!(
            student_paths("the katas-folder, katas-x/ and katas-"),
            "the katas-folder, katas-x/ and katas-"
        );
    }
}
