#!/usr/bin/env bash
# Benchmark of `zkconsole scan` on one local 1-member ZooKeeper sandbox (loopback only) holding
# /bench: 100 parents × 1,000 children (100,101 znodes with /bench and the parents), plus
# /bench-wide with 50,000 children. In one run, interleaved, side by side:
#
#   scan     zkconsole scan --connect C /bench --json          (release; --json only so the
#            in-process elapsed_ms can be read; the text output costs the same)
#   loop     examples/pipelined_loop C /bench 256              (the floor: BFS getChildren on one
#            session, 256 in flight, no bookkeeping)
#   zkCli    zkCli.sh -server C ls -R /bench >/dev/null        (ZooKeeper's own CLI, sequential)
#   zk-shell zk-shell --run-once "child_count /bench" C        (PyPI, in target/bench-venv)
#
# Figures: znodes/s over the wall time of the whole command (process start, JVM or Python
# start, connect, walk, exit), and for scan and loop also over their in-process walk time
# (after the session opened). Ratios scan/zkCli (target >= 3) and scan/loop (target >= 0.9).
# Then: opening the 50,000-child node (one getChildren; examples/open_node and
# `zkconsole scan /bench-wide --max-nodes 1`; and the console in tmux: Enter on the jump to
# /bench-wide -> its first child on screen), target < 0.5 s; and the peak RSS of each
# process (/usr/bin/time, else /proc polling), target for scan < 100 MB.
#
#   bash scripts/bench-scan.sh            # the full run (manual; minutes)
#   bash scripts/bench-scan.sh --smoke    # seconds: /bench = 10 x 100, /bench-wide = 1,000,
#                                         # one round, the debug build; CI runs it
#
# Knobs (environment): BENCH_RUNS (3) rounds of scan/loop/zkCli, BENCH_ZKSHELL_RUNS (1),
# BENCH_SKIP_BUILD=1 (use the existing release binaries), BENCH_SKIP_ZKSHELL=1,
# BENCH_VERIFY=0 (skip the untimed zkCli run that checks its node count),
# BENCH_INSTALL_PEERS=1 (let --smoke install zk-shell; by default it uses it only if present).
# The sandbox is always torn down on exit. Only for measuring: nothing here is a dependency.
# A smoke run exits 1 when a figure is missing or a tool counted other than the tree built.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BENCH_NAME=bench-scan
. scripts/benchlib.sh
bench_args "$@"
if [ "$SMOKE" = 1 ]; then
  RUNS=${BENCH_RUNS:-1}; PARENTS=10; CHILDREN=100; WIDE_N=1000; TUI_RUNS=1; PROFILE=debug
  INSTALL_PEERS=${BENCH_INSTALL_PEERS:-0}
else
  RUNS=${BENCH_RUNS:-3}; PARENTS=100; CHILDREN=1000; WIDE_N=50000; TUI_RUNS=3; PROFILE=release
  INSTALL_PEERS=1
fi
ZKSHELL_RUNS=${BENCH_ZKSHELL_RUNS:-1}
VERIFY=${BENCH_VERIFY:-1}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
ZK=$TARGET/$PROFILE/zkconsole
EX=$TARGET/$PROFILE/examples
ZKCLI=${ZKCLI:-/usr/share/zookeeper/bin/zkCli.sh}
VENV=$ROOT/target/bench-venv
ZKSHELL=$VENV/bin/zk-shell
EXPECT=$((1 + PARENTS + PARENTS * CHILDREN))

bench_extra_cleanup() { tmux -S "$WORK/tmux.sock" -f /dev/null kill-server >/dev/null 2>&1; }
bench_workdir

# ---------------------------------------------------------------- prerequisites
bash scripts/setup.sh || die "scripts/setup.sh failed (ZooKeeper/Java missing?)"
[ -x "$ZKCLI" ] || die "$ZKCLI not found (set ZKCLI=/path/to/zkCli.sh)"

