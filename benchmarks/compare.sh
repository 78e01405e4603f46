#!/usr/bin/env bash
# compare.sh: measure gtest_port against the syscall floor and its peers, in
# one run, and write docs/benchmarks.md and docs/benchmarks.png.
#
#   benchmarks/compare.sh                 # build dir /tmp/gtest_port-bench
#   BUILD_DIR=/tmp/x REPETITIONS=9 benchmarks/compare.sh
#
# Builds reserve_benchmark in Release, runs it (REPETITIONS repetitions per
# benchmark, default 5, in random order), runs portpicker_baseline.py in
# PY_RUNS fresh interpreters (default 3) of PICKS picks each (default 500),
# then writes the report and the chart. Installs what is missing from
# Debian's packages with apt-get (run as root or with sudo). The last line
# printed is the summary:
#
#   ratio_to_floor=R1 ratio_to_portpicker=R2 held1000_vs_held10=R3 setup_us=S p99_over_p50_contended=R4
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-/tmp/gtest_port-bench}"
REPETITIONS="${REPETITIONS:-5}"
PY_RUNS="${PY_RUNS:-3}"
PICKS="${PICKS:-500}"
PYTHON=/usr/bin/python3   # Debian's, which has python3-portpicker.
DOCS_DIR="$SRC_DIR/docs"

log() { echo "compare.sh: $*" >&2; }
die() { log "$*"; exit 1; }

for var in REPETITIONS PY_RUNS PICKS; do
  [[ "${!var}" =~ ^[1-9][0-9]*$ ]] ||
    die "$var=${!var}: expected a whole number >= 1"
done

# --- Tools ----------------------------------------------------------------
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v ninja >/dev/null || need+=(ninja-build)
command -v g++ >/dev/null || need+=(g++)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
[[ -x "$PYTHON" ]] || need+=(python3)
[[ -x /usr/bin/portserver ]] || need+=(python3-portpicker)
for pkg in libbenchmark-dev libgtest-dev libgmock-dev libabsl-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" ||
    need+=("$pkg")
done
if ((${#need[@]})); then
  log "installing ${need[*]}"
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    --no-install-recommends "${need[@]}" >&2
fi

# --- Build ----------------------------------------------------------------
log "building in $BUILD_DIR (Release)"
cmake -S "$SRC_DIR" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DGTEST_PORT_BENCHMARKS=ON -DGTEST_PORT_TESTS=OFF \
  -DGTEST_PORT_SAMPLES=OFF -DGTEST_PORT_INSTALL=OFF >&2
cmake --build "$BUILD_DIR" --target reserve_benchmark -- -j"$(nproc)" >&2
BENCH="$BUILD_DIR/benchmarks/reserve_benchmark"
[[ -x "$BENCH" ]] || die "$BENCH was not built (is libbenchmark-dev found?)"

# --- Run ------------------------------------------------------------------
# The defaults, whatever this shell has set: no port server, default range,
# one shard, abstract-socket claims, quiet.
unset PORTSERVER_ADDRESS GTEST_PORT_RANGE GTEST_PORT_LOCK_DIR \
  GTEST_PORT_VERBOSE GTEST_SHARD_INDEX GTEST_TOTAL_SHARDS \
  TEST_SHARD_INDEX TEST_TOTAL_SHARDS

BENCH_JSON="$BUILD_DIR/reserve_benchmark.json"
PY_JSON="$BUILD_DIR/portpicker_baseline.jsonl"
CHART_DATA="$BUILD_DIR/benchmarks.dat"

LOAD_BEFORE="$(cat /proc/loadavg)"
log "load average before: $LOAD_BEFORE"
log "running reserve_benchmark ($REPETITIONS repetitions, interleaved)"
"$BENCH" --benchmark_repetitions="$REPETITIONS" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_display_aggregates_only=true \
  --benchmark_out="$BENCH_JSON" --benchmark_out_format=json >&2

log "running portpicker_baseline.py ($PY_RUNS interpreters x $PICKS picks)"
: >"$PY_JSON"
for ((i = 0; i < PY_RUNS; ++i)); do
  "$PYTHON" "$SRC_DIR/benchmarks/portpicker_baseline.py" --picks="$PICKS" \
    >>"$PY_JSON"
done

LOAD_AFTER="$(cat /proc/loadavg)"
log "load average after: $LOAD_AFTER"

# --- Report ---------------------------------------------------------------
mkdir -p "$DOCS_DIR"
SUMMARY="$("$PYTHON" "$SRC_DIR/benchmarks/make_report.py" \
  --benchmarks="$BENCH_JSON" --portpicker="$PY_JSON" \
  --markdown="$DOCS_DIR/benchmarks.md" --chart-data="$CHART_DATA" \
  --chart=benchmarks.png --load-before="$LOAD_BEFORE" \
  --load-after="$LOAD_AFTER" | tail -n 1)"

gnuplot >&2 <<EOF
set terminal pngcairo size 1200,700 font "DejaVu Sans,10"
set output "$DOCS_DIR/benchmarks.png"
set termoption noenhanced
set title "gtest_port: microseconds per call, log scale, lower is better\nCPU time of the calling thread; wall time for contended p50/p99 and the portserver round trip\n$(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%d)"
set style fill solid 0.85 border -1
set boxwidth 0.8
set logscale y
set format y "%g"
set ylabel "µs per call"
set yrange [0.001:*]
set grid ytics
set xtics rotate by -40 left nomirror
set key off
set bmargin 12
set rmargin 12
set datafile separator "\t"
colour(g) = g == 0 ? 0x2e7d32 : (g == 1 ? 0x616161 : 0x1565c0)
set label 1 "green: gtest_port   grey: syscall floor   blue: peers" at graph 0.01, graph 0.96
plot "$CHART_DATA" using 0:2:(0.8):(colour(\$3)):xtic(1) with boxes lc rgb variable, \
     "" using 0:2:(sprintf("%.3g", \$2)) with labels offset 0,0.7 font ",8"
EOF

log "wrote $DOCS_DIR/benchmarks.md and $DOCS_DIR/benchmarks.png"
echo "$SUMMARY"
