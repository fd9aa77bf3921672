#!/usr/bin/env bash
# Benchmark of `zkconsole bench` beside a peer load generator and the servers' CPU-bound
# limit, on one local 3-member ZooKeeper sandbox (loopback only).
#
#   bash scripts/bench-load.sh            # the full run (manual; about a minute)
#   bash scripts/bench-load.sh --smoke    # seconds: 1 s of load, the debug build, no install;
#                                         # CI runs it so a broken benchmark fails there
#
# Figures, each for the same mix (BENCH_MIX, 9:1) and the same number of requests in flight:
#   zkconsole  `zkconsole bench --json` (release build): reads/s, writes/s, p50/p99
#   kazoo      a Python loop on kazoo (PyPI, in target/bench-venv, installed for the
#              benchmark only): the same nodes-per-session scheme, async requests kept in flight
#   server     the servers' CPU-bound limit on this machine: requests served per second of
#              server CPU during the zkconsole run (from /proc), times the cores
# and for each client its reads/s and writes/s per core of client CPU (user+sys seconds of
# the client process over the wall-clock seconds: what it would do with a whole core).
# Knobs (environment): BENCH_SECONDS (10; smoke 1), BENCH_MIX (9:1), BENCH_IN_FLIGHT (16),
# BENCH_SKIP_BUILD=1, BENCH_INSTALL_PEERS=1 (let --smoke install kazoo too; by default a smoke
# run uses it only when already there). The sandbox is always torn down on exit.
# A smoke run exits 1 when a figure is missing or zero, or `zkconsole bench` fails.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BENCH_NAME=bench-load
. scripts/benchlib.sh
bench_args "$@"
if [ "$SMOKE" = 1 ]; then
  SECONDS_LOAD=${BENCH_SECONDS:-1}; PROFILE=debug; INSTALL_PEERS=${BENCH_INSTALL_PEERS:-0}
else
  SECONDS_LOAD=${BENCH_SECONDS:-10}; PROFILE=release; INSTALL_PEERS=1
fi
MIX=${BENCH_MIX:-9:1}
IN_FLIGHT=${BENCH_IN_FLIGHT:-16}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
ZK=$TARGET/$PROFILE/zkconsole
VENV=$ROOT/target/bench-venv

bench_workdir

bash scripts/setup.sh || die "scripts/setup.sh failed (ZooKeeper/Java missing?)"
bench_build "$PROFILE" --bin zkconsole
[ -x "$ZK" ] || die "$ZK missing"
command -v python3 >/dev/null 2>&1 || die "python3 missing (the figures are parsed with it)"

# ---------------------------------------------------------------- the peer (kazoo)
KAZOO_WHY=""
kazoo_works() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import kazoo' >/dev/null 2>&1; }
if ! kazoo_works; then
  if [ "$INSTALL_PEERS" != 1 ]; then
    KAZOO_WHY="no venv with kazoo in $VENV (a smoke run installs nothing: run the full benchmark once, or BENCH_INSTALL_PEERS=1)"
  elif ! python3 -m venv "$VENV" >"$WORK/venv.log" 2>&1 && [ ! -x "$VENV/bin/python" ]; then
    KAZOO_WHY="python3 -m venv failed: $(tail -n 1 "$WORK/venv.log")"
  else
    say "bench-load: installing kazoo into $VENV"
    "$VENV/bin/pip" install -q kazoo >"$WORK/pip.log" 2>&1 ||
      KAZOO_WHY="pip install kazoo failed: $(tail -n 1 "$WORK/pip.log")"
  fi
fi
kazoo_works || KAZOO_WHY=${KAZOO_WHY:-"kazoo does not import in $VENV"}

# ---------------------------------------------------------------- the sandbox
export ZKCONSOLE_SANDBOX_TAG=${ZKCONSOLE_SANDBOX_TAG:-bench-load}
export XDG_STATE_HOME=$WORK/state
"$ZK" sandbox up --members 3 --dir "$SB" >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; die "sandbox up failed"; }
SANDBOX_UP=1
CONNECT=$(sed -n 's/^connect: *//p' "$WORK/up.log" | head -n 1)
[ -n "$CONNECT" ] || { cat "$WORK/up.log" >&2; die "no connect string in the output of sandbox up"; }
PIDS=$(grep -o '"pid": *[0-9]*' "$SB/sandbox.json" | grep -o '[0-9]*$' | tr '\n' ' ')
CORES=$(nproc)

