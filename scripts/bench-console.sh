#!/usr/bin/env bash
# Benchmark of the full-screen console (`zkconsole --sandbox-dir`) against `zktop` (PyPI), both
# in tmux, on one local 5-member ZooKeeper sandbox (loopback only).
#
#   bash scripts/bench-console.sh            # the full run (manual; a few minutes)
#   bash scripts/bench-console.sh --smoke    # seconds: 3 members, 5 s idle, 10 keys, the debug
#                                            # build; CI runs it so a broken benchmark fails there
#
# 1. idle cost: the console (refresh_ms = 1000, history_minutes = 10) in a detached 120x35 tmux
#    session; after a warm-up, CPU (utime+stime from /proc/PID/stat, % of one core) and memory
#    (VmRSS sampled every 5 s, VmHWM) over 60 s; over 0.5 % of a core, 10 s of `strace -f` say
#    what it does (connections per second by kind, terminal writes). Then the same for zktop.
# 2. with member 2 SIGSTOPped: the console restarted with ZKCONSOLE_LOG=zkconsole=debug, 50 key
#    presses (j/k alternating, ~100 ms apart) sent with `tmux send-keys`, the `key_to_frame_us`
#    values from its log; and an outside check: `tmux send-keys` -> changed selection marker in
#    `tmux capture-pane` (polled every 5 ms; includes tmux's own client round trips).
# 3. zktop with member 2 paused: does its screen keep updating for the other members? (one
#    capture a second for 10 s, before the pause, during it, with `zktop -t 2`, after resume).
#
# Knobs (environment): BENCH_IDLE_SECS (60), BENCH_WARMUP_SECS (5), BENCH_KEYS (50),
# BENCH_EXT_KEYS (10), BENCH_SKIP_BUILD=1 (use the existing release binary),
# BENCH_INSTALL_PEERS=1 (let --smoke install zktop; by default it uses it only if present).
# Everything it starts (sandbox, tmux server on its own socket) is stopped on exit. Only for
# measuring: zktop is not a dependency of the project.
# A smoke run exits 1 when a figure is missing or the console stopped updating with a member
# paused: the benchmark (or the console) is broken.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BENCH_NAME=bench-console
. scripts/benchlib.sh
bench_args "$@"
if [ "$SMOKE" = 1 ]; then
  IDLE_SECS=${BENCH_IDLE_SECS:-5}; WARMUP_SECS=${BENCH_WARMUP_SECS:-1}; NKEYS=${BENCH_KEYS:-10}
  NEXT=${BENCH_EXT_KEYS:-3}; OBS_SECS=4; MEMBERS=3; PROFILE=debug
  INSTALL_PEERS=${BENCH_INSTALL_PEERS:-0}
else
  IDLE_SECS=${BENCH_IDLE_SECS:-60}; WARMUP_SECS=${BENCH_WARMUP_SECS:-5}; NKEYS=${BENCH_KEYS:-50}
  NEXT=${BENCH_EXT_KEYS:-10}; OBS_SECS=10; MEMBERS=5; PROFILE=release
  INSTALL_PEERS=1
fi
PAUSE_ID=2
COLS=120
ROWS=35
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
ZK=$TARGET/$PROFILE/zkconsole
VENV=$ROOT/target/bench-venv
ZKTOP=$VENV/bin/zktop
HZ=$(getconf CLK_TCK)

WORK=$(mktemp -d /tmp/bench-console.XXXXXX)
SB=$WORK/sandbox
SOCK=$WORK/tmux.sock   # its own tmux server; the socket goes with $WORK
T() { tmux -S "$SOCK" -f /dev/null "$@"; }
PAUSED=0
SANDBOX_UP=0
TMUX_UP=0

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ "$TMUX_UP" = 1 ] && T kill-server >/dev/null 2>&1
  if [ "$SANDBOX_UP" = 1 ]; then
    local paused=""; [ "$PAUSED" = 1 ] && paused=$PAUSE_ID
    bench_sandbox_down "$ZK" "$SB" "$paused"
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- prerequisites
bash scripts/setup.sh || die "scripts/setup.sh failed (ZooKeeper/Java/tmux missing?)"
command -v tmux >/dev/null 2>&1 || die "tmux missing"
command -v python3 >/dev/null 2>&1 || die "python3 missing"

