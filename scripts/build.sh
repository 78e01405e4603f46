#!/usr/bin/env bash
# Configures and builds gtest_port (library, tests, samples) with CMake and
# Ninja into ${BUILD_DIR:-build}. Used by demo.sh and test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
cmake -S "$root" -B "$build_dir" -G Ninja -DGTEST_PORT_TESTS=ON \
  -DGTEST_PORT_SAMPLES=ON "$@" >/dev/null
cmake --build "$build_dir"
