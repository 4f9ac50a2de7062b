//! The tests of a hidden suite read from its source, for an exercise that does not compile
//! (its suite binary cannot list them). tests/core.rs checks this agrees with `--list`.

use protocol::TestInfo;

/// Finds every `test!(name)` registration and the `.points(n)` / `.timing()` chained to it.
pub fn scan(source: &str) -> Vec<TestInfo> {
    let mut out = Vec::new();
    let parts: Vec<&str> = source.split("test!(").skip(1).collect();
    for part in parts {
        let name: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.is_empty() || !part[name.len()..].starts_with(')') {
            continue;
        }
        let chain = &part[name.len() + 1..];
        let chain = &chain[..chain.find(",\n").unwrap_or(chain.len())];
        let points = chain
            .split(".points(")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(1);
        out.push(TestInfo {
            name,
            points,
            deadline_ms: None,
            timing: chain.contains(".timing()"),
            hint: String::new(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_are_found_with_points() {
        let src = "kit::suite(&[\n    test!(a_one).points(3).hint(\"x (y)\"),\n    test!(b_two).timing(),\n    test!(c),\n]);";
        let found = scan(src);
        let got: Vec<(&str, u32, bool)> =
            found.iter().map(|t| (t.name.as_str(), t.points, t.timing)).collect();
        assert_eq!(got, vec![("a_one", 3, false), ("b_two", 1, true), ("c", 1, false)]);
    }
}
