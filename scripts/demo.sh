#!/usr/bin/env bash
# demo.sh -- the quick start: install the build dependencies, build
# gtest_port, then run every sample binary as ONE parallel, sharded run (each
# binary split into 3 GoogleTest shards, all processes at once) and show which
# process and test got which port.
#
#   scripts/demo.sh                  # builds into ./build
#   BUILD_DIR=/tmp/gp scripts/demo.sh
#
# Logs: $BUILD_DIR/demo-logs/<binary>.shard<i>.{out,err}. Exits non-zero if
# the build or any test process fails.

set -euo pipefail

readonly SHARDS=3

repo_root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
mkdir -p "$build_dir"
build_dir=$(cd "$build_dir" && pwd)
log_dir=$build_dir/demo-logs

if [[ -t 1 && -z ${NO_COLOR:-} ]]; then
  bold=$'\e[1m' red=$'\e[31m' green=$'\e[32m' reset=$'\e[0m'
else
  bold='' red='' green='' reset=''
fi

step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }
die() { printf '%sdemo: %s%s\n' "$red" "$*" "$reset" >&2; exit 1; }

# --- 1. Dependencies ---------------------------------------------------------
step "Installing build dependencies (scripts/setup.sh)"
"$(dirname "$0")/setup.sh"

# --- 2. Build ----------------------------------------------------------------
step "Configuring and building into $build_dir"
generator=()
# A build directory configured earlier keeps its generator; asking CMake for
# another one would be an error.
[[ -f $build_dir/CMakeCache.txt ]] || generator=(-G Ninja)
cmake -S "$repo_root" -B "$build_dir" "${generator[@]}" -DGTEST_PORT_SAMPLES=ON
cmake --build "$build_dir"

binaries=()
for candidate in "$build_dir"/samples/sample*_unittest; do
  [[ -f $candidate && -x $candidate ]] && binaries+=("$candidate")
