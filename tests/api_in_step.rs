//! Stub and solution of every kata expose the same public API, file by file, so a hidden suite
//! that compiles against one compiles against the other.

use katas::{public_api, root};

#[test]
fn every_stub_matches_its_solution() {
    // The stubs as the course ships them, not the working tree's (a student's work adds helpers).
    let stubs = katas::pristine_stubs();
    let exercises = stubs.path();
    let dirs = katas::kata_dirs(&root());
    assert!(!dirs.is_empty());
    for dir in dirs {
        let stub = public_api(&exercises.join(&dir).join("src"));
        let solution = public_api(&root().join("solutions").join(&dir).join("src"));
        assert!(!stub.is_empty(), "{dir:?}: no public items found");
        assert_eq!(stub, solution, "{dir:?}: the stub and the solution disagree on the public API");
    }
}

#[test]
fn the_api_reader_sees_signatures_and_fields() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("lib.rs"),
        "pub struct S {\n    pub a: u8,\n}\n/// doc\npub fn f<T>(x: T) -> T\nwhere\n    T: Copy,\n{\n    x\n}\n",
    )
    .unwrap();
    assert_eq!(
        public_api(tmp.path()),
        vec!["lib.rs: pub struct S", "lib.rs: pub a: u8,", "lib.rs: pub fn f<T>(x: T) -> T where T: Copy,"]
    );
}
