//! The mutation operators: each finds places in a source file and proposes one edit per place.
//! Every edit touches code only (see `lexer`), and the list comes back sorted by position, so
//! the same source always gives the same mutants in the same order.

use super::lexer::{Source, is_ident};

/// One proposed edit of one file: replace `start..end` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Which operator made it (a short stable name).
    pub op: &'static str,
    pub start: usize,
    pub end: usize,
    pub replacement: String,
    /// What the edit does, for a person: `Acquire -> Relaxed`, "delete `cv.notify_one();`".
    pub what: String,
}

impl Edit {
    /// The source with this edit applied.
    pub fn apply(&self, text: &str) -> String {
        format!("{}{}{}", &text[..self.start], self.replacement, &text[self.end..])
    }
}

/// Every mutant of `text`, sorted by position, then operator, then replacement. A mutant inside
/// a function that `stub` (the student's starting file) already has word for word is left out:
/// that code is given to the student, not written by them, and the suites need not grade it.
pub fn mutants(text: &str, stub: Option<&str>) -> Vec<Edit> {
    let src = Source::new(text);
    let mut all = Vec::new();
    orderings(&src, &mut all);
    dropped_calls(&src, &mut all);
    while_to_if(&src, &mut all);
    comparisons(&src, &mut all);
    off_by_one(&src, &mut all);
    swaps_around_locks(&src, &mut all);
    trivial_bodies(&src, &mut all);
    all.sort_by(|a, b| (a.start, a.end, a.op, &a.replacement).cmp(&(b.start, b.end, b.op, &b.replacement)));
    all.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.replacement == b.replacement);
    if let Some(stub) = stub {
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let stub = words(stub);
        all.retain(|m| {
            enclosing_fn(&src, m.start).is_none_or(|(a, b)| !stub.contains(&words(&src.text[a..b])))
        });
    }
    all
}

/// Collapses whitespace, and cuts long snippets, so an edit's description stays on one line.
fn short(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 70 { format!("{}...", one.chars().take(67).collect::<String>()) } else { one }
}

/// `Ordering::SeqCst | AcqRel | Acquire | Release` -> `Ordering::Relaxed`.
fn orderings(src: &Source, out: &mut Vec<Edit>) {
    for strong in ["SeqCst", "AcqRel", "Acquire", "Release"] {
        for at in src.find_word(strong) {
            if src.text[..at].ends_with("Ordering::") {
                out.push(Edit {
                    op: "ordering",
                    start: at,
                    end: at + strong.len(),
                    replacement: "Relaxed".into(),
                    what: format!("`Ordering::{strong}` -> `Ordering::Relaxed`"),
                });
            }
        }
    }
}

/// Deletes the statement holding a wake-up, a flush, a wait or a join.
fn dropped_calls(src: &Source, out: &mut Vec<Edit>) {
    let calls = [
        (".notify_one()", "drop-notify"),
        (".notify_all()", "drop-notify"),
        (".flush()", "drop-flush"),
        (".join()", "drop-join"),
        (".wait()", "drop-wait"),
        (".wait(", "drop-wait"),
        (".wait_timeout(", "drop-wait"),
        (".wait_while(", "drop-wait"),
    ];
    for (call, op) in calls {
        for at in src.find_code(call) {
            if let Some((start, end)) = statement_around(src, at) {
                out.push(Edit {
                    op,
                    start,
                    end,
                    replacement: String::new(),
                    what: format!("delete `{}`", short(&src.text[start..end])),
                });
            }
        }
    }
}