bench_build "$PROFILE" --bin zkconsole --example make_tree --example pipelined_loop --example open_node
for b in "$ZK" "$EX/make_tree" "$EX/pipelined_loop" "$EX/open_node"; do
  [ -x "$b" ] || die "$b missing (cargo build --release --examples)"
done

# zk-shell, from PyPI into the benchmarks' virtualenv (bench-status.sh may have made it).
ZKSHELL_OK=0
ZKSHELL_WHY=""
zkshell_works() { "$ZKSHELL" --version >/dev/null 2>&1; }
setup_zkshell() {
  [ "${BENCH_SKIP_ZKSHELL:-0}" = 1 ] && { ZKSHELL_WHY="BENCH_SKIP_ZKSHELL=1"; return; }
  if [ "$INSTALL_PEERS" != 1 ] && ! zkshell_works; then
    ZKSHELL_WHY="not installed (a smoke run installs nothing: run the full benchmark once, or BENCH_INSTALL_PEERS=1)"
    return
  fi
  if ! zkshell_works; then
    command -v python3 >/dev/null 2>&1 || { ZKSHELL_WHY="python3 not found"; return; }
    if [ ! -x "$VENV/bin/python" ]; then
      python3 -m venv "$VENV" >"$WORK/venv.log" 2>&1 ||
        { ZKSHELL_WHY="python3 -m venv failed: $(tail -n 1 "$WORK/venv.log")"; return; }
    fi
    say "bench-scan: installing zk-shell into $VENV"
    "$VENV/bin/pip" install -q zk-shell >"$WORK/pip.log" 2>&1
  fi
  if ! zkshell_works; then
    # Known trouble spots of an old package on a new Python: newer kazoo, setuptools' pkg_resources.
    say "bench-scan: zk-shell does not start; retrying with pinned dependencies"
    "$VENV/bin/pip" install -q 'zk-shell==1.3.4' 'kazoo==2.9.0' 'setuptools<70' \
      'twitter.common.net==0.3.11' >>"$WORK/pip.log" 2>&1
  fi
  if zkshell_works; then
    ZKSHELL_OK=1
  else
    ZKSHELL_WHY="zk-shell does not run: $( ("$ZKSHELL" --version 2>&1 || tail -n 3 "$WORK/pip.log") | tail -n 1)"
  fi
}
setup_zkshell
if [ "$ZKSHELL_OK" = 1 ]; then
  say "bench-scan: zk-shell $("$ZKSHELL" --version 2>&1 | tail -n 1) on $("$VENV/bin/python" --version 2>&1)"
else
  say "bench-scan: zk-shell skipped: $ZKSHELL_WHY"
fi

HAVE_TIME=0
[ -x /usr/bin/time ] && /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null && HAVE_TIME=1

# ---------------------------------------------------------------- measuring
now_ns() {
  if [ -n "${EPOCHREALTIME:-}" ]; then local t=${EPOCHREALTIME/[.,]/}; echo "${t}000"; else date +%s%N; fi
}

