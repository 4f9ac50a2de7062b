#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image: a Rust toolchain, the crates
# the course needs (the only step that uses the network), then the grader in release mode,
# offline, and every kata's dependencies compiled by grading the reference solutions once.
# Written by `grader gradescope`. AUTOGRADER_ROOT (default /autograder) and CARGO_TARGET_DIR
# (default source/target) may be set to try the package elsewhere; GRADER_WARM=01,02 narrows
# the warm-up to some katas, GRADER_WARM=none skips it.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
if ! command -v cargo >/dev/null; then
    apt-get update -q
    apt-get install -y -q --no-install-recommends curl ca-certificates build-essential git
    curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    . "$HOME/.cargo/env"
fi
cd "$SOURCE"
TARGET="${CARGO_TARGET_DIR:-$SOURCE/target}"
cargo fetch --locked
cargo build --release --locked --offline -p grader
warm="${GRADER_WARM:-}"
if [ "$warm" != none ]; then
    # Grading the reference solutions compiles every kata's dependencies into the cache each
    # submission is graded with. Failing tests here are not an error; a grader that cannot run is.
    status=0
    GRADER_COURSE_ROOT="$SOURCE" CARGO_NET_OFFLINE=true "$TARGET/release/grader" \
        --submission solutions --format json $warm >/dev/null || status=$?
    [ "$status" -le 1 ] || { echo "setup.sh: the grader could not grade the solutions (exit $status)" >&2; exit 1; }
fi
