#!/usr/bin/env bash
# Cross-compiles gtest_port's Windows code with mingw-w64 on Debian 12 and
# runs its tests under Wine, installing what is missing:
#   1. Debian packages: mingw-w64 (posix threads), wine64, dpkg-dev, CMake,
#      Ninja, googletest (its sources in /usr/src/googletest);
#   2. Abseil's Debian source package (apt-get source, from the same mirror
#      as the binary packages) into build-windows/src, once;
#   3. a superbuild (tests/windows/CMakeLists.txt) that add_subdirectory()s
#      Abseil and GoogleTest, so only the Abseil libraries that are linked get
#      built, with cmake/toolchains/mingw-w64-x86_64.cmake;
#   4. ctest, every test under wine64 in a private Wine prefix; then installs
#      into build-windows/prefix.
# Everything lives in build-windows/ and is reused: a second run rebuilds
# only what changed. A cold run compiles only the 35 Abseil libraries
# gtest_port links (119 files, no Abseil or GoogleTest tests) and GoogleTest
# (4 files), roughly 5 CPU-minutes at -O1, then gtest_port and its Windows
# tests; jobs: GTEST_PORT_JOBS, default nproc.
# Usage: scripts/test_windows.sh [--primitives-only]
#   (default)          the whole gtest_port tree (GTEST_PORT_WINDOWS_WHOLE_TREE):
#                      the library, its Windows back-end and every test of
#                      tests/ that applies to Windows, plus tests/windows;
#   --primitives-only  only the Windows primitives and their tests.
#   --whole-tree       accepted for compatibility: the default.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build-windows}
whole_tree=ON
for arg in "$@"; do
  case "$arg" in
    --whole-tree) whole_tree=ON ;;
    --primitives-only) whole_tree=OFF ;;
    *) echo "usage: scripts/test_windows.sh [--primitives-only]" >&2; exit 2 ;;
  esac