# Peak RSS (KB) of a running pid and its descendants' maximum, polled from /proc (fallback).
poll_rss() {
  local pid=$1 out=$2 max=0 v
  while kill -0 "$pid" 2>/dev/null; do
    v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    [ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v
    for c in $(pgrep -P "$pid" 2>/dev/null); do
      v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$c/status" 2>/dev/null)
      [ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v
    done
    sleep 0.05
  done
  echo "$max" >"$out"
}

# run KEY STDOUT_FILE CMD...: runs CMD once (stdout to STDOUT_FILE, stderr to KEY.err),
# appends its wall ms to KEY.times and its peak RSS (KB) to KEY.rss; returns CMD's status.
run() {
  local key=$1 out=$2; shift 2
  local t0 t1 rc rssf=$WORK/$key.rss1
  t0=$(now_ns)
  if [ "$HAVE_TIME" = 1 ]; then
    /usr/bin/time -f '%M' -o "$rssf" "$@" >"$out" 2>>"$WORK/$key.err"
    rc=$?
  else
    "$@" >"$out" 2>>"$WORK/$key.err" &
    local pid=$!
    poll_rss "$pid" "$rssf" &
    local poller=$!
    wait "$pid"; rc=$?
    wait "$poller"
  fi
  t1=$(now_ns)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }' >>"$WORK/$key.times"
  tail -n 1 "$rssf" 2>/dev/null | grep -o '^[0-9]*' >>"$WORK/$key.rss"
  return $rc
}

median() {   # median of the numbers in FILE, "-" when empty
  [ -s "$1" ] || { echo "-"; return; }
  sort -g "$1" | awk '{ v[NR] = $1 } END { n = NR; printf "%.1f\n", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}
maxof() { [ -s "$1" ] && sort -g "$1" | tail -n 1 || echo "-"; }
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { if (ms == "-" || ms <= 0) print "-"; else printf "%.0f", n / (ms / 1000) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
verdict() {  # verdict VALUE OP TARGET
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    if (v == "-") { print "n/a"; exit }
    ok = (op == "<") ? (v + 0 < t + 0) : (v + 0 >= t + 0); print ok ? "met" : "MISSED" }'
}
mb() { awk -v k="$1" 'BEGIN { if (k == "-" || k == "") print "-"; else printf "%.1f MB", k / 1024 }'; }

# ---------------------------------------------------------------- the sandbox and the tree
say "bench-scan: starting a 1-member sandbox in $SB"
"$ZK" sandbox up --members 1 --dir "$SB" >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; die "sandbox up failed"; }
SANDBOX_UP=1
CONNECT=$(sed -n 's/^connect: *//p' "$WORK/up.log" | head -n 1)
[ -n "$CONNECT" ] || { cat "$WORK/up.log" >&2; die "no connect string in the output of sandbox up"; }
say "bench-scan: connect $CONNECT"
# Ready: the member serves and leads. A single voter is (rightly) a warning, exit 1: what is
# waited for is a leader in the report, with exit 0 or 1.
ready=0
for _ in $(seq 1 60); do
  "$ZK" status --connect "$CONNECT" --timeout-ms 1000 --json >"$WORK/ready.json" 2>/dev/null
  code=$?
  if [ "$code" -le 1 ] && grep -q '"leader": *[0-9]' "$WORK/ready.json"; then ready=1; break; fi
  sleep 0.5
done
[ "$ready" = 1 ] || { cat "$WORK/ready.json" >&2; die "the sandbox did not serve within 30 s (status exit $code)"; }

say "bench-scan: building /bench ($PARENTS x $CHILDREN) and /bench-wide ($WIDE_N children)"
t0=$(now_ns)
"$EX/make_tree" "$CONNECT" /bench "$PARENTS" "$CHILDREN" /bench-wide "$WIDE_N" >"$WORK/make.log" 2>&1 ||
  { cat "$WORK/make.log" >&2; die "make_tree failed"; }
t1=$(now_ns)
BUILD_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) / 1e6 }')
say "bench-scan: $(cat "$WORK/make.log")"

# Warm the server (JIT, page cache) once, untimed, so the first timed tool is not penalised.
"$EX/pipelined_loop" "$CONNECT" /bench >/dev/null 2>&1

