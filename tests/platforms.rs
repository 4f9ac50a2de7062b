//! docs/platforms.md, which hidden tests run on Linux, macOS and Windows, is derived from the
//! code: the tests each suite registers, the `kit::require` calls (a skip) and the
//! `Needs::X.here()` checks (a part left out) each one reaches through the suite's own
//! functions and the kit's, and the platforms of each need in `kit::platform`, where the kit's
//! `cfg`s decide. `UPDATE_PLATFORMS=1 cargo test --test platforms` rewrites it.

use std::collections::{BTreeMap, BTreeSet};

use katas::root;
use kit::{Needs, Platform};

/// A function of a source file: its name and its text, signature included.
struct Function {
    name: String,
    text: String,
}

/// Functions of rustfmt-formatted source: at any indentation if `nested`, else only at the top.
/// A body ends at the first `}` at its own indentation.
fn functions(src: &str, nested: bool) -> Vec<Function> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if !nested && !indent.is_empty() {
            continue;
        }
        let signature = ["pub fn ", "pub(crate) fn ", "pub const fn ", "const fn ", "fn "]
            .iter()
            .find_map(|p| trimmed.strip_prefix(p));
        let Some(rest) = signature else { continue };
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if trimmed.ends_with(';') {
            continue; // a declaration without a body
        }
        let end = if trimmed.ends_with('}') {
            i
        } else {
            let close = format!("{indent}}}");
            (i + 1..lines.len()).find(|&j| lines[j] == close).expect("a body ends at its own indentation")
        };
        out.push(Function { name, text: lines[i..=end].join("\n") });
    }
    out
}

/// The names a text calls: every identifier directly followed by `(`.
fn calls(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut ident = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            ident.push(c);
        } else {
            if c == '(' && !ident.is_empty() && !ident.starts_with(|d: char| d.is_ascii_digit()) {
                out.insert(ident.clone());
            }
            ident.clear();
        }
    }
    out
}

/// The needs a text asks for directly: `require(kit::Needs::X)` or `require_some(Needs::X, ..)`.
fn required(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for call in ["require(", "require_some("] {
        for (at, _) in text.match_indices(call) {
            let args = text[at + call.len()..].trim_start();
            let args = args.trim_start_matches("kit::").trim_start_matches("crate::");
            if let Some(need) = args.strip_prefix("Needs::") {
                out.insert(need.chars().take_while(|c| c.is_alphanumeric()).collect());
            }
        }
    }
    out
}

/// The needs a text checks for before a part of its work: `Needs::X.here()`.
fn checked(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in text.match_indices("Needs::") {
        let need: String = text[at + 7..].chars().take_while(|c| c.is_alphanumeric()).collect();
        if text[at + 7 + need.len()..].starts_with(".here()") {
            out.insert(need);
        }
    }
    out
}

/// Each function's own needs (required, checked) and the names it calls.
type Graph = BTreeMap<String, ([BTreeSet<String>; 2], BTreeSet<String>)>;

/// Every need `name` reaches through the functions of `graph`: required, and checked.
fn reach(name: &str, graph: &Graph) -> [BTreeSet<String>; 2] {
    let (mut seen, mut todo) = (BTreeSet::new(), vec![name.to_string()]);
    let mut needs = [BTreeSet::new(), BTreeSet::new()];
    while let Some(f) = todo.pop() {
        if !seen.insert(f.clone()) {
            continue;
        }
        if let Some((direct, called)) = graph.get(&f) {
            for (all, these) in needs.iter_mut().zip(direct) {
                all.extend(these.iter().cloned());
            }
            todo.extend(called.iter().cloned());
        }
    }
    needs
}

fn need(name: &str) -> Needs {
    *Needs::ALL.iter().find(|n| format!("{n:?}") == name).unwrap_or_else(|| panic!("no kit::Needs::{name}"))
}

/// The kit's functions that skip, or leave checks out, somewhere: what they need, by name.
fn kit_requirements() -> BTreeMap<String, [BTreeSet<String>; 2]> {
    let mut graph = Graph::new();
    for entry in std::fs::read_dir(root().join("grader/kit/src")).unwrap() {
        let src = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for f in functions(&src, true) {
            if !["require", "require_some", "here"].contains(&f.name.as_str()) {
                graph.insert(f.name.clone(), ([required(&f.text), checked(&f.text)], calls(&f.text)));
            }
        }
    }
    let needs = graph.keys().map(|k| (k.clone(), reach(k, &graph)));
    needs.filter(|(_, [required, checked])| !required.is_empty() || !checked.is_empty()).collect()
}

/// A hidden test and what it needs: all of `required` to run, `checked` for part of its checks.
struct Test {
    name: String,
    required: BTreeSet<Needs>,
    checked: BTreeSet<Needs>,
}

