#!/usr/bin/env bash
# run_stress.sh -- the proof of isolation. Runs the stress suite
# (tests/stress/stress_test: every test reserves ports, serves TCP and UDP on
# them, holds them a random few milliseconds and records each hold) under
# every way tests run concurrently, with faults injected, and has
# check_records.py judge every runner from the records:
#
#   ctest-j16        ctest -j16, one process per test (gtest_discover_tests)
#   shards           4 shards x 3 concurrent copies of the binary
#   private-tmp      the same, half of the processes in a private /tmp
#                    (unshare -m + tmpfs; skipped where not permitted)
#   bazel            two sharded Bazel targets at once (only with --bazel)
#   exhausted-range  ctest -j16 over a range of 8 ports: each test gets its
#                    ports or fails clearly with RESOURCE_EXHAUSTED
#   control          6 processes with the claim defeated on purpose (each its
#                    own GTEST_PORT_LOCK_DIR): the checker MUST find clashes,
#                    which proves it would see them in the runners above
#   netns            two network namespaces and the host each hold the same
#                    one-port range at once; a second holder in one namespace
#                    is refused (skipped where `ip netns add` is not permitted).
#                    With the portable POSIX back-end (GTEST_PORT_BACKEND=posix)
#                    claims are lock files, shared by the whole host: exactly
#                    one of the three holders gets the port
#
# Faults: a redis-server and a python3 http.server occupy two ports inside
# the range for the whole run (the checker verifies they are never handed
# out), and in every runner KilledHolderTest SIGKILLs a holder mid-test and
# reserves its ports again at once.
#
# Usage:
#   tests/stress/run_stress.sh BUILD_DIR [--bazel]
#
# BUILD_DIR is a CMake build of gtest_port with tests. --bazel (or
# GTEST_PORT_STRESS_BAZEL=1) adds the Bazel runner; it needs
# bazel/setup_offline.sh to have run, and honors BAZEL (the bazel binary) and
# BAZEL_STARTUP_OPTIONS (e.g. --output_base=...). GTEST_PORT_STRESS_ROUNDS
# (default 3) is how often each runner runs every test. Prints one summary line per
# runner and exits non-zero if any runner saw a clash, a bind failure, a
# foreign port handed out or an unexpected test failure. Records and logs
# stay in BUILD_DIR/stress-run (stress-run.<k> for a run that overlaps
# another on the same host).

set -euo pipefail

usage() {
  echo "usage: $0 BUILD_DIR [--bazel]" >&2
  exit 2
}

(($# >= 1)) || usage
build_dir=$(cd "$1" && pwd)
shift
bazel_runner=${GTEST_PORT_STRESS_BAZEL:-0}
for arg in "$@"; do
  case $arg in
    --bazel) bazel_runner=1 ;;
    *) usage ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stress_test=$build_dir/tests/stress/stress_test
holder=$build_dir/tests/stress/stress_holder
checker=$here/check_records.py
python=/usr/bin/python3
work=$build_dir/stress-run
readonly JOBS=16 SHARDS=4 COPIES=3 TIMEOUT=120
# Each runner runs every test this many times (ctest --repeat, --gtest_repeat,
# bazel --runs_per_test), each time in new processes or a new iteration.
readonly ROUNDS=${GTEST_PORT_STRESS_ROUNDS:-3}

for f in "$stress_test" "$holder"; do
  [[ -x $f ]] || { echo "stress: $f not built (build target stress_test)" >&2; exit 2; }
done
[[ -x $python ]] || { echo "stress: $python missing (apt-get install python3)" >&2; exit 2; }

# Nothing from the caller's environment may change how ports are chosen.
unset PORTSERVER_ADDRESS GTEST_PORT_LOCK_DIR GTEST_PORT_RANGE GTEST_PORT_VERBOSE \
  GTEST_SHARD_INDEX GTEST_TOTAL_SHARDS GTEST_PORT_STRESS_RECORDS \
  GTEST_PORT_STRESS_HOLDER GTEST_FILTER

start_s=$SECONDS

# --- A block of ports of our own ----------------------------------------------
# Two stress runs on one host (two CI jobs) must not start their foreign
# daemons on one port, so each run locks one of ten blocks of 200 ports in
# 4000-5999: below the ephemeral range, away from the default range
# (20000-32767) and the tests' private ranges (10000-19999).
slot=-1
for k in 0 1 2 3 4 5 6 7 8 9; do
  exec 9>"/tmp/gtest_port_stress.slot$k.lock"
  if flock -n 9; then
    slot=$k
    break
  fi
  exec 9>&-
