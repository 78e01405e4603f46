#!/usr/bin/env bash
# hardening.sh -- gtest_port's hardening checks, as CI runs them:
#
#   1. asan  `cmake --workflow --preset asan`: configure, build and run the
#            whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#            (every report fatal).
#   2. tsan  `cmake --workflow --preset tsan`: the same under ThreadSanitizer.
#   3. fuzz  `cmake --workflow --preset fuzz`: build the libFuzzer targets
#            (fuzz/) and replay their seed corpora; then fuzz each target for
#            FUZZ_SECONDS, JOBS at a time, on a scratch copy of its corpus.
#   4. tidy  clang-tidy (.clang-tidy) on the library, gtest_port/, with the
#            asan build's compile_commands.json.
#
# The packaging and docs tests (ctest labels) are left out of the sanitizer
# runs: they build consumer projects and the docs' snippets from scratch and
# exercise the build, not memory or threads; scripts/test.sh runs them. The sanitizer presets do not
# build the benchmarks either (nor the suite benchmark's server tests, which
# scripts/test.sh runs): they time gtest_port, and only cost build time here.
#
# Limits. Debian's GoogleTest and Abseil are prebuilt without sanitizers:
# ASan/UBSan check every access gtest_port's code makes but none made inside
# those libraries; TSan does not see their memory accesses either (a race
# entirely inside them would go unseen). GoogleTest locks pthread mutexes,
# which TSan intercepts; absl::Mutex it could not see at all, which made every
# member guarded by one look racy -- so TSan builds link
# tests/testing/tsan_absl_mutex_annotations.cc, which reports each absl::Mutex
# lock and unlock to TSan (no suppressions are needed).
#
# Usage:
#   scripts/hardening.sh                 # everything, builds in build/<preset>
#   scripts/hardening.sh asan fuzz       # only these steps (tidy needs asan's
#                                        # compile_commands.json: run asan once)
#   HARDENING_DIR=/tmp/h scripts/hardening.sh
#       # works on a copy of the source tree in /tmp/h/src (the presets build
#       # inside the source tree, in build/<preset>), leaving ./build alone
#
# Environment: FUZZ_SECONDS (default 30) per fuzz target; JOBS (default: the
# number of CPUs) for compiling and for fuzzers run side by side;
# CTEST_PARALLEL_LEVEL (default 8) for the test runs.
#
# Exits non-zero on the first failing step. A fuzzer's crash input is kept
# in build/fuzz/fuzz-artifacts/ (reproduce: build/fuzz/fuzz/<target> <file>).

set -euo pipefail

repo_root=$(cd "$(dirname "$0")/.." && pwd)
readonly repo_root
readonly fuzz_seconds=${FUZZ_SECONDS:-30}
readonly jobs=${JOBS:-$(nproc)}
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$jobs}
export CTEST_PARALLEL_LEVEL=${CTEST_PARALLEL_LEVEL:-8}

all_steps=(asan tsan fuzz tidy)
steps=("$@")
((${#steps[@]})) || steps=("${all_steps[@]}")
for step in "${steps[@]}"; do
  case $step in
    asan | tsan | fuzz | tidy) ;;
    *)
      echo "hardening: unknown step \"$step\"; expected some of: ${all_steps[*]}" >&2
      exit 2
      ;;
  esac
done

if [[ -t 1 && -z ${NO_COLOR:-} ]]; then
  bold=$'\e[1m' red=$'\e[31m' green=$'\e[32m' reset=$'\e[0m'
else
  bold='' red='' green='' reset=''
fi
step_title() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }
die() { printf '%shardening: %s%s\n' "$red" "$*" "$reset" >&2; exit 1; }

"$repo_root/scripts/setup.sh"

# Where the presets run: the repository itself, or a copy of it.
if [[ -n ${HARDENING_DIR:-} ]]; then
  source_dir=$HARDENING_DIR/src
  mkdir -p "$source_dir"
  # Mirror the tree, keeping the copy's build/ (and file times, so that an
  # unchanged file is not rebuilt); files removed here disappear there too.
  find "$source_dir" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
  tar -C "$repo_root" --exclude=./build --exclude='./bazel-*' --exclude=./.git \
    -cf - . | tar -C "$source_dir" -xf -
