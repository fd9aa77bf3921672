#!/usr/bin/env bash
# The project's test command: formatting, lints, then every test (unit, property, and
# integration tests against real ZooKeeper servers started by the tests) and every benchmark
# in smoke mode.
#
# Where the time goes (2 cores): building, and tests that wait on ZooKeeper JVMs. So: the
# default build (no TLS) is linted and type-checked in every target, and everything is built
# once, with the `tls` feature (a superset: the same code plus the TLS paths), for the tests,
# the TLS test and the smoke runs alike; and the test binaries run two at a time, the slowest
# first, since most of a JVM test is waiting.
# Knobs: TEST_JOBS (test binaries at once, 2), RUST_TEST_THREADS (tests at once in a binary, 2),
# BENCH_SMOKE=0 (skip the smoke runs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
export RUST_TEST_THREADS=${RUST_TEST_THREADS:-2}
JOBS=${TEST_JOBS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/all.log
touch "$log"
phases=()
phase() { # phase NAME STARTED: notes how long a phase took, for the closing lines
  phases+=("$1 $((SECONDS - $2)) s")
}

started=$SECONDS
bash scripts/setup.sh
cargo fmt --check
# --all-targets here also compiles and lints the benchmark examples.
cargo clippy --all-targets --quiet -- -D warnings
# The TLS code and its test exist only with the `tls` feature.
cargo clippy --all-targets --features tls --quiet -- -D warnings
phase lints "$started"

# One build for everything that runs: the test binaries, the binary they run, and the examples
# the smoke runs use. The non-TLS build differs only by the cfg(not(feature = "tls")) stubs
# that refuse a TLS address; clippy above compiles them.
started=$SECONDS
cargo test --no-run --features tls --lib --bins --tests \
  --message-format=json-render-diagnostics >"$work/build.json"
# (`cargo test --examples` would build them as test harnesses, elsewhere.)
cargo build --features tls --examples --quiet
# The test harness executables, as "SOURCE EXECUTABLE" (source relative to the repo).
grep '"reason":"compiler-artifact"' "$work/build.json" | grep '"profile":{[^}]*"test":true' |
  sed -n 's|.*"src_path":"'"$ROOT"'/\([^"]*\)".*"executable":"\([^"]*\)".*|\1 \2|p' >"$work/tests" || true
phase build "$started"
[ -s "$work/tests" ] || { echo "test.sh: the build listed no test executables" >&2; exit 1; }

# The slowest first (several real sandboxes each, measured on 2 cores), so the other slot
# takes the short ones meanwhile; the rest in the build's order.
slow=(tests/static_change.rs tests/rolling.rs tests/membership.rs tests/console_expand_hosts.rs
  tests/exit_codes.rs tests/scan.rs tests/load.rs tests/foundation.rs tests/static_members.rs
  tests/console_e2e.rs tests/incident_report.rs tests/notify.rs)
{
  for s in "${slow[@]}"; do grep "^$s " "$work/tests" || true; done
  grep -v -F -f <(printf '%s \n' "${slow[@]}") "$work/tests" || true
} >"$work/order"

# run_bin SOURCE EXE: runs one test binary from the repo root (as cargo does), then prints its
# whole output at once (the other slot's output never interleaves) and notes a failure.
run_bin() {
  local src=$1 exe=$2 out t0=$SECONDS rc=0
  out=$work/$(echo "$src" | tr / _).out
  "$exe" >"$out" 2>&1 </dev/null || rc=$?
  {
    flock 9
    { echo "     Running $src ($((SECONDS - t0)) s, exit $rc)"; cat "$out"; } | tee -a "$log"
    [ "$rc" = 0 ] || echo "$src" >>"$work/failed"
  } 9>"$work/print.lock"
}

started=$SECONDS
running=0
# The list on fd 3: a test's child reading its stdin must not eat it.
while read -r src exe <&3; do
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_bin "$src" "$exe" </dev/null &
  running=$((running + 1))
done 3<"$work/order"
wait
phase tests "$started"
status=0
ran=$(grep -c '^     Running ' "$log" || true)
if [ "$ran" != "$(wc -l <"$work/order")" ]; then
  status=1
  echo "test.sh: $ran of $(wc -l <"$work/order") test binaries ran"
fi
if [ -s "$work/failed" ]; then
  status=1
  echo "test.sh: failed test binaries: $(tr '\n' ' ' <"$work/failed")"
fi

# Every benchmark in smoke mode (tiny sizes, the debug build just tested, seconds each), so a
# change that breaks a benchmark fails here; the full runs stay manual. BENCH_SMOKE=0 skips.
# Today: bench-churn.sh, bench-console.sh, bench-fleet.sh, bench-load.sh, bench-roll.sh, bench-scan.sh,
# bench-status.sh (benchlib.sh is their shared preamble, not a benchmark). They use the binaries
# built above (BENCH_SKIP_BUILD=1): building them again without the feature would cost a build.
if [ "${BENCH_SMOKE:-1}" != 0 ]; then
  started=$SECONDS
  for bench in scripts/bench-*.sh; do
    name=$(basename "$bench" .sh)
    echo "== $name --smoke" | tee -a "$log"
    t0=$SECONDS
    if BENCH_SKIP_BUILD=1 timeout 600 bash "$bench" --smoke >"$work/$name" 2>&1; then
      # Its figures, for the CI log (a smoke run prints a few dozen lines); "test result"
      # lines keep the closing count honest.
      cat "$work/$name"
      echo "test result: ok. 1 passed; 0 failed ($name --smoke, $((SECONDS - t0)) s)" | tee -a "$log"
    else
      tail -n 40 "$work/$name"
      echo "test result: FAILED. 0 passed; 1 failed ($name --smoke)" | tee -a "$log"
      status=1
    fi
  done
  phase smoke "$started"
fi
# One closing line for the whole run (each test binary prints its own).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
echo "test.sh took $((SECONDS / 60)) min $((SECONDS % 60)) s: $(IFS=,; echo "${phases[*]}" | sed 's/,/, /g')"
exit $status