done
((${#binaries[@]} > 0)) || die "no sample binaries in $build_dir/samples"

# --- 3. The parallel, sharded run -------------------------------------------
step "Running ${#binaries[@]} sample binaries x $SHARDS shards, all at once"
rm -rf "$log_dir"
mkdir -p "$log_dir"

pids=() labels=() outs=() errs=()
start_ns=$(date +%s%N)
for binary in "${binaries[@]}"; do
  name=$(basename "$binary")
  for ((shard = 0; shard < SHARDS; shard++)); do
    out=$log_dir/$name.shard$shard.out
    err=$log_dir/$name.shard$shard.err
    # A simple command run in the background is exec'd by the forked shell,
    # so $! is the test binary's own pid -- the one its log lines print.
    GTEST_TOTAL_SHARDS=$SHARDS GTEST_SHARD_INDEX=$shard GTEST_PORT_VERBOSE=1 \
      GTEST_COLOR=no "$binary" >"$out" 2>"$err" &
    pids+=("$!") labels+=("$name shard $shard/$SHARDS") outs+=("$out")
    errs+=("$err")
  done
done

failed=()
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then
    status=0
  else
    status=$?
  fi
  if ((status == 0)); then
    printf '  %sok%s    %-44s pid %s\n' "$green" "$reset" "${labels[$i]}" \
      "${pids[$i]}"
  else
    printf '  %sFAIL%s  %-44s pid %s, exit status %s\n' "$red" "$reset" \
      "${labels[$i]}" "${pids[$i]}" "$status"
    failed+=("$i")
  fi
done
elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))

for i in "${failed[@]}"; do
  printf '\n%s--- %s (pid %s): %s%s\n' "$bold" "${labels[$i]}" "${pids[$i]}" \
    "${outs[$i]}" "$reset"
  # Each failure with the few lines that say why, then anything unusual the
  # process wrote to stderr (a crash, a sanitizer report).
  grep -E -A4 ': Failure$' "${outs[$i]}" | head -n 40 || true
  grep -E '^\[  FAILED  \] [^0-9].*[^)]$' "${outs[$i]}" || true
  grep -v '^\[gtest_port\] pid ' "${errs[$i]}" | tail -n 5 || true
done

# --- 4. Which process owns which slice --------------------------------------
# PortEnvironment prints one line per process, on stdout:
#   [gtest_port] shard 1 of 3 owns ports 24256-28511 of 20000-32767 (...);
#   claims by ...; probes ...
step "Port range slices (one line per process)"
mechanism=''
for i in "${!pids[@]}"; do
  line=$(grep -m1 -E '^\[gtest_port\] shard [0-9]+ of [0-9]+ owns ' \
    "${outs[$i]}" || true)
  if [[ -z $line ]]; then
    printf '  %-44s pid %-7s (no slice line)\n' "${labels[$i]}" "${pids[$i]}"
    continue
  fi
  line=${line#\[gtest_port\] }
  # The claim and probe mechanisms are the same for every process: say once.
  if [[ $line == *'; '* ]]; then
    [[ -n $mechanism ]] || mechanism=${line#*; }
    line=${line%%; *}
  fi
  printf '  %-44s pid %-7s %s\n' "${labels[$i]}" "${pids[$i]}" "$line"
done
[[ -z $mechanism ]] || printf '  (every process %s)\n' "$mechanism"
cat "${outs[@]}" "${errs[@]}" | grep -E '^\[gtest_port\] warning: ' |
  sort -u | sed 's/^/  /' || true

# --- 5. Which test got which port --------------------------------------------
# With GTEST_PORT_VERBOSE=1 every reservation prints, on stderr:
#   [gtest_port] pid 1234 shard 1/3 EchoTest.Roundtrip reserved port 23195
#   [gtest_port] pid 1234 shard 1/3 ClusterTest.X reserved ports 23195-23197
# Normalized to: pid TAB shard TAB total TAB test TAB first TAB last.
reservations=$log_dir/reservations.tsv
cat "${errs[@]}" "${outs[@]}" | sed -nE \
  's/^\[gtest_port\] pid ([0-9]+) shard ([0-9]+)\/([0-9]+) (.+) reserved ports? ([0-9]+)(-([0-9]+))?$/\1\t\2\t\3\t\4\t\5\t\7/p' \
  >"$reservations"

step "Reservations, one row per test, sorted by port"
# One row per (pid, test): a test may reserve several ports or blocks.
awk -F'\t' '
  {
    key = $1 SUBSEP $4
    last = ($6 == "") ? $5 : $6
    if (!(key in shard)) {
      shard[key] = $2 "/" $3; pid[key] = $1; test[key] = $4; low[key] = $5
    }
    text = ($5 == last) ? $5 : $5 "-" last
    # (Test membership before touching ports[key]: awk creates an element
    # the moment it is referenced.)
    if (key in ports) ports[key] = ports[key] ", " text; else ports[key] = text
    if ($5 + 0 < low[key] + 0) low[key] = $5
  }
  END {
    for (key in shard) {
      printf "%d\t%s\t%s\t%s\t%s\n", low[key], shard[key], pid[key], test[key],
             ports[key]
    }
  }' "$reservations" | sort -t$'\t' -k1,1n -k3,3n | awk -F'\t' '
  { row[NR] = $0; if (length($4) > width) width = length($4) }
  END {
    if (width < 4) width = 4
    format = "  %-6s %-8s %-" width "s  %s\n"
    printf format, "shard", "pid", "test", "port(s)"
    for (i = 1; i <= NR; i++) {
      split(row[i], f, "\t")
      printf format, f[2], f[3], f[4], f[5]
    }
  }'

# Loopback addresses (sample 7: servers on one fixed port, each on its own
# address): "[gtest_port] pid 1234 shard 1/3 Suite.Test reserved addresses
# 127.1.0.7, 127.1.0.8".
addresses=$log_dir/addresses.txt
cat "${errs[@]}" "${outs[@]}" | sed -nE \
  's/^\[gtest_port\] pid ([0-9]+) shard ([0-9]+\/[0-9]+) (.+) reserved address(es)? (.+)$/\2\t\1\t\3\t\5/p' |
  sort >"$addresses"
if [[ -s $addresses ]]; then
  step "Loopback addresses, one row per reservation (servers on one fixed port)"
  awk -F'\t' '{ printf "  %-6s %-8s %-50s %s\n", $1, $2, $3, $4 }' "$addresses"
  printf '  %d addresses reserved, %d distinct\n' \
    "$(tr -s ', \t' '\n' <"$addresses" | grep -cE '^127\.')" \
    "$(cut -f4 "$addresses" | tr -s ', ' '\n' | grep -E '^127\.' | sort -u | wc -l)"
fi

# --- 6. Summary ----------------------------------------------------------------
tests=$(cat "${outs[@]}" | sed -nE \
  's/^\[==========\] ([0-9]+) tests? from .* ran\..*/\1/p' |
  awk '{ n += $1 } END { print n + 0 }')
# Every port of every reservation, with the test and process that held it.
read -r reserved distinct reused same_process across < <(awk -F'\t' '
  {
    last = ($6 == "") ? $5 : $6
    for (p = $5 + 0; p <= last + 0; p++) {
      reserved++
      key = $1 SUBSEP $4
      if (!(p in holder)) { holder[p] = key; pid[p] = $1; distinct++; continue }
      if (holder[p] == key || (p SUBSEP key) in seen) continue
      seen[p SUBSEP key] = 1
      if (!(p in counted)) {
        counted[p] = 1; reused++
        if (pid[p] == $1) same++; else across++
      }
    }
  }
  END { print reserved + 0, distinct + 0, reused + 0, same + 0, across + 0 }
' "$reservations")
# Skips counted by each process (PortEnvironment::TearDown, verbose only):
# candidates another gtest_port process held show the machine-wide claim at
# work.
read -r skipped_claimed skipped_in_use < <(cat "${outs[@]}" | sed -nE \
  's/^\[gtest_port\] [0-9]+ reservations, [0-9]+ candidates skipped \(([0-9]+) held by other gtest_port users, ([0-9]+) in use by other sockets\).*/\1 \2/p' |
  awk '{ c += $1; u += $2 } END { print c + 0, u + 0 }')

processes=${#pids[@]}
echo
printf '%sdemo: %d binaries x %d shards = %d processes, %d tests, %d ports reserved (%d distinct), %d ports reused by a second test after release%s\n' \
  "$bold" "${#binaries[@]}" "$SHARDS" "$processes" "$tests" "$reserved" \
  "$distinct" "$reused" "$reset"
printf 'demo: %d.%03d s wall time; %d candidates skipped because another gtest_port process held them, %d because another socket used them\n' \
  $((elapsed_ms / 1000)) $((elapsed_ms % 1000)) "$skipped_claimed" \
  "$skipped_in_use"
if ((reused > 0)); then
  # Within one process tests run one after another, so a port seen in two of
  # its tests was released in between. Across processes the logs carry no
  # timestamps: the demo cannot show the two holds did not overlap (the
  # library's claim forbids it; the stress tests check it, not this demo).
  printf 'demo: of the reused ports, %d were reused within one process (sequential tests), %d across processes (not timed here)\n' \
    "$same_process" "$across"
fi
printf 'demo: logs in %s\n' "$log_dir"

((reserved > 0)) ||
  die "no '[gtest_port] pid ... reserved port' lines found in $log_dir"
if ((${#failed[@]} > 0)); then
  die "FAILED: ${#failed[@]} of $processes test processes failed (see above)"
fi
printf '%sdemo: all %d processes passed%s\n' "$green" "$processes" "$reset"
