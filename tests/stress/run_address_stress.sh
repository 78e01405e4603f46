#!/usr/bin/env bash
# run_address_stress.sh -- the proof of isolation for loopback addresses
# (gtest_port::ReserveAddress()). Many processes at once each reserve
# addresses from ONE small pool and bind the SAME fixed port on every one of
# them, TCP and UDP, without SO_REUSEADDR (tests/testing/port_holder
# --addresses=N --fixed-port=P --bind), hold them a random moment, and
# release. Each holder prints when it held and when it released; the check
# then fails the run on
#   * a clash: two holds of one address that overlapped in time, or
#   * a bind failure: a holder that could not bind the fixed port on an
#     address it was handed (exit 4),
# and on any holder that failed other than with a clear RESOURCE_EXHAUSTED.
# A control run defeats the claim on purpose (every process its own
# GTEST_PORT_LOCK_DIR) and binds nothing, so that only the claim could keep
# the holders apart: it MUST show clashes, proving the check sees them.
#
# Usage: tests/stress/run_address_stress.sh BUILD_DIR
#        tests/stress/run_address_stress.sh --holder=PATH   (ctest, Bazel)
# Prints one summary line per runner ("stress: addresses: ... 0 clashes ...")
# and exits non-zero when the main runner saw a clash or the control none.

set -euo pipefail

(($# == 1)) || { echo "usage: $0 BUILD_DIR | --holder=PATH" >&2; exit 2; }
if [[ $1 == --holder=* ]]; then
  holder=$(realpath "${1#--holder=}")
  work=${TEST_TMPDIR:-${TMPDIR:-/tmp}}/gtest_port-address-stress.$$
else
  build_dir=$(cd "$1" && pwd)
  holder=$build_dir/tests/port_holder
  work=$build_dir/address-stress-run
fi
[[ -x $holder ]] || { echo "stress: $holder not built (target port_holder)" >&2; exit 2; }
readonly PROCESSES=${GTEST_PORT_ADDRESS_STRESS_PROCESSES:-24}
readonly ROUNDS=${GTEST_PORT_ADDRESS_STRESS_ROUNDS:-3}
readonly PER_HOLDER=2
# 2 x 24 = 48 addresses wanted at once from a pool of 40: some holders must
# wait their turn or be refused, so addresses are contended and reused.
readonly POOL=127.3.0.1-127.3.0.40
readonly PORT=${GTEST_PORT_ADDRESS_STRESS_PORT:-6391}
export PORT

unset PORTSERVER_ADDRESS GTEST_PORT_LOCK_DIR GTEST_PORT_ADDRESS_RANGE \
  GTEST_SHARD_INDEX GTEST_TOTAL_SHARDS GTEST_PORT_VERBOSE
rm -rf "$work"
mkdir -p "$work"

# run RUNNER [control]: ROUNDS rounds of PROCESSES holders at once.
run() {
  local runner=$1 control=${2:-}
  local dir=$work/$runner
  mkdir -p "$dir"
  for ((round = 0; round < ROUNDS; round++)); do
    local pids=()
    for ((i = 0; i < PROCESSES; i++)); do
      local env=(GTEST_PORT_ADDRESS_RANGE=$POOL) bind=(--bind)
      if [[ -n $control ]]; then
        mkdir -p "$dir/lock.$round.$i"
        env+=(GTEST_PORT_LOCK_DIR=$dir/lock.$round.$i)
        bind=()
      fi
      # Holds until its stdin (the sleep) ends: 50-300 ms.
      (sleep "0.$((RANDOM % 250 + 50))" | env "${env[@]}" "$holder" \
         --addresses=$PER_HOLDER --fixed-port=$PORT "${bind[@]}" \
         >"$dir/holder.$round.$i.out" 2>&1
       echo $? >"$dir/holder.$round.$i.rc") &
      pids+=("$!")
    done
    wait "${pids[@]}" || true
  done
  /usr/bin/python3 - "$runner" "$dir" "$control" <<'PY'
import glob, os, sys
runner, directory, control = sys.argv[1], sys.argv[2], sys.argv[3]
holds, bind_failures, exhausted, other_failures = [], 0, 0, []
for out in sorted(glob.glob(os.path.join(directory, "holder.*.out"))):
    rc = int(open(out[:-4] + ".rc").read().strip() or -1)
    lines = open(out).read().splitlines()
    if rc == 4:
        bind_failures += 1
        continue
    if rc == 3 and any("RESOURCE_EXHAUSTED" in l for l in lines):
        exhausted += 1
        continue
    if rc != 0:
        other_failures.append("%s: exit %d: %s" % (out, rc, " | ".join(lines[-3:])))
        continue
    addresses = [l.split()[1] for l in lines if l.startswith("ADDRESS ")]
    held = [int(l.split()[1]) for l in lines if l.startswith("HELD ")]
    released = [int(l.split()[1]) for l in lines if l.startswith("RELEASED ")]
    if len(held) != 1 or len(released) != 1 or len(addresses) != 2:
        other_failures.append("%s: incomplete output" % out)
        continue
    for a in addresses:
        holds.append((a, held[0], released[0], out))
by_address = {}
for a, start, end, who in holds:
    by_address.setdefault(a, []).append((start, end, who))
clashes = 0
for a, spans in by_address.items():
    spans.sort()
    for (s1, e1, w1), (s2, e2, w2) in zip(spans, spans[1:]):
        if s2 < e1:
            clashes += 1
            if not control:
                print("stress: %s: clash on %s: %s and %s" % (runner, a, w1, w2),
                      file=sys.stderr)
bad = [a for a in by_address if a == "127.0.0.1" or not a.startswith("127.3.0.")]
reused = sum(1 for spans in by_address.values() if len(spans) > 1)
print("stress: %s: %d holders, %d address holds on %d addresses (%d held by "
      "several holders in turn), %s, %d clashes, %d bind "
      "failures, %d refused with RESOURCE_EXHAUSTED, %d other failures%s" % (
          runner, len(glob.glob(os.path.join(directory, "holder.*.out"))),
          len(holds), len(by_address), reused,
          "nothing bound" if control else
          "port %s bound on each" % os.environ.get("PORT", "6391"),
          clashes, bind_failures, exhausted, len(other_failures),
          " (expected here: the check sees clashes)" if control else ""))
for f in other_failures[:5]:
    print("  " + f, file=sys.stderr)
if control:
    sys.exit(0 if clashes + bind_failures > 0 else 1)
sys.exit(0 if clashes == 0 and bind_failures == 0 and not other_failures
         and not bad else 1)
PY
}

status=0
run addresses || status=1
run addresses-control control || status=1
exit $status