done
start=$SECONDS
jobs=${GTEST_PORT_JOBS:-$(nproc)}
sudo=()
[[ $(id -u) == 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive

# 1. Packages.
packages=(g++-mingw-w64-x86-64-posix wine64 dpkg-dev cmake ninja-build googletest)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  echo "== windows: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Abseil's sources, from the mirror the binary packages come from.
src_dir=$build_dir/src
mkdir -p "$src_dir"
absl_src=$(find "$src_dir" -mindepth 1 -maxdepth 1 -type d -name 'abseil-*' | head -n1)
if [[ -z $absl_src ]]; then
  have_deb_src() {
    grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list \
      $(find /etc/apt/sources.list.d -maxdepth 1 \( -name '*.list' -o -name '*.sources' \))
  }
  if ! have_deb_src; then
    added=/etc/apt/sources.list.d/gtest-port-deb-src.sources
    echo "== windows: adding deb-src for the Debian mirror in $added"
    # deb822 stanzas for the main archive (URIs ending in /debian), copied
    # with Types: deb-src; one-line "deb URI suite comp" entries likewise.
    stanzas=$(
      for f in $(find /etc/apt/sources.list.d -maxdepth 1 -name '*.sources'); do
        awk 'BEGIN { RS = ""; ORS = "\n\n" }
             /(^|\n)Types:[^\n]*deb/ && /(^|\n)URIs:[^\n]*\/debian\/?(\n|$)/ {
               sub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print }' "$f"
      done
      for f in /etc/apt/sources.list $(find /etc/apt/sources.list.d -maxdepth 1 -name '*.list'); do
        [[ -f $f ]] || continue
        awk '$1 == "deb" && $0 ~ /\/debian\/? / {
               $1 = "deb-src"; print "# one-line: " $0 }' "$f"
      done
    )
    if [[ -z $stanzas ]]; then
      echo "windows: no Debian mirror (URI ending in /debian) in /etc/apt/sources.list(.d);" \
        "add a deb-src entry for it by hand" >&2
      exit 1
    fi
    # One-line entries go into a .list file, deb822 ones into a .sources file.
    grep -v '^# one-line: ' <<<"$stanzas" | "${sudo[@]}" tee "$added" >/dev/null
    if grep -q '^# one-line: ' <<<"$stanzas"; then
      grep '^# one-line: ' <<<"$stanzas" | sed 's/^# one-line: //' |
        "${sudo[@]}" tee /etc/apt/sources.list.d/gtest-port-deb-src.list >/dev/null
    fi
    [[ -s $added ]] || "${sudo[@]}" rm -f "$added"
  fi
  echo "== windows: apt-get source abseil into $src_dir"
  "${sudo[@]}" apt-get update -qq
  (cd "$src_dir" && apt-get source -qq abseil >/dev/null)
  absl_src=$(find "$src_dir" -mindepth 1 -maxdepth 1 -type d -name 'abseil-*' | head -n1)
  [[ -n $absl_src ]] || { echo "windows: apt-get source abseil left no abseil-* directory" >&2; exit 1; }
fi

# A private Wine prefix, created once (wineboot takes ~20 s). The .NET and
# HTML engines are not needed and would ask to be downloaded.
export WINEPREFIX=$build_dir/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wine=/usr/lib/wine/wine64
if [[ ! -f $WINEPREFIX/system.reg ]]; then
  echo "== windows: creating the Wine prefix $WINEPREFIX"
  nice -n 10 "$wine" wineboot --init >/dev/null 2>&1
fi
# One wineserver for the whole run (each test would otherwise start and stop
# its own), and Wine's background services (services.exe, winedevice.exe,
# ...) started now with their output on /dev/null: started by the first
# test instead, they would inherit and hold open the pipe through which
# ctest's test discovery reads that test's output, and discovery would hang
# until its timeout. All are stopped on exit.
wineserver=/usr/lib/wine/wineserver
# A server left by wineboot ends by itself within seconds; one left running
# by an interrupted run does not, and is stopped.
timeout 60 "$wineserver" -w || "$wineserver" -k || true
trap '"$wineserver" -k 2>/dev/null || true' EXIT
"$wineserver" -p
"$wine" cmd /c exit >/dev/null 2>&1 </dev/null

# 3. Superbuild.
echo "== windows: build ($build_dir, whole tree: $whole_tree)"
cmake_args=(-G Ninja -S "$root/tests/windows" -B "$build_dir"
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/mingw-w64-x86_64.cmake"
  -DCMAKE_BUILD_TYPE=Release
  # -O1, not -O3: these are tests, and -O1 compiles in about half the time
  # (Abseil's cord.cc: 4.3 s against 9.2 s here).
  -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG"
  -DCMAKE_INSTALL_PREFIX="$build_dir/prefix"
  -DGTEST_PORT_WINDOWS_ABSL_SOURCE_DIR="$absl_src"
  -DGTEST_PORT_WINDOWS_GTEST_SOURCE_DIR=/usr/src/googletest
  -DGTEST_PORT_WINDOWS_WHOLE_TREE=$whole_tree)
nice -n 10 cmake "${cmake_args[@]}" >/dev/null
nice -n 10 cmake --build "$build_dir" -- -j"$jobs"
nice -n 10 cmake --install "$build_dir" >/dev/null

# 4. Tests, under Wine.
echo "== windows: built in $((SECONDS - start)) s; ctest under wine64"
set +e
nice -n 10 ctest --test-dir "$build_dir" -j"$jobs" --output-on-failure --timeout 300 |
  tee "$build_dir/ctest.log"
status=${PIPESTATUS[0]}
set -e
echo "== windows: $((SECONDS - start)) s in all"
# ctest's summary line, last, for whoever reads only the end.
grep -E '^[0-9]+% tests passed' "$build_dir/ctest.log" || echo "ctest: no summary"
exit "$status"
