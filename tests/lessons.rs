//! The lessons' shape: every kata README has the same sections in the same order (the grader's
//! `hint` cites one of them), its title is the course's, and it names only files that exist.

use katas::{kata_dirs, root};

/// The `##` sections of every kata README, in order; "Going further" may close a lesson.
const SECTIONS: [&str; 4] = ["The ideas", "Your task", "Check your work", "What the hidden tests check"];
const OPTIONAL_LAST: &str = "Going further";

/// Headings outside fenced code blocks: (level, text).
fn headings(markdown: &str) -> Vec<(usize, String)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in markdown.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            let level = line.chars().take_while(|c| *c == '#').count();
            out.push((level, line[level..].trim().to_string()));
        }
    }
    out
}

#[test]
fn every_kata_readme_has_the_same_sections() {
    let course = std::fs::read_to_string(root().join("grader/course.toml")).unwrap();
    let titles: Vec<&str> = course
        .lines()
        .filter_map(|l| l.strip_prefix("title = \""))
        .map(|t| t.trim_end_matches('"'))
        .collect();
    let dirs = kata_dirs(&root());
    assert_eq!(titles.len(), dirs.len(), "one course.toml title per kata");
    for (dir, title) in dirs.iter().zip(&titles) {
        let text = std::fs::read_to_string(root().join("exercises").join(dir).join("README.md")).unwrap();
        let h = headings(&text);
        let number = &dir[..2];
        assert_eq!(h[0].0, 1, "{dir}: starts with its title");
        assert_eq!(h[0].1.replace('`', ""), format!("{number} · {title}"), "{dir}: the course's title");
        let sections: Vec<&str> = h.iter().filter(|(l, _)| *l == 2).map(|(_, t)| t.as_str()).collect();
        let expected: Vec<&str> = SECTIONS.to_vec();
        let body = if sections.last() == Some(&OPTIONAL_LAST) {
            &sections[..sections.len() - 1]
        } else {
            &sections[..]
        };
        assert_eq!(body, expected.as_slice(), "{dir}: the sections of a kata README");
        assert_eq!(h.iter().filter(|(l, _)| *l == 1).count(), 1, "{dir}: one title");
    }
}

#[test]
fn the_hint_command_cites_a_section_every_readme_has() {
    let hint = std::fs::read_to_string(root().join("grader/src/student/hint.rs")).unwrap();
    let cited = hint
        .lines()
        .find_map(|l| l.trim().strip_prefix("pub const IDEAS: &str = \""))
        .map(|t| t.trim_end_matches("\";"))
        .expect("hint.rs names the section it cites");
    assert_eq!(cited, SECTIONS[0]);
}

#[test]
fn lessons_name_only_files_that_exist() {
    // A lesson that says "leave src/http.rs alone" must have one.
    for dir in kata_dirs(&root()) {
        let kata = root().join("exercises").join(&dir);
        let text = std::fs::read_to_string(kata.join("README.md")).unwrap();
        for (i, _) in text.match_indices("src/") {
            let start =
                text[..i].rfind(|c: char| c.is_whitespace() || c == '`' || c == '(').map_or(0, |s| s + 1);
            let end = i + text[i..]
                .find(|c: char| c.is_whitespace() || c == '`' || c == ')' || c == ',')
                .unwrap_or(text.len() - i);
            let path = text[start..end].trim_end_matches(['.', ':', ';']);
            if !path.ends_with(".rs") || path.contains('*') || path.contains("NN") {
                continue;
            }
            let candidates = [kata.join(path), root().join(path), root().join("exercises").join(path)];
            assert!(
                candidates.iter().any(|p| p.exists()),
                "{dir}/README.md names {path}, which does not exist"
            );
        }
    }
}
