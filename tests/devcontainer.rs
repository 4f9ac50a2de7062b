//! The dev container (`.devcontainer/`) installs what CI installs, by the same script: no
//! container can run on the machines that test this project, so the test checks the wiring.

use katas::root;

#[test]
fn the_dev_container_and_ci_install_with_one_script() {
    let script = root().join(".ci/install-deps");
    let syntax = std::process::Command::new("bash").arg("-n").arg(&script).status().expect("run bash -n");
    assert!(syntax.success(), ".ci/install-deps is not valid bash");

    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(ci.lines().any(|l| l.trim() == ".ci/install-deps"), ".ci/run does not call .ci/install-deps");

    let dockerfile = std::fs::read_to_string(root().join(".devcontainer/Dockerfile")).unwrap();
    let copied = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("COPY .ci/install-deps "))
        .expect("the Dockerfile copies .ci/install-deps")
        .trim();
    let runs = dockerfile.lines().filter_map(|l| l.strip_prefix("RUN ")).any(|cmd| {
        cmd.split("&&").any(|part| {
            let program = part.split_whitespace().next().unwrap_or("");
            program == copied || copied.ends_with(&format!("/{program}"))
        })
    });
    assert!(runs, "the Dockerfile copies the install script to {copied} but never runs it");
    let toolchain = dockerfile.lines().find_map(|l| l.strip_prefix("FROM ")).expect("a base image");
    assert!(toolchain.starts_with("rust:"), "the base image has no Rust toolchain: {toolchain}");

    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join(".devcontainer/devcontainer.json")).unwrap(),
    )
    .expect("devcontainer.json is JSON");
    assert_eq!(json["build"]["dockerfile"], "Dockerfile");
    assert_eq!(json["build"]["context"], "..", "the build context must be the checkout, for COPY .ci/...");
}

#[test]
fn ci_type_checks_macos_and_windows_with_the_same_install_script() {
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(ci.lines().any(|l| l.trim() == ".ci/cross-check"), ".ci/run does not call .ci/cross-check");
    let script = root().join(".ci/cross-check");
    let syntax = std::process::Command::new("bash").arg("-n").arg(&script).status().expect("run bash -n");
    assert!(syntax.success(), ".ci/cross-check is not valid bash");
    let cross = std::fs::read_to_string(&script).unwrap();
    assert!(
        cross.lines().any(|l| l.trim() == ".ci/install-deps --cross"),
        ".ci/cross-check must install its toolchain with .ci/install-deps --cross"
    );
    for target in ["aarch64-apple-darwin", "x86_64-pc-windows-msvc"] {
        assert!(cross.contains(target), ".ci/cross-check does not check {target}");
    }
    let install = std::fs::read_to_string(root().join(".ci/install-deps")).unwrap();
    assert!(
        install.contains("rustc-web cargo-web rust-web-src"),
        "install-deps --cross installs Debian's Rust"
    );
}

#[test]
fn the_workspace_cross_check_type_checks_is_the_one_the_grader_builds() {
    let dir = tempfile::tempdir().unwrap();
    let staged = dir.path().join("staged");
    let out = katas::grader()
        .args(["__stage", staged.to_str().unwrap(), "--submission", "solutions"])
        .output()
        .expect("run grader __stage");
    assert!(out.status.success(), "grader __stage failed: {}", String::from_utf8_lossy(&out.stderr));
    let manifest = std::fs::read_to_string(staged.join("Cargo.toml")).unwrap();
    let katas = katas::kata_dirs(&root());
    for kata in &katas {
        assert!(manifest.contains(&format!("\"katas-0/{kata}\"")), "{kata} is not a member:\n{manifest}");
        let suite = std::fs::read(root().join("grader/suites").join(format!("{kata}.rs"))).unwrap();
        assert_eq!(std::fs::read(staged.join("katas-0").join(kata).join("tests/hidden.rs")).unwrap(), suite);
        let lib = std::fs::read(root().join("solutions").join(kata).join("src/lib.rs")).unwrap();
        assert_eq!(
            std::fs::read(staged.join("katas-0").join(kata).join("src/lib.rs")).unwrap(),
            lib,
            "{kata}"
        );
    }
}