bench_build "$PROFILE" --bin zkconsole
[ -x "$ZK" ] || die "$ZK missing (run cargo build --release)"

# zktop, from PyPI into the benchmark-only virtualenv.
ZKTOP_OK=0
ZKTOP_WHY=""
if [ "$INSTALL_PEERS" != 1 ] && [ ! -x "$ZKTOP" ]; then
  ZKTOP_WHY="not installed (a smoke run installs nothing: run the full benchmark once, or BENCH_INSTALL_PEERS=1)"
elif [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" >"$WORK/venv.log" 2>&1 || ZKTOP_WHY="python3 -m venv failed: $(tail -n 1 "$WORK/venv.log")"
fi
if [ -z "$ZKTOP_WHY" ]; then
  if [ ! -x "$ZKTOP" ]; then
    say "bench-console: installing zktop into $VENV"
    "$VENV/bin/pip" install -q zktop >"$WORK/pip.log" 2>&1 || ZKTOP_WHY="pip install zktop failed: $(tail -n 1 "$WORK/pip.log")"
  fi
  if [ -z "$ZKTOP_WHY" ]; then
    if "$ZKTOP" --help >"$WORK/zktop-help.txt" 2>&1; then
      ZKTOP_OK=1
    else
      ZKTOP_WHY="zktop --help fails on $("$VENV/bin/python" --version 2>&1): $(tail -n 1 "$WORK/zktop-help.txt")"
    fi
  fi
fi
PYVER=$( [ -x "$VENV/bin/python" ] && "$VENV/bin/python" --version 2>&1 || echo "no benchmark venv")
ZKTOP_VER=$("$VENV/bin/pip" show zktop 2>/dev/null | sed -n 's/^Version: //p')
[ "$ZKTOP_OK" = 1 ] || say "bench-console: zktop skipped: $ZKTOP_WHY"

# ---------------------------------------------------------------- helpers
# cpu_ticks PID -> utime+stime (all threads) in clock ticks; fields after the ")" of comm.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
now_ns() { date +%s%N; }
mb() { awk -v k="$1" 'BEGIN { if (k == "" || k == "-") print "-"; else printf "%.1f", k / 1024 }'; }

# measure KEY PID SECS: CPU % of one core over SECS, max VmRSS (sampled every 5 s), VmHWM.
# Writes "cpu_pct rss_max_kb hwm_kb ticks wall_s" to $WORK/KEY.idle.
measure() {
  local key=$1 pid=$2 secs=$3 t0 t1 c0 c1 rss max=0 left step
  c0=$(cpu_ticks "$pid"); t0=$(now_ns)
  left=$secs
  while [ "$left" -gt 0 ]; do
    step=$(( left < 5 ? left : 5 ))
    sleep "$step"; left=$((left - step))
    rss=$(status_kb "$pid" VmRSS)
    [ -n "$rss" ] || { say "bench-console: $key (pid $pid) exited during the measurement"; echo "- - - - -" >"$WORK/$key.idle"; return 1; }
    [ "$rss" -gt "$max" ] && max=$rss
    printf '  %s +%2ds  ticks %s  VmRSS %s kB\n' "$key" "$((secs - left))" "$(( $(cpu_ticks "$pid") - c0 ))" "$rss" >&2
  done
  c1=$(cpu_ticks "$pid"); t1=$(now_ns)
  awk -v c="$((c1 - c0))" -v hz="$HZ" -v dt="$((t1 - t0))" -v m="$max" -v h="$(status_kb "$pid" VmHWM)" \
    'BEGIN { printf "%.2f %d %d %d %.1f\n", (c / hz) / (dt / 1e9) * 100, m, h, c, dt / 1e9 }' >"$WORK/$key.idle"
}
field() { awk -v i="$2" '{ print $i }' "$WORK/$1.idle" 2>/dev/null || echo "-"; }

# start_pane NAME CMD...: a detached COLSxROWS session running CMD via exec (so the pane's pid
# is the program's own pid); prints that pid.
start_pane() {
  local name=$1; shift
  local cmd; printf -v cmd '%q ' "$@"
  T new-session -d -s "$name" -x "$COLS" -y "$ROWS" "exec $cmd" || return 1
  TMUX_UP=1
  T list-panes -t "$name" -F '#{pane_pid}' | head -n 1
}
pane_dead() { [ "$(T list-panes -t "$1" -F '#{pane_dead}' 2>/dev/null | head -n 1)" = 1 ]; }
capture() { T capture-pane -p -t "$1" 2>/dev/null; }
wait_screen() {  # wait_screen NAME REGEX SECS
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    pane_dead "$1" && return 1
    capture "$1" | grep -Eq "$2" && return 0
    sleep 0.1
  done
  return 1
}

# stats FILE -> "n median p90 max" of the numbers in FILE (one a line).
stats() {
  [ -s "$1" ] || { echo "0 - - -"; return; }
  sort -g "$1" | awk '{ v[NR] = $1 }
    END {
      n = NR; med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      k = int(0.9 * n); if (k < 0.9 * n) k++; if (k < 1) k = 1
      printf "%d %.2f %.2f %.2f\n", n, med, v[k], v[n]
    }'
}

# A dedicated tmux server (own socket, no user config), panes kept after their program exits so
# a crash can be read.
T new-session -d -s keep -x "$COLS" -y "$ROWS" "sleep 86400" || die "tmux new-session failed"
TMUX_UP=1
T set-option -g remain-on-exit on >/dev/null

# ---------------------------------------------------------------- the sandbox
say "bench-console: starting a $MEMBERS-member sandbox in $SB"
"$ZK" sandbox up --members "$MEMBERS" --dir "$SB" >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; die "sandbox up failed"; }
SANDBOX_UP=1
CONNECT=$(sed -n 's/^connect: *//p' "$WORK/up.log" | head -n 1)
[ -n "$CONNECT" ] || { cat "$WORK/up.log" >&2; die "no connect string in the output of sandbox up"; }
# Client addresses in member-id order: zktop numbers its rows 0.. in this order.
SERVERS=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(",".join("127.0.0.1:%d" % m["client_port"] for m in sorted(d["members"], key=lambda m: m["id"])))' "$SB/sandbox.json")
PAUSE_PORT=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); print([m["client_port"] for m in d["members"] if m["id"] == int(sys.argv[2])][0])' "$SB/sandbox.json" "$PAUSE_ID")
say "bench-console: connect $CONNECT"

