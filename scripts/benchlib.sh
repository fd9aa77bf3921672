# Shared by the benchmark scripts (sourced, never run; its name keeps it out of test.sh's
# `bench-*.sh` loop): arguments, messages, the build with
# retries, and tearing down the sandbox a benchmark started. Set BENCH_NAME before sourcing.

say() { printf '%s\n' "$*" >&2; }
die() { say "$BENCH_NAME: $*"; exit 1; }

# SMOKE=1 for --smoke, the only argument; anything else is a usage error (64).
bench_args() {
  SMOKE=0
  local arg
  for arg in "$@"; do
    case $arg in
      --smoke) SMOKE=1 ;;
      *) say "$BENCH_NAME: unknown argument $arg (the only one is --smoke)"; exit 64 ;;
    esac
  done
}

# bench_build PROFILE [cargo build args...]: builds unless BENCH_SKIP_BUILD=1. Others may be
# editing src/ while a full run starts, so a failed full build is retried after a minute and
# the existing binaries are used at worst (said); a smoke run fails at once.
bench_build() {
  local profile=$1; shift
  [ "${BENCH_SKIP_BUILD:-0}" = 1 ] && return 0
  local flags=(--quiet "$@") try log
  [ "$profile" = release ] && flags+=(--release)
  log=$(mktemp)
  for try in 1 2 3 4 5; do
    if cargo build "${flags[@]}" 2>"$log"; then rm -f "$log"; return 0; fi
    [ "$SMOKE" = 1 ] && { tail -n 20 "$log" >&2; rm -f "$log"; die "cargo build failed"; }
    say "$BENCH_NAME: cargo build failed (try $try/5); retrying in 60 s:"
    tail -n 5 "$log" >&2
    [ "$try" -lt 5 ] && sleep 60
  done
  rm -f "$log"
  say "$BENCH_NAME: WARNING: the build keeps failing; using the existing (possibly stale) binaries"
}

# bench_sandbox_down ZK DIR [PAUSED_ID]: resumes a member the benchmark paused, then `sandbox
# down`; when that fails, kills the member pids recorded in sandbox.json.
bench_sandbox_down() {
  local zk=$1 dir=$2 paused=${3:-} pid
  [ -n "$paused" ] && "$zk" sandbox resume "$paused" --dir "$dir" >/dev/null 2>&1
  if "$zk" sandbox down --dir "$dir" >/dev/null 2>&1; then
    say "$BENCH_NAME: sandbox torn down"
    return 0
  fi
  if [ -f "$dir/sandbox.json" ]; then
    for pid in $(grep -o '"pid": *[0-9]*' "$dir/sandbox.json" | grep -o '[0-9]*$'); do
      kill -CONT "$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null
    done
  fi
  say "$BENCH_NAME: 'sandbox down' failed; killed the member pids from sandbox.json"
}

# bench_workdir: a private work directory ($WORK) with the sandbox's place in it ($SB), removed
# on exit or interrupt; once the script sets SANDBOX_UP=1 the sandbox is stopped first (resuming
# $PAUSED_ID if set). A script with more to undo defines bench_extra_cleanup, run before. Needs $ZK.
bench_workdir() {
  WORK=$(mktemp -d "/tmp/$BENCH_NAME.XXXXXX")
  SB=$WORK/sandbox
  SANDBOX_UP=0
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if declare -F bench_extra_cleanup >/dev/null; then bench_extra_cleanup; fi
  [ "$SANDBOX_UP" = 1 ] && bench_sandbox_down "$ZK" "$SB" "${PAUSED_ID:-}"
  rm -rf "$WORK"
  exit "$rc"
}
