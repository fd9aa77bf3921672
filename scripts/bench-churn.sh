#!/usr/bin/env bash
# Benchmark: the znode browser's requests per second while the node it shows churns.
#
#   bash scripts/bench-churn.sh            # full: 10,000 children, 0/50/200/550/1000 changes/s, 20 s each
#   bash scripts/bench-churn.sh --smoke    # CI: 100 children, 0 and 200 changes/s, 3 s each
#
# One local 1-member ZooKeeper sandbox (loopback only). examples/churn.rs creates and deletes
# children of /bench-churn at each rate while the console's browser (its model and session
# worker, as the event loop drives them, `[tree] min_refresh_ms` = 1000) has the node open.
# Prints per rate: the churn, the browser's own requests per second (its counter), and the
# member's `zk_packets_received` delta less the generator's requests. Without the bounded
# re-read pace the browser sent about one full listing per change (~600/s at 550/s).
#
# Knobs (environment): BENCH_SKIP_BUILD=1 (use the existing binaries), BENCH_PROFILE=debug,
# BENCH_RATES="0 550", BENCH_SECS=20, BENCH_CHILDREN=10000.
# Exits non-zero when something does not run, or (smoke and full) when the browser's rate at
# the highest churn exceeds BENCH_MAX_REQ_PER_S (default 20).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BENCH_NAME=bench-churn
. scripts/benchlib.sh
bench_args "$@"
if [ "$SMOKE" = 1 ]; then
  RATES=${BENCH_RATES:-"0 200"}; SECS=${BENCH_SECS:-3}; CHILDREN=${BENCH_CHILDREN:-100}
else
  RATES=${BENCH_RATES:-"0 50 200 550 1000"}; SECS=${BENCH_SECS:-20}; CHILDREN=${BENCH_CHILDREN:-10000}
fi
MAX_REQ=${BENCH_MAX_REQ_PER_S:-20}
# A smoke run uses the debug build the tests just made (a release build took over 10 min on a
# loaded CI machine); a full run measures the release build.
if [ "$SMOKE" = 1 ]; then PROFILE=${BENCH_PROFILE:-debug}; else PROFILE=${BENCH_PROFILE:-release}; fi
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE
ZK=$BIN/zkconsole
EX=$BIN/examples/churn


bench_workdir

bash scripts/setup.sh || die "scripts/setup.sh failed (ZooKeeper/Java missing?)"
bench_build "$PROFILE" --bin zkconsole --example churn
for b in "$ZK" "$EX"; do [ -x "$b" ] || die "$b missing (cargo build --release --example churn)"; done

"$ZK" sandbox up --members 1 --dir "$SB" >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; die "sandbox up failed"; }
SANDBOX_UP=1
CONNECT=$(sed -n 's/^connect: *//p' "$WORK/up.log" | head -n 1)
[ -n "$CONNECT" ] || { cat "$WORK/up.log" >&2; die "no connect string in the output of sandbox up"; }

printf '%-14s %-16s %-18s %-22s %s\n' "churn rate" "churn measured" "browser req/s" "server packets/s (*)" "listings"
last_req=0
for rate in $RATES; do
  out=$(timeout $((SECS + 120)) "$EX" "$CONNECT" "$rate" "$SECS" "$CHILDREN" 1000 2>"$WORK/churn.log") ||
    { cat "$WORK/churn.log" >&2; die "churn example failed at rate $rate"; }
  churn=$(sed -n 's/.*churn_per_s \([^ ]*\).*/\1/p' <<<"$out")
  req=$(sed -n 's/.*console_req_per_s \([^ ]*\).*/\1/p' <<<"$out")
  pk=$(sed -n 's/.*server_packets_per_s \([^ ]*\).*/\1/p' <<<"$out")
  lst=$(sed -n 's/.*listings \([^ ]*\).*/\1/p' <<<"$out")
  [ -n "$req" ] || die "no figures from the churn example: $out"
  printf '%-14s %-16s %-18s %-22s %s\n' "$rate/s" "$churn/s" "$req" "$pk" "$lst in ${SECS}s"
  last_req=$req
done
say "(*) the member's packets less the generator's requests: the browser's, and both sessions' pings"
awk -v r="$last_req" -v m="$MAX_REQ" 'BEGIN { exit !(r <= m) }' ||
  die "the browser sent $last_req requests/s at the highest churn (at most $MAX_REQ expected)"
say "bench-churn: ok"