# ---------------------------------------------------------------- side by side, interleaved
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
CMD_SCAN=("$ZK" scan --connect "$CONNECT" /bench --json)
CMD_LOOP=("$EX/pipelined_loop" "$CONNECT" /bench 256)
CMD_ZKCLI=("$ZKCLI" -server "$CONNECT" ls -R /bench)
CMD_ZKSHELL=("$ZKSHELL" --run-once "child_count /bench" "$CONNECT")
: >"$WORK/scan.inproc"; : >"$WORK/loop.inproc"; : >"$WORK/counts"
for r in $(seq 1 "$RUNS"); do
  say "bench-scan: round $r/$RUNS: scan"
  run scan "$WORK/scan.json" "${CMD_SCAN[@]}"
  jq -r '.elapsed_ms' "$WORK/scan.json" >>"$WORK/scan.inproc" 2>/dev/null
  echo "scan $(jq -r '.znodes' "$WORK/scan.json" 2>/dev/null)" >>"$WORK/counts"
  say "bench-scan: round $r/$RUNS: loop"
  run loop "$WORK/loop.out" "${CMD_LOOP[@]}"
  awk '{ print $4 }' "$WORK/loop.out" >>"$WORK/loop.inproc"
  echo "loop $(awk '{ print $2 }' "$WORK/loop.out")" >>"$WORK/counts"
  say "bench-scan: round $r/$RUNS: zkCli ls -R"
  run zkcli /dev/null "${CMD_ZKCLI[@]}"
done
if [ "$ZKSHELL_OK" = 1 ]; then
  for r in $(seq 1 "$ZKSHELL_RUNS"); do
    say "bench-scan: zk-shell child_count ($r/$ZKSHELL_RUNS; about a minute per run)"
    run zkshell "$WORK/zkshell.out" timeout 600 "${CMD_ZKSHELL[@]}"
    # Lines "/bench/pNNNN: descendants": total = /bench + its children + their descendants.
    echo "zk-shell $(sed 's/\x1b\[[0-9;]*m//g' "$WORK/zkshell.out" |
      awk -F': ' '/^\/bench\// { n++; s += $2 } END { print 1 + n + s }')" >>"$WORK/counts"
  done
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$VERIFY" = 1 ]; then
  say "bench-scan: checking zkCli's node count (one untimed run)"
  "${CMD_ZKCLI[@]}" 2>/dev/null | grep -c '^/bench' | sed 's/^/zkCli /' >>"$WORK/counts"
fi

# ---------------------------------------------------------------- opening the wide node
say "bench-scan: opening /bench-wide ($WIDE_N children)"
"$EX/open_node" "$CONNECT" /bench-wide 5 >"$WORK/open.out" 2>"$WORK/open.err" ||
  { cat "$WORK/open.err" >&2; say "bench-scan: open_node failed"; }
read -r _ OPEN_CHILDREN _ OPEN_CONNECT _ OPEN_FIRST _ OPEN_MEDIAN <"$WORK/open.out"
for _ in 1 2 3 4 5; do
  run open1 /dev/null "$ZK" scan --connect "$CONNECT" /bench-wide --max-nodes 1 --json
done
# The whole wide subtree: 50,001 names held at once.
run scanwide "$WORK/wide.json" "$ZK" scan --connect "$CONNECT" /bench-wide --json

# The console itself: in tmux, `:tree`, jump (`p`) to /bench-wide, then time from the Enter key
# to the screen listing its first child (polled with capture-pane every 5 ms, so it includes
# tmux's own round trips), and the console's peak RSS afterwards. A fresh console each run.
TSOCK=$WORK/tmux.sock
T() { tmux -S "$TSOCK" -f /dev/null "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_screen() {   # wait_screen PATTERN SECONDS
  local until=$(( $(now_ms) + $2 * 1000 ))
  while [ "$(now_ms)" -lt "$until" ]; do
    T capture-pane -p 2>/dev/null | grep -q -- "$1" && return 0
    sleep 0.005
  done
  return 1
}
: >"$WORK/tui.times"; : >"$WORK/tui.rss"
if command -v tmux >/dev/null 2>&1; then
  for i in $(seq 1 "$TUI_RUNS"); do
    say "bench-scan: console opens /bench-wide ($i/$TUI_RUNS)"
    T new-session -d -x 100 -y 30 \
      "env XDG_STATE_HOME=$WORK/state XDG_CONFIG_HOME=$WORK/config $ZK --sandbox-dir $SB --read-only"
    if wait_screen 'leader' 30; then
      T send-keys ':tree' Enter
      wait_screen 'children' 10
      T send-keys p
      for _ in 1 2 3; do T send-keys BSpace; done
      T send-keys -l '/bench-wide'
      sleep 0.3
      t0=$(now_ms)
      T send-keys Enter
      if wait_screen 'w000000' 10; then
        echo $(( $(now_ms) - t0 )) >>"$WORK/tui.times"
        pid=$(pgrep -f "^$ZK --sandbox-dir $SB" | head -n 1)
        [ -n "$pid" ] && awk '/VmHWM/ { print $2 }' "/proc/$pid/status" >>"$WORK/tui.rss"
      else
        say "bench-scan: the console did not list /bench-wide within 10 s"
      fi
    else
      say "bench-scan: the console did not show a leader within 30 s"
    fi
    T kill-server >/dev/null 2>&1
  done