impl Test {
    fn runs(&self, on: Platform) -> bool {
        self.required.iter().all(|n| n.platforms().contains(&on))
    }

    /// What `on` lacks of what the test needs, among `needs`.
    fn missing(needs: &BTreeSet<Needs>, on: Platform) -> Vec<Needs> {
        needs.iter().copied().filter(|n| !n.platforms().contains(&on)).collect()
    }

    fn everywhere(&self) -> bool {
        Platform::ALL.iter().all(|&p| self.runs(p) && Test::missing(&self.checked, p).is_empty())
    }
}

/// One kata's hidden tests, every suite of it, in order.
struct Kata {
    number: u32,
    name: String,
    tests: Vec<Test>,
}

fn katas() -> Vec<Kata> {
    let kit = kit_requirements();
    let course: toml::Table =
        std::fs::read_to_string(root().join("grader/course.toml")).unwrap().parse().unwrap();
    let mut out = Vec::new();
    for ex in course["exercise"].as_array().unwrap() {
        let number = ex["number"].as_integer().unwrap() as u32;
        let name = ex["name"].as_str().unwrap().to_string();
        let mut suites = vec![format!("{number:02}-{name}.rs")];
        if ex.get("loom").and_then(|l| l.as_bool()) == Some(true) {
            suites.push(format!("{number:02}-{name}.loom.rs"));
        }
        let mut tests = Vec::new();
        for suite in suites {
            let src = std::fs::read_to_string(root().join("grader/suites").join(&suite)).unwrap();
            assert_no_platform_skip(&suite, &src);
            let mut graph = Graph::new();
            for f in functions(&src, false) {
                graph.insert(f.name.clone(), ([required(&f.text), checked(&f.text)], calls(&f.text)));
            }
            for (name, needs) in &kit {
                assert!(
                    !graph.contains_key(name),
                    "{suite}: `{name}` shadows the kit's, which skips somewhere"
                );
                graph.insert(name.clone(), (needs.clone(), BTreeSet::new()));
            }
            for (at, _) in src.match_indices("test!(") {
                let name: String =
                    src[at + 6..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                assert!(graph.contains_key(&name), "{suite}: no function {name}");
                let [required, checked] = reach(&name, &graph);
                let required: BTreeSet<Needs> = required.iter().map(|n| need(n)).collect();
                let checked = checked.iter().map(|n| need(n)).filter(|n| !required.contains(n)).collect();
                tests.push(Test { name, required, checked });
            }
        }
        out.push(Kata { number, name, tests });
    }
    out
}

/// A platform's skip goes through `kit::require`, so that this table sees it.
fn assert_no_platform_skip(suite: &str, src: &str) {
    for (at, _) in src.match_indices("skip(") {
        let call: String = src[at..].chars().take(160).collect();
        for word in ["Linux", "Unix", "macOS", "Windows"] {
            assert!(
                !call.contains(word),
                "{suite}: a skip that names a platform ({call:?}): use kit::require(kit::Needs::...) instead"
            );
        }
    }
}

fn needs_list(needs: impl IntoIterator<Item = Needs>) -> String {
    needs.into_iter().map(|n| format!("`{n:?}`")).collect::<Vec<_>>().join(", ")
}

const INTRO: &str = "# Which hidden tests run where

Linux is the reference platform: every hidden test runs there in full, and in the course's dev
container (`.devcontainer/`) on any machine. On macOS and Windows a test that needs what the
platform does not let a process see is reported as `skipped`, with a reason that names it, the
same for every student there: its points leave that platform's maximum. A test that runs \"in
part\" leaves out only the checks that need what the platform lacks (zombies and orphans can be
found on Linux only; a killed child is still seen to end everywhere).

