#!/bin/bash
# A bad gtest_port configuration must fail a real `ctest` run of tests
# registered with gtest_discover_tests -- the most common CMake setup -- and
# never be counted as skipped or passed.
#
# Usage: ctest_bad_config_test.sh BUILD_DIR
# Runs ctest in BUILD_DIR on gtest_corner_cases_test's RepeatTest cases
# (linked with gtest_port_main) with GTEST_PORT_RANGE=30000-20000.
set -u
build_dir="$1"
out="$(mktemp)"
# The inner ctest runs from a directory of its own that includes the build's
# tests, so that its Testing/ logs do not overwrite those of the ctest run
# this test is part of.
inner="$(mktemp -d)"
trap 'rm -rf "$out" "$inner"' EXIT
printf 'subdirs("%s/tests")\n' "$build_dir" >"$inner/CTestTestfile.cmake"

GTEST_PORT_RANGE=30000-20000 ctest --test-dir "$inner" \
  -R '^RepeatTest\.' --output-on-failure >"$out" 2>&1
status=$?
cat "$out"
fail() { echo "FAILED: $*"; exit 1; }
[ "$status" -ne 0 ] || fail "ctest exited 0 with a bad GTEST_PORT_RANGE"
grep -q 'No tests were found' "$out" && fail "no RepeatTest.* test registered"
grep -q '0 tests failed' "$out" && fail "ctest counted no failure"
grep -q 'Skipped' "$out" && fail "ctest counted tests as skipped"
grep -q 'invalid configuration: GTEST_PORT_RANGE=30000-20000' "$out" ||
  fail "the failure does not name the bad setting"
echo "OK: ctest failed the run, naming the bad setting"