/// The statement that holds byte `at`: from just after the `;`, `{` or `}` before it to its own
/// `;` (or to the end of its block, for a tail expression). None when `at` sits inside a call's
/// arguments, a match arm or a field list, where deleting it would not leave a statement out.
pub fn statement_around(src: &Source, at: usize) -> Option<(usize, usize)> {
    let bytes = src.text.as_bytes();
    let mut depth = 0i32;
    let mut i = at;
    let start = loop {
        if i == 0 {
            break 0;
        }
        i -= 1;
        match src.code_byte(i) {
            Some(b')' | b']') => depth += 1,
            Some(b'}') if depth > 0 => depth += 1,
            Some(b'(' | b'[') if depth == 0 => return None,
            Some(b'(' | b'[' | b'{') if depth > 0 => depth -= 1,
            Some(b';' | b'{' | b'}') => break i + 1,
            _ => {}
        }
    };
    let (start, _) = src.next_code(start)?;
    let mut depth = 0i32;
    let mut j = at;
    let end = loop {
        match src.code_byte(j) {
            None if j >= bytes.len() => return None,
            Some(b'(' | b'[' | b'{') => depth += 1,
            Some(b')' | b']') => depth -= 1,
            Some(b'}') if depth == 0 => break j,
            Some(b'}') => depth -= 1,
            Some(b';') if depth == 0 => break j + 1,
            Some(b',') if depth == 0 => return None,
            _ => {}
        }
        j += 1;
    };
    let text = &src.text[start..end];
    (!text.contains("=>")).then(|| (start, end.min(start + text.trim_end().len())))
}

/// `while` -> `if`: a loop that waits (on a condvar, a flag, a ticket) checks only once.
fn while_to_if(src: &Source, out: &mut Vec<Edit>) {
    for at in src.find_word("while") {
        out.push(Edit {
            op: "while-to-if",
            start: at,
            end: at + 5,
            replacement: "if".into(),
            what: format!("`while` -> `if` in `{}`", short(line_at(src, at))),
        });
    }
}

fn line_at(src: &Source, at: usize) -> &str {
    let start = src.text[..at].rfind('\n').map_or(0, |p| p + 1);
    let end = src.text[at..].find('\n').map_or(src.text.len(), |p| at + p);
    &src.text[start..end]
}

/// `<` <-> `<=` and `>` <-> `>=`, for binary comparisons (rustfmt puts spaces around them, and
/// never around the brackets of generics).
fn comparisons(src: &Source, out: &mut Vec<Edit>) {
    for (from, to) in [(" < ", " <= "), (" <= ", " < "), (" > ", " >= "), (" >= ", " > ")] {
        for at in src.find_code(from) {
            out.push(Edit {
                op: "comparison",
                start: at,
                end: at + from.len(),
                replacement: to.into(),
                what: format!("`{}` -> `{}` in `{}`", from.trim(), to.trim(), short(line_at(src, at))),
            });
        }
    }
}

/// Off by one in bounds and counts: an integer literal after an arithmetic or comparison
/// operator becomes one more and one less; `a..b` <-> `a..=b`.
fn off_by_one(src: &Source, out: &mut Vec<Edit>) {
    let bytes = src.text.as_bytes();
    let ops = [
        " + ",
        " - ",
        " += ",
        " -= ",
        " < ",
        " <= ",
        " > ",
        " >= ",
        " == ",
        " != ",
        "fetch_add(",
        "fetch_sub(",
    ];
    for op in ops {
        for at in src.find_code(op) {
            let start = at + op.len();
            let digits = bytes[start..].iter().take_while(|b| b.is_ascii_digit() || **b == b'_').count();
            let end = start + digits;
            if digits == 0 || !src.is_code(start, end) || bytes.get(end).is_some_and(|&b| b == b'.') {
                continue;
            }
            // A suffix (`1u64`) stays; a float (`1.5`) or an identifier (`1e9` aside) is skipped.
            let Ok(n) = src.text[start..end].replace('_', "").parse::<u128>() else { continue };
            let mut values = vec![n + 1];
            if n > 0 {
                values.push(n - 1);
            }
            for v in values {
                out.push(Edit {
                    op: "off-by-one",
                    start,
                    end,
                    replacement: v.to_string(),
                    what: format!("`{}` -> `{v}` in `{}`", &src.text[start..end], short(line_at(src, at))),
                });
            }
        }
    }
    for at in src.find_code("..") {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + 2).copied();
        // A range between two operands, not `..` in a pattern, a struct update or `...`.
        let operand_before = before.is_some_and(|b| is_ident(b) || b == b')');
        let operand_after = after.is_some_and(|b| is_ident(b) || b == b'(' || b == b'=');
        if !operand_before || !operand_after || bytes.get(at + 2) == Some(&b'.') {
            continue;
        }
        let (end, replacement, what) = if after == Some(b'=') {
            (at + 3, "..", "`..=` -> `..`")
        } else {
            (at + 2, "..=", "`..` -> `..=`")
        };
        out.push(Edit {
            op: "off-by-one",
            start: at,
            end,
            replacement: replacement.into(),
            what: format!("{what} in `{}`", short(line_at(src, at))),
        });
    }
}