fi

"$ZK" sandbox down --dir "$SB" >/dev/null 2>&1 && SANDBOX_UP=0

# ---------------------------------------------------------------- report
S_WALL=$(median "$WORK/scan.times"); L_WALL=$(median "$WORK/loop.times")
C_WALL=$(median "$WORK/zkcli.times"); Z_WALL=$(median "$WORK/zkshell.times")
S_IN=$(median "$WORK/scan.inproc"); L_IN=$(median "$WORK/loop.inproc")
row() {   # row LABEL WALL_MS [INPROC_MS] RSS_FILE
  printf '  %-44s %9s ms %11s /s   %9s ms %11s /s   %9s\n' "$1" "$2" "$(rate "$EXPECT" "$2")" \
    "${3:--}" "$(rate "$EXPECT" "${3:--}")" "$(mb "$(maxof "$4")")"
}
echo
echo "==================== zkconsole scan benchmark ===================="
echo "  $(uname -sr), $(nproc) cores; 1-member sandbox on 127.0.0.1 ($CONNECT); $PROFILE build$( [ "$SMOKE" = 1 ] && echo ', SMOKE run (tiny tree: checks the benchmark works, figures are indicative only)')"
echo "  tree: /bench = $PARENTS x $CHILDREN ($EXPECT znodes), built in $BUILD_MS ms ($(cat "$WORK/make.log"))"
echo "  $RUNS interleaved rounds (zk-shell: $ZKSHELL_RUNS); medians; load average $LOAD_BEFORE -> $LOAD_AFTER"
echo
printf '  %-44s %12s %14s   %12s %14s   %9s\n' "" "wall" "znodes/s" "in-process" "znodes/s" "peak RSS"
row "zkconsole scan /bench ($PROFILE)" "$S_WALL" "$S_IN" "$WORK/scan.rss"
row "pipelined getChildren loop, 256 in flight" "$L_WALL" "$L_IN" "$WORK/loop.rss"
row "zkCli.sh ls -R /bench >/dev/null" "$C_WALL" "" "$WORK/zkcli.rss"
if [ "$ZKSHELL_OK" = 1 ]; then
  row "zk-shell child_count /bench" "$Z_WALL" "" "$WORK/zkshell.rss"
else
  printf '  %-44s %s\n' "zk-shell child_count /bench" "skipped: $ZKSHELL_WHY"
