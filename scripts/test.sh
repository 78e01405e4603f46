#!/usr/bin/env bash
# Runs gtest_port's whole test suite: builds with CMake and runs every test
# as its own process, many at once (ctest -j), as users' CI does.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
jobs=$(($(nproc) * 4))
echo "test: ctest -j$jobs (one process per test)"
ctest --test-dir "$build_dir" -j"$jobs" --output-on-failure --timeout 300