/// The statements of every block, as byte ranges, and whether each one ends the block as its
/// tail expression. Blocks whose contents are not statements (match arms, fields, use lists)
/// are left out.
fn blocks(src: &Source) -> Vec<Vec<(usize, usize)>> {
    let bytes = src.text.as_bytes();
    let mut result = Vec::new();
    'open: for open in src.find_code("{") {
        let mut stmts = Vec::new();
        let mut pos = open + 1;
        loop {
            let Some((start, first)) = src.next_code(pos) else { continue 'open };
            if first == b'}' {
                break;
            }
            let mut depth = 0i32;
            let mut j = start;
            let end = loop {
                match src.code_byte(j) {
                    None if j >= bytes.len() => continue 'open,
                    Some(b'(' | b'[' | b'{') => depth += 1,
                    Some(b')' | b']') => depth -= 1,
                    Some(b'}') if depth == 0 => break j, // the tail expression
                    Some(b'}') => {
                        depth -= 1;
                        if depth == 0 {
                            // A block statement ends here unless the expression goes on.
                            match src.next_code(j + 1) {
                                Some((k, b';')) => break k + 1,
                                Some((_, b'.' | b'?' | b')' | b',')) => {}
                                Some((k, _)) if src.text[k..].starts_with("else") => {}
                                _ => break j + 1,
                            }
                        }
                    }
                    Some(b';') if depth == 0 => break j + 1,
                    Some(b',') if depth == 0 => continue 'open,
                    _ => {}
                }
                j += 1;
            };
            let text = src.text[start..end].trim_end();
            if text.is_empty() {
                break;
            }
            stmts.push((start, start + text.len()));
            pos = end;
        }
        result.push(stmts);
    }
    result
}

/// Swaps two neighbouring statements when one of them takes or gives back a lock: a notify moved
/// before the state change it announces, a read moved after the unlock.
fn swaps_around_locks(src: &Source, out: &mut Vec<Edit>) {
    const ITEMS: [&str; 14] = [
        "fn ",
        "pub ",
        "impl",
        "use ",
        "struct ",
        "enum ",
        "const ",
        "static ",
        "mod ",
        "type ",
        "#",
        "trait ",
        "unsafe impl",
        "macro_rules",
    ];
    let is_lockish = |s: &str| s.contains(".lock()") || s.contains("drop(") || s.contains(".unlock(");
    for stmts in blocks(src) {
        for pair in stmts.windows(2) {
            let ((a0, a1), (b0, b1)) = (pair[0], pair[1]);
            let (a, b) = (&src.text[a0..a1], &src.text[b0..b1]);
            if ITEMS.iter().any(|k| a.starts_with(k) || b.starts_with(k)) || !(is_lockish(a) || is_lockish(b))
            {
                continue;
            }
            // Match arms trade places harmlessly (their patterns do not overlap), and a tail
            // expression cannot move above a statement.
            let head = |s: &str| s.split('{').next().unwrap_or("").contains("=>");
            if head(a) || head(b) || !(b.ends_with(';') || b.ends_with('}')) {
                continue;
            }
            if a.starts_with("let ") && b.starts_with("let ") && !a.contains("drop(") && !b.contains("drop(")
            {
                // Two bindings only trade places; the later one usually needs the earlier.
                continue;
            }
            let between = &src.text[a1..b0];
            out.push(Edit {
                op: "swap",
                start: a0,
                end: b1,
                replacement: format!("{b}{between}{a}"),
                what: format!("swap `{}` with `{}`", short(a), short(b)),
            });
        }
    }
}