# Clock ticks of user+system CPU of the member JVMs so far.
server_ticks() {
  local pid total=0 f
  for pid in $PIDS; do
    f=$(cut -d' ' -f14,15 "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + ${f% *} + ${f#* }))
  done
  echo "$total"
}

# run_timed NAME CMD...: stdout to $WORK/NAME.out, stderr to NAME.err, and the client's
# "wall user sys" seconds to NAME.cpu (bash's time keyword times the child).
run_timed() {
  local name=$1; shift
  local TIMEFORMAT='%R %U %S'
  { time "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"; } 2>"$WORK/$name.cpu"
}

# ---------------------------------------------------------------- zkconsole bench
TICKS0=$(server_ticks)
run_timed zkconsole "$ZK" bench --connect "$CONNECT" --json --duration "$SECONDS_LOAD" \
  --mix "$MIX" --in-flight "$IN_FLIGHT"
ZK_RC=$?
TICKS1=$(server_ticks)
if [ "$ZK_RC" != 0 ]; then
  cat "$WORK/zkconsole.err" >&2
  die "zkconsole bench exited $ZK_RC"
fi

# ---------------------------------------------------------------- kazoo
if [ -z "$KAZOO_WHY" ]; then
  cat >"$WORK/peer.py" <<'PY'
import sys, time, uuid
from kazoo.client import KazooClient
hosts, secs, mix, window = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
r, w = (int(x) for x in mix.split(":"))
base = "/bench-load-peer-" + uuid.uuid4().hex[:8]
clients = []
for h in hosts.split(","):
    zk = KazooClient(hosts=h, timeout=10)
    zk.start(timeout=10)
    clients.append(zk)
clients[0].ensure_path(base)
slots = []
for ci, zk in enumerate(clients):
    for s in range(window):
        p = "%s/s%d-%d" % (base, ci, s)
        zk.create(p, b"z" * 64, ephemeral=True)
        slots.append([zk, p, 0, 0, None, 0.0, False])
lat, reads, writes = [], 0, 0
def issue(slot):
    zk, p, ver, n = slot[0], slot[1], slot[2], slot[3]
    slot[6] = n % (r + w) >= r
    slot[3] = n + 1
    slot[5] = time.perf_counter()
    slot[4] = zk.set_async(p, b"z" * 64, ver) if slot[6] else zk.get_async(p)
end = time.perf_counter() + secs
for slot in slots:
    issue(slot)
start = time.perf_counter()
while slots:
    for slot in list(slots):
        res = slot[4].get(timeout=10)
        lat.append(time.perf_counter() - slot[5])
        if slot[6]:
            slot[2] = res.version
            writes += 1
        else:
            reads += 1
        if time.perf_counter() < end:
            issue(slot)
        else:
            slots.remove(slot)
elapsed = time.perf_counter() - start
for zk in clients:
    zk.stop()
    zk.close()
cleaner = KazooClient(hosts=hosts, timeout=10)
cleaner.start(timeout=10)
cleaner.delete(base, recursive=True)
cleaner.stop()
lat.sort()
print("%f %f %f %f" % (reads / elapsed, writes / elapsed,
                       lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000))
PY
  run_timed kazoo "$VENV/bin/python" "$WORK/peer.py" "$CONNECT" "$SECONDS_LOAD" "$MIX" "$IN_FLIGHT" ||
    KAZOO_WHY="the kazoo loop failed: $(tail -n 1 "$WORK/kazoo.err")"
fi

# ---------------------------------------------------------------- the figures
python3 - "$WORK" "$((TICKS1 - TICKS0))" "$(getconf CLK_TCK)" "$CORES" "$KAZOO_WHY" "$SMOKE" <<'PY'
import json, os, sys
work, ticks, hz, cores, kazoo_why, smoke = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6] == "1"
def cpu(name):
    wall, user, syst = (float(x) for x in open(os.path.join(work, name + ".cpu")).read().split()[-3:])
    return wall, user + syst
rows, bad = [], []
z = json.load(open(os.path.join(work, "zkconsole.out")))
for k in ("reads_per_s", "writes_per_s"):
    if not z.get(k):
        bad.append("zkconsole " + k + " missing or 0")
if not z.get("members"):
    bad.append("zkconsole members missing")
wall, c = cpu("zkconsole")
rows.append(("zkconsole bench", z["reads_per_s"], z["writes_per_s"], z["latency_ms"]["p50"], z["latency_ms"]["p99"], c, wall))
if not kazoo_why:
    rd, wr, p50, p99 = (float(x) for x in open(os.path.join(work, "kazoo.out")).read().split())
    wall, c = cpu("kazoo")
    rows.append(("kazoo loop", rd, wr, p50, p99, c, wall))
print("%-16s %10s %10s %8s %8s %8s %14s %14s" % ("client", "reads/s", "writes/s", "p50 ms", "p99 ms", "cpu s", "reads/s/core", "writes/s/core"))
for name, rd, wr, p50, p99, c, wall in rows:
    # Per core of client CPU: the rate the client would reach with a whole core to itself.
    per = (wall / c) if c > 0 else float("nan")
    print("%-16s %10.0f %10.0f %8.2f %8.2f %8.2f %14.0f %14.0f" % (name, rd, wr, p50, p99, c, rd * per, wr * per))
if kazoo_why:
    print("kazoo loop       skipped: " + kazoo_why)
served = (z["reads_per_s"] + z["writes_per_s"]) * rows[0][6]
server_cpu = ticks / hz
if server_cpu > 0:
    limit = served / server_cpu * cores
    print("server CPU-bound limit on this machine: about %.0f requests/s (%.0f requests per "
          "second of server CPU x %d cores; the same mix)" % (limit, served / server_cpu, cores))
else:
    bad.append("no server CPU measured")
if bad:
    print("bench-load: " + "; ".join(bad), file=sys.stderr)
    sys.exit(1)
PY