ready=0
for _ in $(seq 1 60); do
  if "$ZK" status --connect "$CONNECT" --timeout-ms 1000 >/dev/null 2>&1; then ready=1; break; fi
  sleep 1
done
[ "$ready" = 1 ] || { "$ZK" status --connect "$CONNECT" >&2; die "the ensemble did not become healthy in 60 s"; }

mkdir -p "$WORK/state-idle" "$WORK/state-keys" "$WORK/config"
CONF=$WORK/console.toml
printf 'refresh_ms = 1000\nhistory_minutes = 10\n' >"$CONF"

# ---------------------------------------------------------------- 1. console idle
say "bench-console: console idle: ${WARMUP_SECS} s warm-up, then ${IDLE_SECS} s"
CPID=$(start_pane console env XDG_STATE_HOME="$WORK/state-idle" XDG_CONFIG_HOME="$WORK/config" \
  "$ZK" --config "$CONF" --sandbox-dir "$SB") || die "could not start the console in tmux"
wait_screen console 'leader' 15 || { capture console >&2; die "the console did not show the ensemble"; }
[ "$(cat "/proc/$CPID/comm" 2>/dev/null)" = zkconsole ] || die "pane pid $CPID is not zkconsole ($(cat "/proc/$CPID/comm" 2>/dev/null))"
CONSOLE_THREADS=$(status_kb "$CPID" Threads)
sleep "$WARMUP_SECS"
measure console "$CPID" "$IDLE_SECS"
# Over target: what it does, from the syscalls of 10 s (after the measurement, so it costs it nothing).
STRACE_OUT=""
# (Not in a smoke run: a debug build over a few seconds says little, and it costs 10 s.)
if [ "$SMOKE" != 1 ] && awk -v v="$(field console 1)" 'BEGIN { exit !(v != "-" && v + 0 >= 0.5) }' && command -v strace >/dev/null 2>&1; then
  say "bench-console: console idle CPU over 0.5 %: strace -f of it for 10 s"
  timeout -s INT 10 strace -f -qq -p "$CPID" -e trace=connect,sendto,write,openat -e write=none \
    -o "$WORK/strace.txt" >/dev/null 2>&1
  STRACE_OUT=$(awk '
    / connect\(/ { c++ }
    / sendto\(/ { if ($0 ~ /"mntr/) m++; else if ($0 ~ /"srvr/) v++; else if ($0 ~ /"conf/) f++; else if ($0 ~ /"GET /) h++; else o++ }
    / write\(1,/ { w++ }
    / openat\(/ { if ($0 ~ /dev\/tty/) t++ }
    END { printf "per second: %.1f TCP connects (mntr %.1f, srvr %.1f, conf %.1f, AdminServer GET %.1f, other sends %.1f), %.1f terminal writes, %.1f opens of /dev/tty", c/10, m/10, v/10, f/10, h/10, o/10, w/10, t/10 }' "$WORK/strace.txt")
fi
T kill-session -t console

# ---------------------------------------------------------------- 2. zktop idle
if [ "$ZKTOP_OK" = 1 ]; then
  say "bench-console: zktop idle: ${WARMUP_SECS} s warm-up, then ${IDLE_SECS} s"
  ZPID=$(start_pane zktop env PYTHONWARNINGS=ignore "$ZKTOP" --servers "$SERVERS")
  if [ -n "$ZPID" ] && wait_screen zktop '^Ensemble --' 15 && wait_screen zktop "^$((MEMBERS - 1)) +127\\.0\\.0\\.1 +[0-9]+ [LF]" 10; then
    sleep "$WARMUP_SECS"
    if ! measure zktop "$ZPID" "$IDLE_SECS"; then
      ZKTOP_OK=0
      ZKTOP_WHY="zktop exited during the measurement: $(capture zktop | grep -v '^$' | tail -n 1)"
    fi
  else
    ZKTOP_OK=0
    ZKTOP_WHY="zktop did not show the ensemble on $PYVER: $(capture zktop | grep -v '^$' | tail -n 1)"
    say "bench-console: $ZKTOP_WHY"; capture zktop >&2
  fi
fi

# observe NAME SECS KEY: one capture a second for SECS s; for each zktop server row (0..4),
# how many captures differ from the one before; plus whether any line of the screen changed.
observe() {
  local name=$1 secs=$2 key=$3 i
  for ((i = 0; i <= secs; i++)); do
    capture "$name" >"$WORK/$key.cap.$i"
    [ "$i" -lt "$secs" ] && sleep 1
  done
  python3 - "$WORK/$key.cap" "$secs" >"$WORK/$key.obs" <<'EOF'
import re, sys
base, secs = sys.argv[1], int(sys.argv[2])
caps = [open("%s.%d" % (base, i)).read().splitlines() for i in range(secs + 1)]
def rows(lines):
    r = {}
    for l in lines:
        m = re.match(r"^(\d+) +127\.0\.0\.1 +\d+ ", l)
        if m: r[int(m.group(1))] = l.rstrip()
    # client lines carry the zktop row of the server in column 3
    for l in lines:
        m = re.match(r"^127\.0\.0\.1 +\d+ +(\d+) ", l)
        if m: r[int(m.group(1))] = r.get(int(m.group(1)), "") + " | " + l.rstrip()
    return r
rs = [rows(c) for c in caps]
out = []
for sid in range(5):
    ch = sum(1 for a, b in zip(rs, rs[1:]) if a.get(sid) != b.get(sid))
    mode = (rs[-1].get(sid, "").split() + ["?"] * 4)[3]
    out.append("%d:%d:%s" % (sid, ch, mode))
screen = sum(1 for a, b in zip(caps, caps[1:]) if a != b)
print(" ".join(out), screen)
EOF
}
# obs_row KEY SID -> changes seen in that zktop row; obs_screen KEY -> changes of the screen.
obs_row() { tr ' ' '\n' <"$WORK/$1.obs" | awk -F: -v s="$2" '$1 == s { print $2 }'; }
obs_summary() {  # "member N (row mode): changes/secs" for each
  local key=$1 secs=$2 s
  for s in 0 1 2 3 4; do
    printf 'm%d %s/%s  ' "$((s + 1))" "$(obs_row "$key" "$s")" "$secs"
  done
}

if [ "$ZKTOP_OK" = 1 ]; then
  say "bench-console: zktop with all members healthy: one capture a second for 10 s"
  observe zktop 10 z_healthy
fi

# ---------------------------------------------------------------- 3. member 2 paused: latency
ROLE_BEFORE=$("$ZK" status --connect "$CONNECT" --json 2>/dev/null | python3 -c 'import json,sys
d = json.load(sys.stdin); print([m["role"] for m in d["members"] if m["id"] == int(sys.argv[1])][0])' "$PAUSE_ID" 2>/dev/null)
say "bench-console: pausing member $PAUSE_ID (${ROLE_BEFORE:-?}) with SIGSTOP"
"$ZK" sandbox pause "$PAUSE_ID" --dir "$SB" >/dev/null 2>&1 || die "sandbox pause $PAUSE_ID failed"
PAUSED=1
T_PAUSE=$(now_ns)

LOG=$WORK/state-keys/zkconsole/zkconsole.log
CPID=$(start_pane console2 env XDG_STATE_HOME="$WORK/state-keys" XDG_CONFIG_HOME="$WORK/config" \
  ZKCONSOLE_LOG=zkconsole=debug "$ZK" --config "$CONF" --sandbox-dir "$SB") || die "could not start the console in tmux"
wait_screen console2 '▶' 15 || { capture console2 >&2; die "the console did not show the member table"; }
sleep 3   # a few refreshes with the hung member, so its probe timeouts are in flight
CONSOLE_M2_ROW=$(capture console2 | grep -E "^│[ ▶]$PAUSE_ID " | sed 's/│//g; s/  */ /g')

say "bench-console: $NKEYS key presses (j/k alternating, ~100 ms apart) to the console"
for ((i = 0; i < NKEYS; i++)); do
  if ((i % 2 == 0)); then T send-keys -t console2 j; else T send-keys -t console2 k; fi
  sleep 0.1
done
sleep 1
grep -o 'key_to_frame_us=[0-9]*' "$LOG" 2>/dev/null | cut -d= -f2 |
  awk '{ printf "%.3f\n", $1 / 1000 }' >"$WORK/k2f.ms"
K2F=$(stats "$WORK/k2f.ms")

# Outside check: send-keys -> the selection marker's line changes in capture-pane.
# The selection marker's line, with one tmux client call and no other process (a light poll).
marker_line() {
  local out pre nl
  out=$(T capture-pane -p -t console2 2>/dev/null) || return
  [[ $out == *▶* ]] || return
  pre=${out%%▶*}; nl=${pre//[!$'\n']/}
  echo $(( ${#nl} + 1 ))
}
: >"$WORK/ext.ms"
EXT_TIMEOUTS=0
for ((i = 0; i < NEXT; i++)); do
  before=$(marker_line)
  if [ "${before:-0}" -ge 8 ] 2>/dev/null; then key=k; else key=j; fi
  t0=$(now_ns)
  T send-keys -t console2 "$key"
  got=0
  while [ $(( $(now_ns) - t0 )) -lt 2000000000 ]; do
    cur=$(marker_line)
    if [ -n "$cur" ] && [ "$cur" != "$before" ]; then got=1; break; fi
    sleep 0.005
  done
  t1=$(now_ns)
  if [ "$got" = 1 ]; then
    awk -v d="$((t1 - t0))" 'BEGIN { printf "%.2f\n", d / 1e6 }' >>"$WORK/ext.ms"
  else
    EXT_TIMEOUTS=$((EXT_TIMEOUTS + 1))
  fi
  sleep 0.2
done
EXT=$(stats "$WORK/ext.ms")
EXT_LIST=$(paste -sd' ' "$WORK/ext.ms")
# What one capture-pane round trip costs (the floor of the outside check).
: >"$WORK/cap.ms"
for ((i = 0; i < 20; i++)); do
  t0=$(now_ns); capture console2 >/dev/null; t1=$(now_ns)
  awk -v d="$((t1 - t0))" 'BEGIN { printf "%.2f\n", d / 1e6 }' >>"$WORK/cap.ms"
done
CAP=$(stats "$WORK/cap.ms")
: >"$WORK/send.ms"
for ((i = 0; i < 20; i++)); do
  t0=$(now_ns); T send-keys -t keep x; t1=$(now_ns)
  awk -v d="$((t1 - t0))" 'BEGIN { printf "%.2f\n", d / 1e6 }' >>"$WORK/send.ms"
done
SEND=$(stats "$WORK/send.ms")
K2F_TOP=$(sort -gr "$WORK/k2f.ms" | head -n 5 | paste -sd' ')

# ---------------------------------------------------------------- 4. zktop with member 2 paused
# The other members still answer: one srvr to each straight from bash (bounded by timeout).
OTHERS_OK=0
for port in $(tr ',' '\n' <<<"$SERVERS" | sed 's/.*://'); do
  [ "$port" = "$PAUSE_PORT" ] && continue
  timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf srvr >&3; cat <&3" 2>/dev/null | grep -q '^Mode:' &&
    OTHERS_OK=$((OTHERS_OK + 1))
done

say "bench-console: console and zktop with member $PAUSE_ID paused: one capture a second for $OBS_SECS s"
observe console2 "$OBS_SECS" c_paused &
OBS_C=$!
if [ "$ZKTOP_OK" = 1 ]; then observe zktop 10 z_paused; fi
wait "$OBS_C"
C_PAUSED_SCREEN=$(awk '{ print $NF }' "$WORK/c_paused.obs")
# The clock of the last update, whatever its zone suffix.
C_UPDATED=$(for i in $(seq 0 "$OBS_SECS"); do grep -oE 'updated [0-9][0-9:]*' "$WORK/c_paused.cap.$i"; done | sort -u | wc -l)

ZT2=""
if [ "$ZKTOP_OK" = 1 ]; then
  PAUSED_FOR=$(( ($(now_ns) - T_PAUSE) / 1000000000 ))
  say "bench-console: a second zktop with -t 2 (socket timeout 2 s), started with member $PAUSE_ID paused"
  start_pane zktop_t env PYTHONWARNINGS=ignore "$ZKTOP" -t 2 --servers "$SERVERS" >/dev/null
  sleep 2
  observe zktop_t 10 z_timeout
  ZT2=1
fi

# ---------------------------------------------------------------- 5. resume
"$ZK" sandbox resume "$PAUSE_ID" --dir "$SB" >/dev/null 2>&1 && PAUSED=0
if [ "$ZKTOP_OK" = 1 ]; then
  say "bench-console: member $PAUSE_ID resumed: does zktop recover? one capture a second for 10 s"
  sleep 1
  observe zktop 10 z_resumed
fi
T kill-server >/dev/null 2>&1; TMUX_UP=0
"$ZK" sandbox down --dir "$SB" >/dev/null 2>&1 && SANDBOX_UP=0

# ---------------------------------------------------------------- report
verdict() {  # verdict VALUE TARGET (met when VALUE < TARGET)
  awk -v v="$1" -v t="$2" 'BEGIN { if (v == "-" || v == "") print "n/a"; else print (v + 0 < t + 0) ? "met" : "MISSED" }'
}
C_CPU=$(field console 1); C_RSS=$(mb "$(field console 2)"); C_HWM=$(mb "$(field console 3)")
Z_CPU=$(field zktop 1); Z_RSS=$(mb "$(field zktop 2)"); Z_HWM=$(mb "$(field zktop 3)")
read -r K_N K_MED K_P90 K_MAX <<<"$K2F"
read -r E_N E_MED E_P90 E_MAX <<<"$EXT"
read -r _ CAP_MED _ CAP_MAX <<<"$CAP"
read -r _ SEND_MED _ SEND_MAX <<<"$SEND"

zktop_hung_summary() {
  if [ "$ZKTOP_OK" != 1 ] || [ ! -s "$WORK/z_paused.obs" ]; then echo "not run: $ZKTOP_WHY"; return; fi
  local others=0 s
  for s in 0 2 3 4; do [ "$(obs_row z_paused "$s")" -gt 0 ] 2>/dev/null && others=$((others + 1)); done
  if [ "$others" -eq 0 ]; then
    echo "FROZE: no row changed in 10 s (the 4 live members too)"
  else
    echo "kept updating: $others/4 live members' rows changed in 10 s"
  fi
}

echo
echo "==================== zkconsole console benchmark ===================="
echo "  $(uname -sr), $(nproc) cores, CLK_TCK $HZ; tmux $(tmux -V | cut -d' ' -f2), ${COLS}x${ROWS}"
echo "  sandbox: $MEMBERS members on 127.0.0.1; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  $PROFILE build$( [ "$SMOKE" = 1 ] && echo ', SMOKE run (tiny sizes: checks the benchmark works, figures are indicative only)')"
echo "  console: refresh_ms 1000, history_minutes 10, $CONSOLE_THREADS threads"
echo "  zktop:   ${ZKTOP_VER:-?} on $PYVER (refreshes every 3 s, hard-coded; 'stat' per member)"
echo
echo "Idle, ${IDLE_SECS} s after ${WARMUP_SECS} s warm-up (CPU: utime+stime, % of one core; MB = MiB)"
printf '  %-10s %8s %8s %8s %8s %10s\n' "" "CPU %" "ticks" "RSS max" "VmHWM" "wall s"
printf '  %-10s %8s %8s %8s %8s %10s\n' "zkconsole" "$C_CPU" "$(field console 4)" "$C_RSS" "$C_HWM" "$(field console 5)"
if [ -s "$WORK/zktop.idle" ]; then
  printf '  %-10s %8s %8s %8s %8s %10s\n' "zktop" "$Z_CPU" "$(field zktop 4)" "$Z_RSS" "$Z_HWM" "$(field zktop 5)"
else
  printf '  %-10s %s\n' "zktop" "not measured: $ZKTOP_WHY"
fi
[ -n "$STRACE_OUT" ] && echo "  zkconsole idle, strace -f 10 s: $STRACE_OUT"
echo
echo "Member $PAUSE_ID SIGSTOPped (was ${ROLE_BEFORE:-?}); console restarted with ZKCONSOLE_LOG=zkconsole=debug"
echo "  console row for member $PAUSE_ID: ${CONSOLE_M2_ROW:-?}"
printf '  %-44s %5s %8s %8s %8s\n' "" "n" "median" "p90" "max"
printf '  %-44s %5s %8s %8s %8s\n' "key_to_frame_us from the log (ms)" "$K_N" "$K_MED" "$K_P90" "$K_MAX"
printf '  %-44s %5s %8s %8s %8s\n' "send-keys -> changed capture-pane (ms)" "$E_N" "$E_MED" "$E_P90" "$E_MAX"
printf '  %-44s %5s %8s %8s %8s\n' "one capture-pane round trip (ms, floor)" "20" "$CAP_MED" "-" "$CAP_MAX"
printf '  %-44s %5s %8s %8s %8s\n' "one send-keys round trip (ms, floor)" "20" "$SEND_MED" "-" "$SEND_MAX"
echo "  largest key_to_frame values (ms): ${K2F_TOP:-none}"
echo "  outside check, each (ms): ${EXT_LIST:-none}$( [ "$EXT_TIMEOUTS" -gt 0 ] && echo "; $EXT_TIMEOUTS got no change in 2 s")"
echo "  ($NKEYS keys sent; a count under $NKEYS means keys were answered together in one frame)"
echo "  console screen during $OBS_SECS s with the member paused: changed in $C_PAUSED_SCREEN/$OBS_SECS captures, $C_UPDATED distinct 'updated' stamps"
echo
if [ "$ZKTOP_OK" = 1 ]; then
  echo "zktop rows (m1..m5 = its rows 0..4): captures that differed from the previous one, 1 s apart"
  printf '  %-42s %s\n' "healthy" "$(obs_summary z_healthy 10)"
  printf '  %-42s %s\n' "member $PAUSE_ID paused (zktop running before)" "$(obs_summary z_paused 10)"
  printf '  %-42s %s\n' "member $PAUSE_ID paused, new zktop -t 2" "$(obs_summary z_timeout 10)"
  printf '  %-42s %s\n' "after resume (first zktop)" "$(obs_summary z_resumed 10)"
  echo "  the other $OTHERS_OK/4 members answered srvr directly while member $PAUSE_ID was paused"
  echo "  zktop -t 2 shows member $PAUSE_ID as: $(awk '{ for (i = 1; i < NF; i++) if ($i ~ /^1:/) { split($i, a, ":"); print "mode column \"" a[3] "\"" } }' "$WORK/z_timeout.obs") (U = Unavailable)"
  echo
fi
echo "Summary"
C_HUNG=$( [ "${C_UPDATED:-0}" -gt 1 ] && echo "kept updating ($C_UPDATED 'updated' stamps in $OBS_SECS s)" || echo "FROZE")
printf '  %-30s %-26s %-8s %s\n' "" "zkconsole" "target" "zktop"
printf '  %-30s %-26s %-8s %s\n' "idle CPU, % of one core" "$C_CPU  $(verdict "$C_CPU" 0.5)" "< 0.5" "${Z_CPU} (polls every 3 s)"
printf '  %-30s %-26s %-8s %s\n' "idle RSS max / VmHWM, MB" "$C_RSS / $C_HWM  $(verdict "$C_HWM" 30)" "< 30" "$Z_RSS / $Z_HWM"
printf '  %-30s %-26s %-8s %s\n' "key-to-frame p50/p90/max, ms" "$K_MED / $K_P90 / $K_MAX  $(verdict "$K_MAX" 50)" "< 50" "-"
printf '  %-30s %-26s %-8s %s\n' "  outside (tmux), p50/max, ms" "$E_MED / $E_MAX" "" "-"
printf '  %-30s %s\n' "member $PAUSE_ID hung: zkconsole" "$C_HUNG"
printf '  %-30s %s\n' "member $PAUSE_ID hung: zktop" "$(zktop_hung_summary)"
echo "===================================================================="

# ---------------------------------------------------------------- smoke verdict
if [ "$SMOKE" = 1 ]; then
  broken=()
  [ "$C_CPU" != "-" ] && [ -n "$C_CPU" ] || broken+=("no idle CPU figure for the console")
  [ "${K_N:-0}" -gt 0 ] 2>/dev/null || broken+=("no key_to_frame_us in the console's debug log")
  [ "${E_N:-0}" -gt 0 ] 2>/dev/null || broken+=("no key press changed the screen (outside check)")
  [ "${C_UPDATED:-0}" -gt 1 ] || broken+=("the console did not keep updating with member $PAUSE_ID paused")
  if [ ${#broken[@]} -gt 0 ]; then
    say "bench-console: SMOKE FAILED: $(printf '%s; ' "${broken[@]}")"
    exit 1
  fi
  say "bench-console: smoke run OK"
fi
