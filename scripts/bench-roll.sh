#!/usr/bin/env bash
# Benchmark of a rolling restart under a write load, on one local sandbox (loopback only):
# the gated roll of `zkconsole roll` beside the naive procedure (restart each member as soon as
# the previous one answers `ruok`, no gate), in one run. The gated roll runs without and with
# the leader hand-off, and the leader step's longest write stall of both is printed.
#
#   bash scripts/bench-roll.sh            # 5 members, 5 s settle, release build
#   bash scripts/bench-roll.sh --smoke    # 3 members, 1 s settle, debug build (CI)
#
# Figures: total time; per member, the longest stall of a writer that sets one znode in a loop
# (the leader's step marked); failed write attempts; whether the writer's session expired.
# The floor is the stall of one election (the leader's step); the peer is the naive procedure.
set -euo pipefail
cd "$(dirname "$0")/.."
# The hand-off's reconfigs are audited: into a scratch state dir, not the operator's.
XDG_STATE_HOME="$(mktemp -d)"
export XDG_STATE_HOME
trap 'rm -rf "$XDG_STATE_HOME"' EXIT
if [ "${1:-}" = "--smoke" ]; then
  # BENCH_SKIP_BUILD=1: the example test.sh just built (with its features), as the others do.
  if [ "${BENCH_SKIP_BUILD:-0}" = 1 ]; then
    "${CARGO_TARGET_DIR:-target}/debug/examples/roll_bench" 3 1 4
  else
    cargo run --quiet --example roll_bench -- 3 1 4
  fi
else
  cargo run --quiet --release --example roll_bench -- "${BENCH_MEMBERS:-5}" "${BENCH_SETTLE_S:-5}" \
    "${BENCH_STATIC_TO:-5}"
fi