/// The body of the function whose `fn` keyword is at `at`: the byte of its `{` and of its `}`.
/// None for a declaration without a body.
fn fn_body(src: &Source, at: usize) -> Option<(usize, usize)> {
    let bytes = src.text.as_bytes();
    // The signature runs to the body's `{` (or a `;` for a declaration without a body).
    let mut depth = 0i32;
    let mut j = at;
    let open = loop {
        match src.code_byte(j) {
            None if j >= bytes.len() => return None,
            Some(b'(' | b'[' | b'<') => depth += 1,
            Some(b')' | b']') => depth -= 1,
            Some(b'>') if bytes[j - 1] != b'-' => depth -= 1,
            Some(b'{') if depth == 0 => break j,
            Some(b';') if depth == 0 => return None,
            _ => {}
        }
        j += 1;
    };
    Some((open, matching_brace(src, open)?))
}

/// The innermost function around byte `pos`, from its `fn` keyword (or the attributes and `pub`
/// on its line) to its closing brace.
pub fn enclosing_fn(src: &Source, pos: usize) -> Option<(usize, usize)> {
    src.find_word("fn")
        .into_iter()
        .filter_map(|at| fn_body(src, at).map(|(_, close)| (at, close + 1)))
        .filter(|&(at, end)| at <= pos && pos < end)
        .max_by_key(|&(at, _)| at)
}

/// A function body that returns a value becomes a trivial value of its type.
fn trivial_bodies(src: &Source, out: &mut Vec<Edit>) {
    for at in src.find_word("fn") {
        let Some((open, close)) = fn_body(src, at) else { continue };
        let signature = &src.text[at..open];
        let name: String = signature[3..].bytes().take_while(|&b| is_ident(b)).map(char::from).collect();
        let Some(arrow) = signature.find(" -> ") else { continue };
        let ret = signature[arrow + 4..].split(" where").next().unwrap_or("").trim();
        let values = trivial_values(ret);
        if values.is_empty() || name.is_empty() || name == "main" {
            continue;
        }
        for v in values {
            out.push(Edit {
                op: "trivial-body",
                start: open,
                end: close + 1,
                replacement: format!("{{ {v} }}"),
                what: format!("body of `fn {name}` -> `{v}`"),
            });
        }
    }
}

