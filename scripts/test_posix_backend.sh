#!/usr/bin/env bash
# Tests the portable POSIX back-end -- the macOS path -- on Linux: builds
# gtest_port with -DGTEST_PORT_BACKEND=posix into build-posix/ (claims by
# flock(2) on lock files in /var/tmp/gtest_port; no abstract sockets, no
# /proc, no memfd), runs the whole test suite on it (ctest -j8, without the
# packaging tests) and then the stress suite without Bazel, and ends with
# ctest's summary. Tests that cannot apply to this back-end skip with a
# reason (ctest lists them as "Not Run" / skipped).
# Usage: scripts/test_posix_backend.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build-posix}
jobs=${GTEST_PORT_BUILD_JOBS:-$(nproc)}

echo "== posix back-end: configure and build $build_dir"
cmake -S "$root" -B "$build_dir" -G Ninja -DGTEST_PORT_BACKEND=posix \
  -DGTEST_PORT_BENCHMARKS=OFF -DGTEST_PORT_FUZZERS=OFF
ninja -C "$build_dir" -j"$jobs"

echo "== posix back-end: stress suite (without Bazel)"
stress_status=0
"$root/tests/stress/run_stress.sh" "$build_dir" || stress_status=$?

echo "== posix back-end: ctest -j8 -E packaging"
ctest_status=0
ctest --test-dir "$build_dir" -j8 -E packaging --output-on-failure \
  --timeout 300 || ctest_status=$?
if ((stress_status != 0)); then
  echo "== posix back-end: the stress suite FAILED (exit $stress_status; see above)" >&2
  exit "$stress_status"
fi
exit "$ctest_status"
