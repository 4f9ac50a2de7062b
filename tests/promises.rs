//! Every kata whose README has a "What the hidden tests check" table keeps it in step with its
//! hidden suite: each row (a promise the kata makes) names at least one test, every test it
//! names is registered in grader/suites/NN-name.rs (or the kata's loom suite), and every
//! registered test proves at least one row. So no promise is left without a test, and no test
//! checks something the kata never promised.

use std::collections::BTreeSet;
use std::path::Path;

/// The heading of the section that holds the table.
const SECTION: &str = "## What the hidden tests check";
/// The table's header row.
const HEADER: &str = "| Promise | Hidden tests |";

/// One row of a kata's table: the promise and the tests named for it.
struct Row {
    line: usize,
    promise: String,
    tests: Vec<String>,
}

/// The names of the tests a suite registers: every `test!(name)`, read from the source the
/// way the grader reads a suite it cannot build (grader/src/plan/suite_scan.rs).
fn registered(source: &str) -> BTreeSet<String> {
    source
        .split("test!(")
        .skip(1)
        .filter_map(|part| {
            let name: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            (!name.is_empty() && part[name.len()..].starts_with(')')).then_some(name)
        })
        .collect()
}

/// Splits a markdown table row into its cells, minding backticks (a `|` inside code is text).
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let (mut out, mut cell, mut code) = (Vec::new(), String::new(), false);
    for c in inner.chars() {
        match c {
            '`' => {
                code = !code;
                cell.push(c);
            }
            '|' if !code => out.push(std::mem::take(&mut cell).trim().to_string()),
            _ => cell.push(c),
        }
    }
    out.push(cell.trim().to_string());
    out
}

/// The table of a README, or `None` when it has no such section or the section has no table.
/// Panics, naming the kata, when the section has a table that is not in the agreed shape.
fn table(kata: &str, readme: &str) -> Option<Vec<Row>> {
    let lines: Vec<&str> = readme.lines().collect();
    let start = lines.iter().position(|l| l.trim_end() == SECTION)?;
    let section: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .skip(start + 1)
        .take_while(|(_, l)| !l.starts_with("## "))
        .map(|(i, l)| (i + 1, *l))
        .collect();
    if !section.iter().any(|(_, l)| l.trim_start().starts_with('|')) {
        return None; // prose only: this kata has no table yet
    }
    let header = section.iter().position(|(_, l)| l.trim() == HEADER).unwrap_or_else(|| {
        panic!("{kata}: README's \"{SECTION}\" has no table whose header row is exactly `{HEADER}`")
    });
    let mut rows = Vec::new();
    for &(line, text) in section[header + 1..].iter().take_while(|(_, l)| l.trim_start().starts_with('|')) {
        let cells = cells(text);
        if cells.iter().all(|c| c.chars().all(|ch| ch == '-' || ch == ':')) {
            continue; // the separator row
        }
        assert_eq!(cells.len(), 2, "{kata}: README line {line} is not a two-column row: {text}");
        let tests = cells[1]
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                let name = t.strip_prefix('`').and_then(|t| t.strip_suffix('`'));
                name.unwrap_or_else(|| {
                    panic!("{kata}: README line {line}: the test `{t}` must be written in backticks")
                })
                .to_string()
            })
            .collect();
        rows.push(Row { line, promise: cells[0].clone(), tests });
    }
    assert!(!rows.is_empty(), "{kata}: README's \"{SECTION}\" table has no rows");
    Some(rows)
}

/// What is wrong between a kata's table and its suite's registrations, one line each.
fn mismatches(kata: &str, rows: &[Row], tests: &BTreeSet<String>) -> Vec<String> {
    let mut wrong = Vec::new();
    for row in rows {
        if row.promise.is_empty() {
            wrong.push(format!("{kata}: README line {}: a row with no promise", row.line));
        }
        if row.tests.is_empty() {
            wrong.push(format!(
                "{kata}: README line {}: the promise \"{}\" names no hidden test",
                row.line, row.promise
            ));
        }
        for t in row.tests.iter().filter(|t| !tests.contains(*t)) {
            wrong.push(format!(
                "{kata}: README line {}: the promise \"{}\" names `{t}`, which grader/suites/{kata}.rs does not register",
                row.line, row.promise
            ));
        }
    }
    let named: BTreeSet<&String> = rows.iter().flat_map(|r| &r.tests).collect();
    for t in tests.iter().filter(|t| !named.contains(t)) {
        wrong.push(format!(
            "{kata}: the hidden test `{t}` proves no promise: add it to a row of the README's \"{SECTION}\" table"
        ));
    }
    wrong
}

/// Every test a kata's suites register (its loom suite too, when it has one).
fn suite_tests(root: &Path, kata: &str) -> BTreeSet<String> {
    let suites = root.join("grader/suites");
    let mut tests = BTreeSet::new();
    for file in [format!("{kata}.rs"), format!("{kata}.loom.rs")] {
        if let Ok(source) = std::fs::read_to_string(suites.join(file)) {
            tests.extend(registered(&source));
        }
    }
    tests
}

#[test]
fn every_promise_has_a_registered_test_and_every_test_a_promise() {
    let root = katas::root();
    let mut katas: Vec<String> = std::fs::read_dir(root.join("exercises"))
        .expect("exercises/")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    katas.sort();
    let mut wrong = Vec::new();
    let (mut checked, mut without) = (0, Vec::new());
    for kata in &katas {
        let Ok(readme) = std::fs::read_to_string(root.join("exercises").join(kata).join("README.md")) else {
            continue;
        };
        let Some(rows) = table(kata, &readme) else {
            without.push(kata.as_str());
            continue;
        };
        let tests = suite_tests(&root, kata);
        assert!(
            !tests.is_empty(),
            "{kata}: its README has a promise table, but grader/suites/{kata}.rs registers no test"
        );
        wrong.extend(mismatches(kata, &rows, &tests));
        checked += 1;
    }
    if !without.is_empty() {
        eprintln!("katas without a promise table yet: {}", without.join(", "));
    }
    assert!(checked > 0, "no kata README has a \"{SECTION}\" table");
    assert!(wrong.is_empty(), "promise tables out of step with the hidden suites:\n{}", wrong.join("\n"));
}

#[test]
fn a_table_out_of_step_is_reported_by_kata_and_row() {
    let readme = "# K\n\n## What the hidden tests check\n\nIntro.\n\n| Promise | Hidden tests |\n|---|---|\n\
                  | adds | `adds_up`, `gone` |\n| no test here |  |\n| a `a|b` pipe in code | `adds_up` |\n";
    let rows = table("99-demo", readme).expect("a table");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].promise, "a `a|b` pipe in code");
    let tests = registered("kit::suite(&[\n    test!(adds_up).points(2),\n    test!(unlisted),\n]);");
    let found = mismatches("99-demo", &rows, &tests);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].contains("README line 9") && found[0].contains("names `gone`"), "{}", found[0]);
    assert!(found[1].contains("README line 10") && found[1].contains("names no hidden test"), "{}", found[1]);
    assert!(found[2].contains("`unlisted` proves no promise"), "{}", found[2]);
    assert!(table("99-demo", "# K\n\n## Your task\n").is_none(), "no section, no table");
    assert!(table("99-demo", "# K\n\n## What the hidden tests check\n\n- prose\n").is_none(), "prose only");
    let misshapen = std::panic::catch_unwind(|| {
        table("99-demo", "## What the hidden tests check\n| Promise | Tests |\n")
    });
    assert!(misshapen.is_err(), "a table with another header row is an error, not a skip");
}
