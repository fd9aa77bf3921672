#!/usr/bin/env bash
# The project's test command: formatting, lints, then every test (unit, property, and
# integration tests against real ZooKeeper servers started by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --check
# --all-targets here also compiles and lints the benchmark examples.
cargo clippy --all-targets --quiet -- -D warnings
# The TLS code and its test exist only with the `tls` feature.
cargo clippy --all-targets --features tls --quiet -- -D warnings
# Each integration test starts its own ensemble of JVMs; a few at a time fit 2 cores.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
RUST_TEST_THREADS="${RUST_TEST_THREADS:-3}" cargo test --no-fail-fast --lib --bins --tests 2>&1 | tee "$log" || status=$?
# Every benchmark in smoke mode (tiny sizes, the debug build just tested, seconds each), so a
# change that breaks a benchmark fails here; the full runs stay manual. BENCH_SMOKE=0 skips.
# Today: bench-churn.sh, bench-console.sh, bench-fleet.sh, bench-load.sh, bench-roll.sh, bench-scan.sh,
# bench-status.sh (benchlib.sh is their shared preamble, not a benchmark).
if [ "${BENCH_SMOKE:-1}" != 0 ]; then
  for bench in scripts/bench-*.sh; do
    name=$(basename "$bench" .sh)
    echo "== $name --smoke" | tee -a "$log"
    started=$SECONDS
    if timeout 600 bash "$bench" --smoke >"$log.$name" 2>&1; then
      # Its figures, for the CI log (a smoke run prints a few dozen lines); "test result"
      # lines keep the closing count honest.
      cat "$log.$name"
      echo "test result: ok. 1 passed; 0 failed ($name --smoke, $((SECONDS - started)) s)" | tee -a "$log"
    else
      tail -n 40 "$log.$name"
      echo "test result: FAILED. 0 passed; 1 failed ($name --smoke)" | tee -a "$log"
      status=1
    fi
    rm -f "$log.$name"
  done
fi
cargo test --features tls --test tls 2>&1 | tee -a "$log" || status=$?
# One closing line for the whole run (each test binary prints its own).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
echo "test.sh took $((SECONDS / 60)) min $((SECONDS % 60)) s (setup, lints, tests, smoke runs)"
exit $status