else
  source_dir=$repo_root
fi
cd "$source_dir"

declare -A seconds
timed() {
  local name=$1
  shift
  local start=$SECONDS
  "$@"
  seconds[$name]=$((SECONDS - start))
}

run_fuzzers() {
  local build=$source_dir/build/fuzz
  local work=$build/fuzz-work artifacts=$build/fuzz-artifacts
  rm -rf "$work"
  mkdir -p "$work" "$artifacts"
  local fuzzers=() name
  for binary in "$build"/fuzz/*_fuzzer; do
    [[ -x $binary ]] && fuzzers+=("$(basename "$binary")")
  done
  ((${#fuzzers[@]})) || die "no fuzz targets in $build/fuzz"
  echo "hardening: fuzzing ${#fuzzers[@]} targets for ${fuzz_seconds} s each, $jobs at a time"

  local pids=() names=() failed=()
  for name in "${fuzzers[@]}"; do
    # New inputs go to a scratch corpus; the repository's seeds stay as
    # they are.
    mkdir -p "$work/$name"
    (
      cd "$work"
      exec "$build/fuzz/$name" -max_total_time="$fuzz_seconds" \
        -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$artifacts/$name-" \
        "$work/$name" "$source_dir/fuzz/corpus/$name"
    ) >"$work/$name.log" 2>&1 &
    pids+=("$!") names+=("$name")
    # At most $jobs at once.
    while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  done
  local i status
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then status=0; else status=$?; fi
    ((status == 0)) || failed+=("${names[$i]}")
  done

  printf '  %-28s %12s %10s %8s\n' target runs exec/s corpus
  local total=0 runs rate corpus
  for name in "${fuzzers[@]}"; do
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$work/$name.log")
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$work/$name.log")
    corpus=$(find "$work/$name" -type f | wc -l)
    printf '  %-28s %12s %10s %8s\n' "$name" "${runs:-?}" "${rate:-?}" "$corpus"
    total=$((total + ${runs:-0}))
  done
  echo "hardening: $total fuzz inputs run in all"
  if ((${#failed[@]})); then
    for name in "${failed[@]}"; do
      printf '\n%s--- %s: %s%s\n' "$bold" "$name" "$work/$name.log" "$reset"
      grep -E -A12 'invariant violated|ERROR: (libFuzzer|AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error' \
        "$work/$name.log" | head -40 || true
    done
    die "fuzzing found a crash in: ${failed[*]} (inputs in $artifacts)"
  fi
}

run_tidy() {
  local db=$source_dir/build/asan/compile_commands.json
  [[ -f $db ]] || die "no $db: run the asan step first"
  run-clang-tidy -p "$source_dir/build/asan" -j "$jobs" -quiet \
    "$source_dir/gtest_port/" >"$source_dir/build/asan/clang-tidy.log" 2>&1 || {
    grep -E -A4 'warning:|error:' "$source_dir/build/asan/clang-tidy.log" | head -60
    die "clang-tidy found problems (all of it: build/asan/clang-tidy.log)"
  }
  echo "hardening: clang-tidy clean on gtest_port/"
}

for step in "${steps[@]}"; do
  case $step in
    asan)
      step_title "ASan + UBSan: cmake --workflow --preset asan"
      timed asan cmake --workflow --preset asan
      ;;
    tsan)
      step_title "TSan: cmake --workflow --preset tsan"
      timed tsan cmake --workflow --preset tsan
      ;;
    fuzz)
      step_title "Fuzzers: cmake --workflow --preset fuzz, then ${fuzz_seconds} s each"
      timed fuzz_build cmake --workflow --preset fuzz
      timed fuzz run_fuzzers
      ;;
    tidy)
      step_title "clang-tidy on gtest_port/"
      timed tidy run_tidy
      ;;
  esac
done

echo
summary=''
for name in asan tsan fuzz_build fuzz tidy; do
  [[ -n ${seconds[$name]:-} ]] && summary+=" $name ${seconds[$name]} s,"
done
printf '%shardening: passed (%s)%s\n' "$green" "${summary%,}" "$reset"
