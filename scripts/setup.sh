#!/usr/bin/env bash
# Installs what gtest_port needs to build and test on Debian 12, using only
# Debian's packages. Installs nothing that is already there; safe to re-run.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config   # toolchain
  libgtest-dev libgmock-dev          # GoogleTest and GoogleMock 1.12
  libabsl-dev                        # Abseil 20220623
  util-linux iproute2                # unshare and ip netns, for isolation tests
  python3-portpicker                 # /usr/bin/portserver, for port server tests
  systemd                            # systemd-socket-activate, for gtest-port serve's tests
  redis-server python3               # foreign daemons and the checker, for tests/stress
  clang lld libclang-rt-14-dev clang-tidy  # sanitizers, libFuzzer, clang-tidy: scripts/hardening.sh
  libbenchmark-dev gnuplot-nox       # benchmarks/: compare.sh, suite.sh and their charts
  libboost-dev                       # Boost.Asio (header-only), for samples/sample6
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
