#!/usr/bin/env bash
# Quick start: a local 3-member ZooKeeper sandbox with the console on it. Everything is torn
# down when the console exits. Extra arguments go to `zkconsole sandbox` (e.g. --members 5).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --quiet
exec ./target/release/zkconsole sandbox "$@"
