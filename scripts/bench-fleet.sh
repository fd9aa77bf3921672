#!/usr/bin/env bash
# Scale benchmark of the fleet screen: 200 ensembles x 5 members (1,000 members) replayed on
# loopback by examples/replay_server.rs (recorded real ZooKeeper 3.8 replies), watched by
# `zkconsole --inventory` at a 1 s refresh in a detached tmux, beside the floor: the same
# number of bare `mntr` exchanges a second from one small process (examples/mntr_floor.rs).
#
#   bash scripts/bench-fleet.sh            # the full run (manual; about a minute after the build)
#   bash scripts/bench-fleet.sh --smoke    # seconds: 20 x 5 members, the debug build; CI runs
#                                          # it so a broken benchmark fails there
#
# Figures:
#   console CPU   utime+stime of the console over the measured window, % of one core
#   console RSS   VmRSS at the end and VmHWM (peak), and per member
#   refreshed     members whose probe of a round reached the console's loop before their next
#                 round was due / members known (the console logs it once a round at debug
#                 level: `fleet second`), median and worst over the rounds measured
#   frame p99     the slowest 1 % of frames in each second (median over seconds and worst). The
#                 fleet screen is redrawn only when a line changes, and replayed members never
#                 change: the script moves the cursor (j/k) twice a second so frames are drawn
#                 while the fleet refreshes
#   floor         CPU and RSS of mntr_floor doing 1 exchange per member per second
# Targets (issue 14): CPU < 5 % of a core, RSS < 150 MB, >= 99 % refreshed every second,
# frame p99 < 16 ms. There is no peer: no other ZooKeeper console watches many ensembles.
# Knobs: BENCH_ENSEMBLES (200), BENCH_MEMBERS (5), BENCH_SECS (30), BENCH_WARMUP_SECS (5),
# BENCH_SKIP_BUILD=1. Everything it starts (replay server, tmux server on its own socket) is
# stopped on exit.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SMOKE=0
for arg in "$@"; do
  case $arg in
    --smoke) SMOKE=1 ;;
    *) printf 'bench-fleet: unknown argument %s (the only one is --smoke)\n' "$arg" >&2; exit 64 ;;
  esac
done
if [ "$SMOKE" = 1 ]; then
  ENSEMBLES=${BENCH_ENSEMBLES:-20}; MEMBERS=${BENCH_MEMBERS:-5}; SECS=${BENCH_SECS:-5}
  WARMUP=${BENCH_WARMUP_SECS:-2}; PROFILE=debug
else
  ENSEMBLES=${BENCH_ENSEMBLES:-200}; MEMBERS=${BENCH_MEMBERS:-5}; SECS=${BENCH_SECS:-30}
  WARMUP=${BENCH_WARMUP_SECS:-5}; PROFILE=release
fi
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/$PROFILE
HZ=$(getconf CLK_TCK)

say() { printf '%s\n' "$*" >&2; }
die() { say "bench-fleet: $*"; exit 1; }