CI type-checks the grader, every kata's stub, every reference solution and every hidden suite
(but kata 13's loom model checks, which hold no platform code) for macOS (`aarch64-apple-darwin`)
and Windows (`x86_64-pc-windows-msvc`) with `-D warnings`: `.ci/cross-check`.

Generated from the code: the suites' `kit::require` calls and `Needs::X.here()` checks, and
`grader/kit/src/platform.rs`. `tests/platforms.rs` fails when this file is out of step;
`UPDATE_PLATFORMS=1 cargo test --test platforms` rewrites it.

## What a test may need

| need | what it is | Linux | macOS | Windows |
|---|---|---|---|---|
";

/// How many hidden tests of each kata run on each platform: in docs/platforms.md and the README.
fn per_kata(katas: &[Kata]) -> String {
    let mut doc = String::from("| kata | tests | Linux | macOS | Windows |\n|---|---|---|---|---|\n");
    // Per platform: tests that run, and how many of those in part.
    let count = |tests: &[Test], p: Platform| {
        let runs: Vec<&Test> = tests.iter().filter(|t| t.runs(p)).collect();
        (runs.len(), runs.iter().filter(|t| !Test::missing(&t.checked, p).is_empty()).count())
    };
    let cell = |(runs, part): (usize, usize)| match part {
        0 => runs.to_string(),
        _ => format!("{runs} ({part} in part)"),
    };
    let mut totals = [(0, 0); 3];
    for k in katas {
        let counts: Vec<(usize, usize)> = Platform::ALL.iter().map(|&p| count(&k.tests, p)).collect();
        for (t, c) in totals.iter_mut().zip(&counts) {
            *t = (t.0 + c.0, t.1 + c.1);
        }
        let cells: Vec<String> = counts.into_iter().map(cell).collect();
        doc.push_str(&format!(
            "| {:02} {} | {} | {} |\n",
            k.number,
            k.name,
            k.tests.len(),
            cells.join(" | ")
        ));
    }
    let all: usize = katas.iter().map(|k| k.tests.len()).sum();
    let cells: Vec<String> = totals.into_iter().map(cell).collect();
    doc.push_str(&format!("| all | {all} | {} |\n", cells.join(" | ")));
    doc
}

fn table() -> String {
    let katas = katas();
    let mut doc = INTRO.to_string();
    for n in Needs::ALL {
        let cells: Vec<&str> =
            Platform::ALL.iter().map(|p| if n.platforms().contains(p) { "yes" } else { "no" }).collect();
        doc.push_str(&format!("| `{n:?}` | {} | {} |\n", n.what(), cells.join(" | ")));
    }
    doc.push_str("\n## Hidden tests that run, per kata\n\n");
    doc.push_str(&per_kata(&katas));
    doc.push_str("\n## The tests that skip, or run in part, somewhere\n\n| kata | hidden test | Linux | macOS | Windows |\n|---|---|---|---|---|\n");
    for k in &katas {
        for t in k.tests.iter().filter(|t| !t.everywhere()) {
            let cells: Vec<String> = Platform::ALL
                .iter()
                .map(|&p| {
                    let (lacks, left_out) = (Test::missing(&t.required, p), Test::missing(&t.checked, p));
                    if !lacks.is_empty() {
                        format!("skipped: needs {}", needs_list(lacks))
                    } else if !left_out.is_empty() {
                        format!("in part: without {}", needs_list(left_out))
                    } else {
                        "runs".to_string()
                    }
                })
                .collect();
            doc.push_str(&format!("| {:02} | {} | {} |\n", k.number, t.name, cells.join(" | ")));
        }
    }
    doc
}

#[test]
fn the_platform_table_is_what_the_code_says() {
    let path = root().join("docs/platforms.md");
    let want = table();
    if std::env::var_os("UPDATE_PLATFORMS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/platforms.md is out of step with the suites' kit::require calls; rerun with UPDATE_PLATFORMS=1 and commit it"
    );
}

/// The README's copy of the per-kata table, between its two markers.
const README_START: &str =
    "<!-- platforms: generated from the suites' cfgs (UPDATE_PLATFORMS=1 rewrites it) -->\n";
const README_END: &str = "<!-- platforms: end -->";

#[test]
fn the_readmes_platform_table_is_what_the_code_says() {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme.find(README_START).expect("README.md has the platforms table's start marker")
        + README_START.len();
    let end =
        start + readme[start..].find(README_END).expect("README.md has the platforms table's end marker");
    let want = per_kata(&katas());
    if std::env::var_os("UPDATE_PLATFORMS").is_some() {
        std::fs::write(&path, format!("{}{want}{}", &readme[..start], &readme[end..])).unwrap();
    } else {
        assert!(
            readme[start..end] == want,
            "README.md's platform table is out of step with the suites; rerun with UPDATE_PLATFORMS=1 and commit it"
        );
    }
}

#[test]
fn the_scan_sees_calls_through_helpers_and_the_kit() {
    let src = "fn main() {\n    kit::suite(&[test!(a), test!(b)]);\n}\n\nfn a() {\n    helper();\n}\n\n\
               fn helper() {\n    kit::require(kit::Needs::ProcessTree);\n}\n\nfn b() {\n    \
               let x = kit::expect_threads_compute_at_once(|| 1);\n}\n";
    let fs = functions(src, false);
    assert_eq!(fs.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["main", "a", "helper", "b"]);
    assert!(required(&fs[2].text).contains("ProcessTree"));
    assert!(calls(&fs[1].text).contains("helper"));
    let kit = kit_requirements();
    assert!(kit["expect_threads_compute_at_once"][0].contains("ThreadClocks"), "{kit:?}");
    assert!(kit["subreaper_where_possible"][1].contains("ProcessTree"), "{kit:?}");
    assert!(kit["subreaper_where_possible"][0].is_empty(), "{kit:?}");
    assert!(!kit.contains_key("spin_for"));
}
