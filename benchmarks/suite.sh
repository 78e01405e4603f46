#!/usr/bin/env bash
# suite.sh: how much faster a real server-test suite runs with gtest_port,
# and how often it fails without it -- in one run.
#
#   benchmarks/suite.sh                        # 5 repetitions of every mode
#   benchmarks/suite.sh --repetitions=3 --jobs=4,8,16 --bazel
#   BUILD_DIR=/tmp/x benchmarks/suite.sh --no-docs
#
# Builds the suite (benchmarks/suite/) with CMake into BUILD_DIR (default
# /tmp/gtest_port-suite), then runs it serially with fixed ports, in
# parallel with fixed ports and with per-shard counter ports (ctest -j8),
# and with gtest_port under ctest -j4/-j8/-j16 and as 4 shards x 2 copies
# (--bazel adds a sharded `bazel test`; run bazel/setup_offline.sh first).
# Prints a table; writes the "suite" section of docs/benchmarks.md and
# docs/suite-benchmark.png (unless --no-docs). The last line printed is the
# summary:
#
#   speedup_j4=.. speedup_j8=.. speedup_j16=.. ideal_ratio_j4=.. ... fails_gtest_port=N fails_fixed_parallel=N fails_counter_parallel=N overhead_share=F
#
# Installs what is missing from Debian's packages (scripts/setup.sh).
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-/tmp/gtest_port-suite}"
DOCS_DIR="$SRC_DIR/docs"
REPETITIONS=5
JOBS=4,8,16
BAZEL=0
DOCS=1

log() { echo "suite.sh: $*" >&2; }
die() { log "$*"; exit 2; }

for arg in "$@"; do
  case "$arg" in
    --repetitions=*) REPETITIONS="${arg#*=}" ;;
    --jobs=*) JOBS="${arg#*=}" ;;
    --bazel) BAZEL=1 ;;
    --no-docs) DOCS=0 ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    *) die "unknown argument '$(printf '%q' "$arg")'; accepted: --repetitions=N --jobs=LIST --bazel --no-docs" ;;
  esac
done
[[ "$REPETITIONS" =~ ^[1-9][0-9]*$ ]] ||
  die "--repetitions=$(printf '%q' "$REPETITIONS"): expected a whole number >= 1"
[[ "$JOBS" =~ ^[0-9]+(,[0-9]+)*$ ]] ||
  die "--jobs=$(printf '%q' "$JOBS"): expected numbers separated by commas, e.g. 4,8,16"

"$SRC_DIR/scripts/setup.sh"
if ((DOCS)); then
  command -v gnuplot >/dev/null || die "gnuplot is missing (Debian: gnuplot-nox)"
fi

START=$(date +%s)
log "building the suite in $BUILD_DIR"
nice -n 10 cmake -S "$SRC_DIR" -B "$BUILD_DIR" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGTEST_PORT_TESTS=ON \
  -DGTEST_PORT_BENCHMARKS=ON -DGTEST_PORT_SAMPLES=ON \
  -DGTEST_PORT_INSTALL=OFF >&2
nice -n 10 cmake --build "$BUILD_DIR" --target suite_test warmup_server -- -j2 >&2
[[ -x "$BUILD_DIR/benchmarks/suite/suite_test" ]] ||
  die "$BUILD_DIR/benchmarks/suite/suite_test was not built"
# Let ctest discover the tests (gtest_discover_tests runs at build time).
ctest --test-dir "$BUILD_DIR" -L '^suite$' -N | grep -q "Total Tests: [1-9]" ||
  die "ctest finds no tests labelled 'suite' in $BUILD_DIR"

if ((BAZEL)); then
  command -v bazel >/dev/null || die "--bazel: bazel is missing (Debian: bazel-bootstrap)"
  [[ -f "$SRC_DIR/.bazelrc.offline" ]] || "$SRC_DIR/bazel/setup_offline.sh" >&2
  log "building the Bazel target"
  (cd "$SRC_DIR" && bazel build --config=offline //benchmarks/suite:suite_test >&2)
fi

driver=(python3 "$SRC_DIR/benchmarks/suite/run_suite.py"
  --build-dir="$BUILD_DIR" --repetitions="$REPETITIONS" --jobs="$JOBS")
((BAZEL)) && driver+=(--bazel)
SECTION="$BUILD_DIR/suite-section.md"
CHART_DATA="$BUILD_DIR/suite-chart.dat"
((DOCS)) && driver+=(--markdown="$SECTION" --chart-data="$CHART_DATA")
OUTPUT="$BUILD_DIR/suite-output.txt"
(cd "$SRC_DIR" && "${driver[@]}") | tee "$OUTPUT"
SUMMARY="$(tail -n 1 "$OUTPUT")"

if ((DOCS)); then
  # Replace the suite section of docs/benchmarks.md (or append it).
  python3 - "$DOCS_DIR/benchmarks.md" "$SECTION" <<'EOF'
import re, sys
doc_path, section_path = sys.argv[1], sys.argv[2]
doc = open(doc_path).read()
section = open(section_path).read()
pattern = re.compile(r"<!-- suite.sh: begin.*?<!-- suite.sh: end -->\n", re.S)
if pattern.search(doc):
    doc = pattern.sub(lambda _: section, doc)
else:
    doc = doc.rstrip("\n") + "\n\n" + section
open(doc_path, "w").write(doc)
EOF
  gnuplot >&2 <<EOF
set terminal pngcairo size 1100,600 font "DejaVu Sans,10"
set output "$DOCS_DIR/suite-benchmark.png"
set termoption noenhanced
set title "gtest_port suite benchmark: wall time of the same $(ctest --test-dir "$BUILD_DIR" -L '^suite$' -N | sed -n 's/Total Tests: //p') server tests per mode (median), lower is better\nlabel: failed tests over all runs; $(nproc) CPUs, $(date -u +%Y-%m-%d)"
set style fill solid 0.85 border -1
set boxwidth 0.7
set ylabel "wall seconds"
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0
set grid ytics
set xtics rotate by -30 left nomirror
set key off
set bmargin 8
set datafile separator "\t"
colour(g) = g == 0 ? 0x2e7d32 : 0x9e9e9e
set label 1 "green: gtest_port   grey: fixed ports / counter" at graph 0.5, graph 0.95 center
plot "$CHART_DATA" using 0:2:(0.7):(colour(\$3)):xtic(1) with boxes lc rgb variable, \
     "" using 0:2:(sprintf("%.1f s, %d failed", \$2, \$4)) with labels offset 0,0.8 font ",8"
EOF
  log "wrote the suite section of $DOCS_DIR/benchmarks.md and $DOCS_DIR/suite-benchmark.png"
fi
log "took $(($(date +%s) - START)) s"
echo "$SUMMARY"