WORK=$(mktemp -d /tmp/bench-fleet.XXXXXX)
TMUX_SOCK=bench-fleet-$$
REPLAY_PID=""
PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  tmux -L "$TMUX_SOCK" kill-server >/dev/null 2>&1
  # The console leaves on the hang-up; its last writes land in $WORK before it is removed.
  for _ in $(seq 1 30); do [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null && sleep 0.1 || break; done
  [ -n "$REPLAY_PID" ] && kill "$REPLAY_PID" 2>/dev/null && wait "$REPLAY_PID" 2>/dev/null
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v tmux >/dev/null 2>&1 || die "tmux is needed (apt-get install tmux)"
# A thousand listeners, and as many connections in flight, need more than the usual 1024.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((ENSEMBLES * MEMBERS * 3 + 256)) ] ||
  say "bench-fleet: note: ulimit -n is $(ulimit -n); descriptors may run out"

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  flags=(--quiet --bin zkconsole --example replay_server --example mntr_floor)
  [ "$PROFILE" = release ] && flags+=(--release)
  cargo build "${flags[@]}" 2>"$WORK/build.log" || { tail -n 20 "$WORK/build.log" >&2; die "cargo build failed"; }
fi
ZK=$BIN/zkconsole
REPLAY=$BIN/examples/replay_server
FLOOR=$BIN/examples/mntr_floor
for b in "$ZK" "$REPLAY" "$FLOOR"; do [ -x "$b" ] || die "$b missing"; done

# Port 0: the replay server picks a free one and uses it on every address.
INV=$WORK/inventory.txt
"$REPLAY" --ensembles "$ENSEMBLES" --members "$MEMBERS" --port 0 --inventory "$INV" >"$WORK/replay.out" 2>&1 &
REPLAY_PID=$!
for _ in $(seq 1 100); do grep -q '^ready' "$WORK/replay.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^ready' "$WORK/replay.out" || { cat "$WORK/replay.out" >&2; die "the replay server did not start"; }
TOTAL=$((ENSEMBLES * MEMBERS))
say "bench-fleet: $(cat "$WORK/replay.out")"

# ---------------------------------------------------------------- the floor
"$FLOOR" "$INV" "$SECS" >"$WORK/floor.out" 2>&1 || { cat "$WORK/floor.out" >&2; die "mntr_floor failed"; }
F_CPU=$(sed -n 's/.*cpu_pct=\([0-9.]*\).*/\1/p' "$WORK/floor.out")
F_RSS=$(sed -n 's/.*rss_kib=\([0-9]*\).*/\1/p' "$WORK/floor.out")
F_OK=$(sed -n 's/.* exchanges=\([0-9]*\) ok=\([0-9]*\).*/\2\/\1/p' "$WORK/floor.out")

# ---------------------------------------------------------------- the console
mkdir -p "$WORK/config/zkconsole" "$WORK/state"
cat >"$WORK/config/zkconsole/config.toml" <<TOML
refresh_ms = 1000
probe_timeout_ms = 1500
TOML
LOG=$WORK/state/zkconsole/zkconsole.log
tmux -L "$TMUX_SOCK" new-session -d -x 120 -y 35 \
  "exec env HOME=$WORK XDG_CONFIG_HOME=$WORK/config XDG_STATE_HOME=$WORK/state ZKCONSOLE_LOG=zkconsole=debug $ZK --inventory $INV" ||
  die "could not start the console in tmux"
PID=$(tmux -L "$TMUX_SOCK" display -p '#{pane_pid}')
[ -n "$PID" ] || die "no console pid"
sleep "$WARMUP"
kill -0 "$PID" 2>/dev/null || { tmux -L "$TMUX_SOCK" capture-pane -p >&2; die "the console exited"; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
T0=$(ticks "$PID"); W0=$(date +%s%N)
# grep -c prints 0 (and fails) when no line is there yet: a round is logged 2 s after it began.
LINE0=$(grep -c 'fleet second' "$LOG" 2>/dev/null); LINE0=${LINE0:-0}
for i in $(seq 1 $((SECS * 2))); do
  sleep 0.5
  if [ $((i % 2)) = 1 ]; then key=j; else key=k; fi
  tmux -L "$TMUX_SOCK" send-keys "$key" 2>/dev/null
done
T1=$(ticks "$PID"); W1=$(date +%s%N)
RSS=$(awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status")
HWM=$(awk '/^VmHWM:/ { print $2 }' "/proc/$PID/status")
SCREEN=$(tmux -L "$TMUX_SOCK" capture-pane -p | head -n 3)
C_CPU=$(awk -v a="$T0" -v b="$T1" -v w0="$W0" -v w1="$W1" -v hz="$HZ" 'BEGIN { printf "%.1f", 100 * (b - a) / hz / ((w1 - w0) / 1e9) }')

# Per second: refreshed / members, and that second's frame p99 (the log's `fleet second`).
grep 'fleet second' "$LOG" | tail -n +"$((LINE0 + 1))" |
  sed -n 's/.*fleet_refreshed=\([0-9]*\) fleet_answered_late_too=\([0-9]*\) fleet_members=\([0-9]*\) fleet_frames=\([0-9]*\) fleet_frame_p99_us=\([0-9]*\).*/\1 \3 \4 \5 \2/p' >"$WORK/seconds.txt"
N_SEC=$(wc -l <"$WORK/seconds.txt")
# median and minimum of a column of numbers (one a line), "-" when there are none.
med_min_max() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "- - -"; exit }
  printf "%.1f %.1f %.1f\n", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
read -r SHARE_MED SHARE_MIN _ <<<"$(awk -v total="$TOTAL" '{ printf "%.3f\n", 100 * $1 / total }' "$WORK/seconds.txt" | med_min_max)"
read -r LATE_MED _ <<<"$(awk -v total="$TOTAL" '{ printf "%.3f\n", 100 * $5 / total }' "$WORK/seconds.txt" | med_min_max)"
FULL_SECS=$(awk -v total="$TOTAL" '$1 / total >= 0.99 { n++ } END { print n + 0 }' "$WORK/seconds.txt")
read -r P99_MED _ P99_MAX <<<"$(awk '$3 > 0 { printf "%.3f\n", $4 / 1000 }' "$WORK/seconds.txt" | med_min_max)"

verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { if (v == "-" || v == "") { print "n/a"; exit }
  ok = (op == "<") ? (v + 0 < t + 0) : (v + 0 >= t + 0); print ok ? "met" : "MISSED" }'; }
mb() { awk -v k="$1" 'BEGIN { if (k == "") print "-"; else printf "%.1f", k / 1024 }'; }

echo
echo "==================== zkconsole fleet benchmark ===================="
echo "  $(uname -sr), $(nproc) cores; $PROFILE build$( [ "$SMOKE" = 1 ] && echo ', SMOKE run (small fleet: checks the benchmark works)')"
echo "  $ENSEMBLES ensembles x $MEMBERS members = $TOTAL replayed members, refresh 1 s, ${SECS} s measured after ${WARMUP} s"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: other work skews figures)"
echo
printf '  %-40s %12s %12s   %s\n' "" "console" "floor" "target"
printf '  %-40s %12s %12s   %s %s\n' "CPU, % of one core" "$C_CPU" "${F_CPU:--}" "< 5" "$(verdict "$C_CPU" '<' 5)"
printf '  %-40s %12s %12s   %s %s\n' "RSS MB (end)" "$(mb "$RSS")" "-" "< 150" "$(verdict "$(mb "$RSS")" '<' 150)"
printf '  %-40s %12s %12s\n' "RSS MB (peak)" "$(mb "$HWM")" "$(mb "$F_RSS")"
printf '  %-40s %12s\n' "RSS KB per member (end)" "$(awk -v r="${RSS:-0}" -v n="$TOTAL" 'BEGIN { printf "%.0f", r / n }')"
printf '  %-40s %12s %12s   %s %s\n' "members refreshed per second, median %" "$SHARE_MED" "${F_OK:--}" ">= 99" "$(verdict "$SHARE_MED" '>=' 99)"
printf '  %-40s %12s\n' "members refreshed per second, worst %" "$SHARE_MIN"
printf '  %-40s %12s\n' "seconds with >= 99 % refreshed" "$FULL_SECS/$N_SEC"
printf '  %-40s %12s\n' "answered per round, late ones too, median %" "$LATE_MED"
printf '  %-40s %12s %12s   %s %s\n' "frame p99 ms, median over seconds" "$P99_MED" "-" "< 16" "$(verdict "$P99_MED" '<' 16)"
printf '  %-40s %12s\n' "frame p99 ms, worst second" "$P99_MAX"
echo "  (floor: one process doing $TOTAL bare mntr exchanges a second; its 'refreshed' is ok/all exchanges)"
echo "  peer: none (no other ZooKeeper console watches many ensembles at once)"
echo "  screen:"; printf '    %s\n' "$SCREEN"
echo "==================================================================="

if [ "$SMOKE" = 1 ]; then
  broken=()
  [ "$N_SEC" -gt 0 ] || broken+=("no 'fleet second' lines in the console's debug log")
  [ -n "$F_CPU" ] || broken+=("no floor figures")
  [ "$SHARE_MED" != "-" ] && awk -v s="$SHARE_MED" 'BEGIN { exit !(s + 0 > 0) }' || broken+=("no member refreshed")
  grep -q 'zkconsole fleet' <<<"$SCREEN" || broken+=("the fleet screen is not showing")
  if [ ${#broken[@]} -gt 0 ]; then
    say "bench-fleet: SMOKE FAILED: $(printf '%s; ' "${broken[@]}")"
    exit 1
  fi
  say "bench-fleet: smoke run OK"
fi