fi
echo "  node counts seen: $(sort "$WORK/counts" | uniq -c | awk '{ printf "%s%s=%s (x%s)", sep, $2, $3, $1; sep = ", " }') (expected $EXPECT)"
echo
R_CLI=$(ratio "$C_WALL" "$S_WALL")
R_LOOP_IN=$(ratio "$L_IN" "$S_IN"); R_LOOP_WALL=$(ratio "$L_WALL" "$S_WALL")
R_SH=$(ratio "$Z_WALL" "$S_WALL")
printf '  %-40s %7sx   target >= 3    %s\n' "scan/zkCli (znodes/s, wall)" "$R_CLI" "$(verdict "$R_CLI" '>=' 3)"
printf '  %-40s %7sx   target >= 0.9  %s\n' "scan/loop (znodes/s, in-process)" "$R_LOOP_IN" "$(verdict "$R_LOOP_IN" '>=' 0.9)"
printf '  %-40s %7sx   (reference)\n' "scan/loop (znodes/s, wall)" "$R_LOOP_WALL"
printf '  %-40s %7sx   (reference)\n' "scan/zk-shell (znodes/s, wall)" "$R_SH"
echo
echo "Opening a node with $WIDE_N children (one getChildren: names + Stat)"
printf '  %-52s %s\n' "children listed" "${OPEN_CHILDREN:--}"
printf '  %-52s %s ms\n' "session open (examples/open_node)" "${OPEN_CONNECT:--}"
printf '  %-52s %s ms   target < 500  %s\n' "first getChildren on the session" "${OPEN_FIRST:--}" "$(verdict "${OPEN_FIRST:--}" '<' 500)"
printf '  %-52s %s ms\n' "median of 5 getChildren" "${OPEN_MEDIAN:--}"
O_WALL=$(median "$WORK/open1.times")
printf '  %-52s %s ms   target < 500  %s\n' "zkconsole scan /bench-wide --max-nodes 1 (whole process)" "$O_WALL" "$(verdict "$O_WALL" '<' 500)"
T_OPEN=$(median "$WORK/tui.times")
printf '  %-52s %s ms   target < 500  %s\n' "console: Enter -> first child on screen (tmux, median)" "$T_OPEN" "$(verdict "$T_OPEN" '<' 500)"
printf '  %-52s %s ms\n' "  each run" "$(paste -sd' ' "$WORK/tui.times")"
echo
echo "Memory (peak RSS, $( [ "$HAVE_TIME" = 1 ] && echo '/usr/bin/time -f %M' || echo '/proc VmHWM polling'))"
S_RSS=$(maxof "$WORK/scan.rss")
printf '  %-52s %9s   target < 100 MB  %s\n' "zkconsole scan /bench (max over runs)" "$(mb "$S_RSS")" \
  "$(verdict "$(awk -v k="$S_RSS" 'BEGIN { if (k == "-") print "-"; else print k / 1024 }')" '<' 100)"
T_RSS=$(maxof "$WORK/tui.rss")
printf '  %-52s %9s   target < 100 MB  %s\n' "console with /bench-wide open (VmHWM, max)" "$(mb "$T_RSS")" \
  "$(verdict "$(awk -v k="$T_RSS" 'BEGIN { if (k == "-") print "-"; else print k / 1024 }')" '<' 100)"
printf '  %-52s %9s   (%s znodes in %s ms)\n' "zkconsole scan /bench-wide ($((WIDE_N + 1)) znodes)" "$(mb "$(maxof "$WORK/scanwide.rss")")" \
  "$(jq -r '.znodes' "$WORK/wide.json" 2>/dev/null)" "$(jq -r '.elapsed_ms' "$WORK/wide.json" 2>/dev/null)"
echo "=================================================================="

# ---------------------------------------------------------------- smoke verdict
if [ "$SMOKE" = 1 ]; then
  broken=()
  for f in scan.times scan.inproc loop.times zkcli.times open1.times; do
    [ -s "$WORK/$f" ] || broken+=("no figures in $f")
  done
  # Every tool that ran must have seen the whole tree.
  while read -r tool count; do
    [ "$count" = "$EXPECT" ] || broken+=("$tool counted ${count:-nothing}, expected $EXPECT")
  done <"$WORK/counts"
  [ "$(jq -r '.znodes' "$WORK/wide.json" 2>/dev/null)" = "$((WIDE_N + 1))" ] ||
    broken+=("scan /bench-wide did not count $((WIDE_N + 1)) znodes")
  if command -v tmux >/dev/null 2>&1; then
    [ -s "$WORK/tui.times" ] || broken+=("the console never listed /bench-wide")
  fi
  if [ ${#broken[@]} -gt 0 ]; then
    say "bench-scan: SMOKE FAILED: $(printf '%s; ' "${broken[@]}")"
    exit 1
  fi
  say "bench-scan: smoke run OK"
fi
