#!/usr/bin/env bash
# The project's test command: formatting, lints, then every test (unit, property, and
# integration tests against real ZooKeeper servers started by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
# Each integration test starts its own ensemble of JVMs; a few at a time fit 2 cores.
RUST_TEST_THREADS="${RUST_TEST_THREADS:-3}" cargo test --all-targets