done
((slot >= 0)) || { echo "stress: all 10 port blocks are in use by other stress runs" >&2; exit 1; }
base=$((4000 + slot * 200))
# A second concurrent run on the same build directory keeps its own records.
((slot == 0)) || work=$work.$slot
rm -rf "$work"
mkdir -p "$work/logs"
# 160 ports: 4 shards x 40, room for 3 copies of a shard each running a
# test that holds 8 ports, plus a foreign daemon.
range="$base-$((base + 159))"
small_range="$((base + 170))-$((base + 177))"  # 8 ports
# Not base + 190: 4190 is one of the ports browsers refuse, never handed out.
netns_port=$((base + 191))
control_range="$((base + 160))-$((base + 169))"  # 10 ports
redis_port=$((base + 5))                     # in shard 0's slice
http_port=$((base + 93))                     # in shard 2's slice

# --- Clean-up, always ---------------------------------------------------------
daemon_pids=()
namespaces=()
cleanup() {
  local pid ns
  for pid in "${daemon_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for ns in "${namespaces[@]}"; do
    ip netns del "$ns" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

summaries=()
failed_runners=()
say() { printf 'stress: %s\n' "$*"; }

# check RUNNER [checker options...]: judges $work/RUNNER.records.
check() {
  local runner=$1
  shift
  local line
  if line=$("$python" "$checker" --runner "$runner" "$@" "$work/$runner.records" \
    2>"$work/logs/$runner.check.err"); then
    summaries+=("$line")
  else
    summaries+=("$line")
    failed_runners+=("$runner")
    cat "$work/logs/$runner.check.err" >&2
  fi
  echo "$line"
}

# fail RUNNER MESSAGE LOG...: the runner itself went wrong.
fail() {
  local runner=$1 message=$2 log
  shift 2
  summaries+=("stress: $runner: FAILED: $message")
  failed_runners+=("$runner")
  echo "stress: $runner: FAILED: $message" >&2
  for log in "$@"; do
    echo "--- $log (last 30 lines)" >&2
    tail -n 30 "$log" >&2 || true
  done
}

skip() {
  summaries+=("stress: $1: SKIPPED: $2")
  echo "stress: $1: SKIPPED: $2"
}

# --- Foreign daemons inside the range -----------------------------------------
# Real servers that know nothing of gtest_port, started before any test. The
# bind probe must keep every test off their ports.
redis_ping() {
  local reply=''
  { exec 8<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf '*1\r\n$4\r\nPING\r\n' >&8
  read -r -t 2 reply <&8 || true
  exec 8<&-
  [[ $reply == +PONG* ]]
}
http_get() {
  local reply=''
  { exec 8<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET / HTTP/1.0\r\n\r\n' >&8
  read -r -t 2 reply <&8 || true
  exec 8<&-
  [[ $reply == HTTP/* ]]
}
# wait_until SECONDS COMMAND...: polls COMMAND every 50 ms.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

foreign=()
foreign_args=()
say "port block $slot: range $range, exhausted range $small_range, netns port $netns_port"
if [[ -x /usr/bin/redis-server ]]; then
  /usr/bin/redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
    --appendonly no --daemonize no --dir "$work" \
    >"$work/logs/redis-server.log" 2>&1 9>&- &
  daemon_pids+=("$!")
  wait_until 10 redis_ping "$redis_port" ||
    { echo "stress: redis-server did not answer PING on $redis_port" >&2
      tail "$work/logs/redis-server.log" >&2; exit 1; }
  foreign+=("redis-server:$redis_port")
  foreign_args+=(--foreign "$redis_port")
else
  say "foreign daemon redis-server SKIPPED: /usr/bin/redis-server not installed (apt-get install redis-server)"
fi
mkdir -p "$work/www"
echo "not a gtest_port server" >"$work/www/index.html"
"$python" -m http.server "$http_port" --bind 127.0.0.1 --directory "$work/www" \
  >"$work/logs/http.server.log" 2>&1 9>&- &
daemon_pids+=("$!")
wait_until 10 http_get "$http_port" ||
  { echo "stress: python3 -m http.server did not answer on $http_port" >&2
    tail "$work/logs/http.server.log" >&2; exit 1; }
foreign+=("http.server:$http_port")
foreign_args+=(--foreign "$http_port")
say "foreign daemons listening inside $range: ${foreign[*]}"

tests_per_binary=$("$stress_test" --gtest_list_tests | grep -c '^  ')

# run_copies RUNNER PRIVATE_EVERY: 4 shards x 3 copies at once; with
# PRIVATE_EVERY=2, every second process runs in a private /tmp.
run_copies() {
  local runner=$1 private_every=$2 records=$work/$1.records
  local pids=() logs=() copy shard n=0
  : >"$records"
  for ((copy = 0; copy < COPIES; copy++)); do
    for ((shard = 0; shard < SHARDS; shard++)); do
      local log=$work/logs/$runner.copy$copy.shard$shard.log
      if ((private_every > 0 && n % private_every == 1)); then
        # A private /tmp may hide the build directory and the records: open
        # the binary (fd 3), the records (fd 4) and the holder (fd 5) first,
        # then cover /tmp, prove the host's /tmp is gone (its marker file is
        # not there) and run through /proc/self/fd.
        GTEST_PORT_RANGE=$range GTEST_TOTAL_SHARDS=$SHARDS GTEST_SHARD_INDEX=$shard \
          GTEST_PORT_STRESS_RECORDS=/proc/self/fd/4 \
          GTEST_PORT_STRESS_HOLDER=/proc/self/fd/5 \
          timeout "$TIMEOUT" unshare -m /bin/sh -c '
            exec 3<"$0" && mount -t tmpfs gtest_port_stress_tmp /tmp &&
            if [ -e "$1" ]; then echo "stress: /tmp is not private" >&2; exit 9; fi &&
            exec /proc/self/fd/3 --gtest_repeat="$2"' \
          "$stress_test" "$host_marker" "$ROUNDS" \
          4>>"$records" 5<"$holder" >"$log" 2>&1 9>&- &
      else
        GTEST_PORT_RANGE=$range GTEST_TOTAL_SHARDS=$SHARDS GTEST_SHARD_INDEX=$shard \
          GTEST_PORT_STRESS_RECORDS=$records \
          timeout "$TIMEOUT" "$stress_test" --gtest_repeat="$ROUNDS" \
          >"$log" 2>&1 9>&- &
      fi
      pids+=("$!")
      logs+=("$log")
      n=$((n + 1))
    done
  done
  local i bad=()
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || bad+=("${logs[$i]}")
  done
  if ((${#bad[@]})); then
    fail "$runner" "${#bad[@]} of ${#pids[@]} processes exited non-zero" "${bad[@]}"
  fi
  check "$runner" --range "$range" "${foreign_args[@]}" \
    --expect-tests $((ROUNDS * COPIES * tests_per_binary))
}

# run_ctest RUNNER RANGE REPEAT [checker options]: ctest -j16, one process
# per test, each test REPEAT times.
run_ctest() {
  local runner=$1 r=$2 repeat=$3 records=$work/$1.records status=0
  shift 3
  : >"$records"
  GTEST_PORT_RANGE=$r GTEST_PORT_STRESS_RECORDS=$records \
    ctest --test-dir "$build_dir/tests/stress" -L stress -j"$JOBS" \
    --repeat until-fail:"$repeat" --timeout "$TIMEOUT" \
    >"$work/logs/$runner.log" 2>&1 9>&- || status=$?
  if ((status != 0)) && [[ " $* " != *" --allow-exhausted "* ]]; then
    fail "$runner" "ctest exited with status $status" "$work/logs/$runner.log"
  fi
  check "$runner" --range "$r" --expect-tests $((repeat * tests_per_binary)) "$@"
}

# --- Runner: ctest -j16 ---------------------------------------------------------
say "ctest-j16: $tests_per_binary tests x $ROUNDS, one process each, $JOBS at once, range $range"
run_ctest ctest-j16 "$range" "$ROUNDS" "${foreign_args[@]}"

# --- Runner: shards x copies ----------------------------------------------------
say "shards: $SHARDS shards x $COPIES copies = $((SHARDS * COPIES)) processes at once"
run_copies shards 0

# --- Runner: half of them in a private /tmp -------------------------------------
host_marker=/tmp/gtest_port_stress_host_marker.$$
if unshare -m /bin/sh -c 'mount -t tmpfs none /tmp' 2>/dev/null; then
  touch "$host_marker"
  say "private-tmp: the same, every second process in a private /tmp (unshare -m)"
  run_copies private-tmp 2
  rm -f "$host_marker"
else
  skip private-tmp "unshare -m with a tmpfs on /tmp is not permitted here (needs CAP_SYS_ADMIN or user namespaces)"
fi

# --- Runner: Bazel, two sharded targets at once -----------------------------------
if [[ $bazel_runner == 1 ]]; then
  say "bazel: //tests/stress:stress_test (4 shards) and :stress_test_second_target (3 shards) at once"
  records=$work/bazel.records
  : >"$records"
  read -r -a startup <<<"${BAZEL_STARTUP_OPTIONS:-}"
  status=0
  (cd "$root" && "${BAZEL:-bazel}" "${startup[@]}" test --config=offline \
    --jobs=8 --local_test_jobs=8 --nocache_test_results --symlink_prefix=/ \
    --runs_per_test="$ROUNDS" \
    --sandbox_writable_path="$work" \
    --test_env=GTEST_PORT_STRESS_RECORDS="$records" \
    --test_env=GTEST_PORT_RANGE="$range" \
    //tests/stress:stress_test //tests/stress:stress_test_second_target) \
    >"$work/logs/bazel.log" 2>&1 9>&- || status=$?
  if ((status != 0)); then
    fail bazel "bazel test exited with status $status" "$work/logs/bazel.log"
  fi
  check bazel --range "$range" "${foreign_args[@]}" \
    --expect-tests $((ROUNDS * 2 * tests_per_binary))
else
  skip bazel "run with --bazel (or GTEST_PORT_STRESS_BAZEL=1) after bazel/setup_offline.sh"
fi

# --- Runner: a range too small for everyone -----------------------------------------
# (Once: ctest stops repeating a test that failed, so more rounds would make
# the number of runs unknowable.)
say "exhausted-range: ctest -j$JOBS over the 8 ports $small_range"
run_ctest exhausted-range "$small_range" 1 --allow-exhausted

# --- Control: the same workload with the claim defeated -------------------------------
# Every process claims through a lock directory of its own, so processes do
# not see each other's claims and only the bind probe is left. The checker
# must now find clashes or bind failures: the proof that it would see them.
run_control() {
  local runner=control records=$work/control.records pids=() i
  : >"$records"
  for i in 0 1 2 3 4 5; do
    mkdir -p "$work/control.locks$i"
    GTEST_PORT_RANGE=$control_range GTEST_PORT_LOCK_DIR=$work/control.locks$i \
      GTEST_PORT_STRESS_RECORDS=$records \
      timeout "$TIMEOUT" "$stress_test" --gtest_filter='Shapes/*' \
      >"$work/logs/control.$i.log" 2>&1 9>&- &
    pids+=("$!")
  done
  for i in "${pids[@]}"; do
    wait "$i" || true  # Tests fail here: that is the point.
  done
  check "$runner" --expect-clashes
}
say "control: 6 processes over $control_range, each with a lock directory of its own (no shared claim)"
run_control

# --- Runner: network namespaces ---------------------------------------------------
# Claims are scoped like ports: in three network namespaces (two made here
# and the host's) three holders all get the one port of a one-port range at
# the same time, while a second holder inside one namespace is refused.
run_netns() {
  local runner=netns records=$work/netns.records ns i
  local one="$netns_port-$netns_port"
  local host_wide=0
  grep -q '^GTEST_PORT_BACKEND:STRING=posix$' "$build_dir/CMakeCache.txt" 2>/dev/null &&
    host_wide=1
  : >"$records"
  for i in a b; do
    ns=gtest_port_stress_$$_$i
    if ! ip netns add "$ns" 2>"$work/logs/netns.err"; then
      skip "$runner" "ip netns add is not permitted here ($(head -n1 "$work/logs/netns.err"))"
      return
    fi
    namespaces+=("$ns")
    ip netns exec "$ns" ip link set lo up
  done
  local where=() pids=() outs=() fifos=() fds=() fd
  for i in 0 1 2; do
    local out=$work/logs/netns.holder$i.out fifo=$work/netns.holder$i.in
    rm -f "$fifo"
    mkfifo "$fifo"
    if ((i < 2)); then
      where=(ip netns exec "${namespaces[$i]}")
    else
      where=()
    fi
    GTEST_PORT_RANGE=$one GTEST_PORT_STRESS_RECORDS=$records \
      timeout "$TIMEOUT" "${where[@]}" "$holder" --label="netns$i/holder" \
      <"$fifo" >"$out" 2>&1 9>&- &
    pids+=("$!")
    outs+=("$out")
    fifos+=("$fifo")
  done
  # Each holder holds until its stdin (a fifo) closes. The write ends are
  # opened only now, after every holder started, so that no holder inherits
  # another's and each sees end of file when we close its own.
  for i in 0 1 2; do
    exec {fd}>"${fifos[$i]}"
    fds+=("$fd")
  done
  local ok=1 holding=0 refused_holders=0
  for i in 0 1 2; do
    if ((host_wide)); then
      # A holder either holds the port (READY) or is refused at once.
      wait_until 20 grep -q '^READY$\|^ERROR' "${outs[$i]}" || ok=0
      grep -q "^PORT $netns_port " "${outs[$i]}" && ((++holding))
      grep -q '^ERROR RESOURCE_EXHAUSTED' "${outs[$i]}" && ((++refused_holders))
    elif ! wait_until 20 grep -q '^READY$' "${outs[$i]}" ||
      ! grep -q "^PORT $netns_port " "${outs[$i]}"; then
      ok=0
    fi
  done
  if ((host_wide)) && ((holding != 1 || refused_holders != 2)); then
    ok=0
  fi
  # While all three hold it: a second holder in the first namespace.
  local refused=$work/logs/netns.refused.out
  GTEST_PORT_RANGE=$one GTEST_PORT_STRESS_RECORDS=$records \
    timeout "$TIMEOUT" ip netns exec "${namespaces[0]}" "$holder" \
    --label=netns0/second </dev/null >"$refused" 2>&1 9>&- || true
  grep -q '^ERROR RESOURCE_EXHAUSTED' "$refused" || ok=0
  for fd in "${fds[@]}"; do
    exec {fd}>&-
  done
  for i in 0 1 2; do
    if ((host_wide)); then
      wait "${pids[$i]}" || true  # The refused ones exit 3.
    else
      wait "${pids[$i]}" || ok=0
    fi
  done
  if ((ok == 0)) && ((host_wide)); then
    fail "$runner" "lock-file claims are host-wide: exactly one of the three holders should get port $netns_port ($holding did, $refused_holders were refused) and a second holder should be refused" \
      "${outs[@]}" "$refused"
  elif ((ok == 0)); then
    fail "$runner" "each namespace's holder should get port $netns_port and a second holder in one namespace should be refused" \
      "${outs[@]}" "$refused"
  fi
  if ((host_wide)); then
    check "$runner"
  else
    check "$runner" --expect-shared-across-namespaces
  fi
}
say "netns: one-port range $netns_port held at once in 2 network namespaces and the host"
run_netns

# --- Loopback addresses: many processes, one fixed port ------------------------------
say "addresses: $((24 * 3)) holders reserving loopback addresses and binding one fixed port"
address_log=$work/logs/address-stress.log
address_ok=1
"$here/run_address_stress.sh" "$build_dir" >"$address_log" 2>&1 || address_ok=0
while IFS= read -r line; do
  summaries+=("$line")
  echo "$line"
done < <(grep '^stress: addresses' "$address_log")
((address_ok)) || fail addresses "see $address_log" "$address_log"

# --- The foreign daemons must have stayed up throughout --------------------------------
if [[ -x /usr/bin/redis-server ]] && ! redis_ping "$redis_port"; then
  fail foreign-daemons "redis-server on $redis_port stopped answering during the run" \
    "$work/logs/redis-server.log"
fi
http_get "$http_port" ||
  fail foreign-daemons "http.server on $http_port stopped answering during the run" \
    "$work/logs/http.server.log"

# --- Summary --------------------------------------------------------------------------
echo
say "summary ($((SECONDS - start_s)) s; records and logs in $work)"
for line in "${summaries[@]}"; do
  echo "  $line"
done
if ((${#failed_runners[@]})); then
  say "FAILED: $(printf '%s\n' "${failed_runners[@]}" | sort -u | tr '\n' ' ')"
  exit 1
fi
say "PASSED: no clash, no bind failure and no foreign port handed out in any runner (the control's clashes show the check would see them)"