fn matching_brace(src: &Source, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for j in open..src.text.len() {
        match src.code_byte(j) {
            Some(b'{') => depth += 1,
            Some(b'}') => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// Trivial values of a return type, as cargo-mutants picks them; none for a type we cannot
/// make up a value of (generics, `Self`, structs).
fn trivial_values(ret: &str) -> Vec<String> {
    const INTS: [&str; 12] =
        ["usize", "u8", "u16", "u32", "u64", "u128", "isize", "i8", "i16", "i32", "i64", "i128"];
    let simple = |t: &str| -> Vec<String> {
        match t {
            "bool" => vec!["true".into(), "false".into()],
            t if INTS.contains(&t) => vec!["0".into(), "1".into()],
            "f32" | "f64" => vec!["0.0".into(), "1.0".into()],
            "String" => vec!["String::new()".into()],
            "()" => vec!["()".into()],
            "Duration" | "std::time::Duration" => vec!["Duration::ZERO".into()],
            t if t.starts_with("Vec<") => vec!["Vec::new()".into()],
            t if t.starts_with("Option<") => vec!["None".into()],
            _ => vec![],
        }
    };
    if let Some(inner) = ret.strip_prefix("Result<").and_then(|r| r.strip_suffix('>')) {
        // The Ok type is everything before the top-level comma (or all of it, for an alias).
        let mut depth = 0;
        let ok = inner
            .char_indices()
            .find_map(|(i, c)| {
                match c {
                    '<' | '(' => depth += 1,
                    '>' | ')' => depth -= 1,
                    ',' if depth == 0 => return Some(&inner[..i]),
                    _ => {}
                }
                None
            })
            .unwrap_or(inner)
            .trim();
        return simple(ok).into_iter().map(|v| format!("Ok({v})")).collect();
    }
    if ret == "()" { vec![] } else { simple(ret) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by(op: &str, text: &str) -> Vec<String> {
        mutants(text, None).into_iter().filter(|m| m.op == op).map(|m| m.apply(text)).collect()
    }

    #[test]
    fn functions_the_stub_gives_whole_are_not_mutated() {
        let reference = "fn given() -> u64 {\n    a + 1\n}\nfn task() -> u64 {\n    b + 1\n}\n";
        let stub = "fn given() -> u64 {\n        a + 1\n}\nfn task() -> u64 {\n    todo!()\n}\n";
        let kept: Vec<String> = mutants(reference, Some(stub)).into_iter().map(|m| m.what).collect();
        assert_eq!(
            kept,
            [
                "body of `fn task` -> `0`",
                "body of `fn task` -> `1`",
                "`1` -> `0` in `b + 1`",
                "`1` -> `2` in `b + 1`"
            ]
        );
    }

    #[test]
    fn ordering_becomes_relaxed_but_not_in_comments_or_strings() {
        let text = "// Ordering::Acquire\nlet s = \"Ordering::SeqCst\";\nx.load(Ordering::Acquire);\n";
        assert_eq!(
            by("ordering", text),
            ["// Ordering::Acquire\nlet s = \"Ordering::SeqCst\";\nx.load(Ordering::Relaxed);\n"]
        );
    }

    #[test]
    fn drops_a_notify_statement_whole() {
        let text =
            "fn f() {\n    drop(q);\n    if asleep {\n        self.cv.notify_one(); // wake\n    }\n}\n";
        assert_eq!(
            by("drop-notify", text),
            ["fn f() {\n    drop(q);\n    if asleep {\n         // wake\n    }\n}\n"]
        );
        // Not inside a call's arguments, nor in a comment.
        assert!(by("drop-notify", "f(cv.notify_one()); // cv.notify_all();").is_empty());
    }

    #[test]
    fn drops_wait_and_join_statements() {
        let text = "{ q = cv.wait(q).unwrap(); for w in ws { w.join().unwrap(); } }";
        assert_eq!(
            by("drop-wait", text),
            ["{  for w in ws { w.join().unwrap(); } }"],
            "the wait statement goes, from its start to its `;`"
        );
        assert_eq!(by("drop-join", text), ["{ q = cv.wait(q).unwrap(); for w in ws {  } }"]);
    }

    #[test]
    fn comparisons_and_bounds_are_off_by_one_but_generics_are_left_alone() {
        let text = "fn f<T>(v: Vec<T>) -> bool { v.len() < 3 }";
        assert_eq!(by("comparison", text), ["fn f<T>(v: Vec<T>) -> bool { v.len() <= 3 }"]);
        assert_eq!(
            by("off-by-one", text),
            ["fn f<T>(v: Vec<T>) -> bool { v.len() < 2 }", "fn f<T>(v: Vec<T>) -> bool { v.len() < 4 }"]
        );
        assert_eq!(by("off-by-one", "for i in 0..n {}"), ["for i in 0..=n {}"]);
        assert!(by("off-by-one", "let s = \"n < 3\"; S { ..x }").is_empty());
    }

    #[test]
    fn while_becomes_if() {
        assert_eq!(by("while-to-if", "while !ready { g = cv.wait(g); }"), ["if !ready { g = cv.wait(g); }"]);
    }

    #[test]
    fn swaps_a_statement_across_an_unlock() {
        let text = "fn f() {\n    q.closed = true;\n    drop(q);\n    cv.notify_all();\n}\n";
        assert_eq!(
            by("swap", text),
            [
                "fn f() {\n    drop(q);\n    q.closed = true;\n    cv.notify_all();\n}\n",
                "fn f() {\n    q.closed = true;\n    cv.notify_all();\n    drop(q);\n}\n",
            ]
        );
    }

    #[test]
    fn trivial_bodies_fit_the_return_type() {
        let text = "fn n(&self) -> usize { self.v.len() }\nfn r() -> Result<bool, E> { x()? }\nfn g<T>() -> T { t() }";
        assert_eq!(
            by("trivial-body", text),
            [
                "fn n(&self) -> usize { 0 }\nfn r() -> Result<bool, E> { x()? }\nfn g<T>() -> T { t() }",
                "fn n(&self) -> usize { 1 }\nfn r() -> Result<bool, E> { x()? }\nfn g<T>() -> T { t() }",
                "fn n(&self) -> usize { self.v.len() }\nfn r() -> Result<bool, E> { Ok(false) }\nfn g<T>() -> T { t() }",
                "fn n(&self) -> usize { self.v.len() }\nfn r() -> Result<bool, E> { Ok(true) }\nfn g<T>() -> T { t() }",
            ]
        );
    }
}
