#!/usr/bin/env bash
# Runs gtest_port's whole test suite on Debian 12, installing what is missing:
#   1. CMake build, then every test as its own process, many at once
#      (ctest -j, gtest_discover_tests), as users' CI does;
#   2. Bazel (Debian's 4.2.3, offline): every target, all shards at once,
#      and a bad configuration failing a sharded target;
#   3. the stress suite: real servers under every runner, 0 clashes allowed.
# Usage: scripts/test.sh [--no-bazel]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
run_bazel=1
for arg in "$@"; do
  case "$arg" in
    --no-bazel) run_bazel=0 ;;
    *) echo "usage: scripts/test.sh [--no-bazel]" >&2; exit 2 ;;
  esac
done

"$root/scripts/build.sh"
jobs=$(($(nproc) * 4))
echo "== test: CMake, ctest -j$jobs (one process per test)"
ctest --test-dir "$build_dir" -j"$jobs" --output-on-failure --timeout 300

if ((run_bazel)); then
  echo "== test: Bazel, every target, all shards at once"
  "$root/bazel/setup_offline.sh"
  (cd "$root" && bazel test --config=offline --jobs=8 --local_test_jobs=8 //...)

  echo "== test: Bazel, a bad configuration fails a sharded target"
  target=//samples:sample1_echo_unittest
  if (cd "$root" && bazel test --config=offline --nocache_test_results \
        --test_env=GTEST_PORT_RANGE=30000-20000 "$target"); then
    echo "FAIL: $target passed with GTEST_PORT_RANGE=30000-20000" >&2
    exit 1
  fi
  if ! grep -rq "gtest_port: invalid configuration" \
        "$root/bazel-testlogs/samples/sample1_echo_unittest"; then
    echo "FAIL: $target failed, but not for its bad GTEST_PORT_RANGE" >&2
    exit 1
  fi
fi

echo "== test: stress suite (the proof of isolation), with its summary"
stress_args=()
((run_bazel)) && stress_args+=(--bazel)
"$root/tests/stress/run_stress.sh" "$build_dir" "${stress_args[@]}"
