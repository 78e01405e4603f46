#!/usr/bin/env bash
# serve_compare.sh: `gtest-port serve` next to Python portpicker's
# /usr/bin/portserver, measured in one run by serve_benchmark (same client,
# same requests, fresh servers and pools per run), reported as ratios.
#
#   benchmarks/serve_compare.sh               # Release build in /tmp/gtest_port-serve-bench
#   BUILD_DIR=build REPETITIONS=5 benchmarks/serve_compare.sh
#
# Prints a table (median over REPETITIONS, default 3, in random order), then
# as its last line:
#
#   serve_rps_ratio=R1 serve_p99_ratio=R2 serve_cpu_ratio=R3 floor_rps_ratio=F1 floor_p99_ratio=F2 (1 client; 4 clients: ...)
#
# where R1 = our requests/s over Python's (higher is better), R2 = Python's
# p99 latency over ours (higher is better) and R3 = Python's server CPU time
# per request over ours. floor_rps_ratio and floor_p99_ratio are the same
# ratios for the floor server (serve_benchmark.cc): the best any port server
# could show on this host with this client, since it answers without
# claiming, probing or tracking anything. Installs what is missing from
# Debian's packages (python3-portpicker, libbenchmark-dev, ...) with apt-get,
# as compare.sh does (run as root or with sudo).
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-/tmp/gtest_port-serve-bench}"
REPETITIONS="${REPETITIONS:-3}"
[[ "$REPETITIONS" =~ ^[1-9][0-9]*$ ]] ||
  { echo "serve_compare.sh: REPETITIONS=$REPETITIONS: expected a whole number >= 1" >&2; exit 2; }

need=()
[[ -x /usr/bin/portserver ]] || need+=(python3-portpicker)
for pkg in libbenchmark-dev libgtest-dev libgmock-dev libabsl-dev cmake ninja-build; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" ||
    need+=("$pkg")
done
if ((${#need[@]})); then
  echo "serve_compare.sh: installing ${need[*]}" >&2
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    --no-install-recommends "${need[@]}" >&2
fi

if [[ ! -x "$BUILD_DIR/benchmarks/serve_benchmark" ]]; then
  cmake -S "$SRC_DIR" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DGTEST_PORT_BENCHMARKS=ON -DGTEST_PORT_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" --target serve_benchmark gtest-port >/dev/null

json="$(mktemp /tmp/gtest_port-serve-bench.XXXXXX.json)"
trap 'rm -f "$json"' EXIT
"$BUILD_DIR/benchmarks/serve_benchmark" \
  --gtest_port="$BUILD_DIR/tools/gtest-port" \
  --benchmark_repetitions="$REPETITIONS" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=false \
  --benchmark_format=json --benchmark_out="$json" \
  --benchmark_out_format=json >/dev/null

/usr/bin/python3 - "$json" <<'PY'
import json, statistics, sys
runs = [b for b in json.load(open(sys.argv[1]))["benchmarks"]
        if b.get("run_type") == "iteration"]
errors = [b["name"] for b in runs if b.get("error_occurred")]
if errors:
    sys.exit("serve_compare.sh: failed: " + ", ".join(sorted(set(errors))))
def median(server, threads, key):
    vals = [b[key] for b in runs
            if f"/{server}/" in b["name"] and b["name"].endswith(f"threads:{threads}")]
    return statistics.median(vals)
rows, ratios = [], []
for threads in (1, 4):
    m = {s: {k: median(s, threads, k) for k in ("items_per_second", "p99_us", "p50_us", "server_cpu_us")}
         for s in ("python", "gtest-port", "floor")}
    for s in ("python", "gtest-port", "floor"):
        rows.append(f"{s:>11} {threads} client(s): {m[s]['items_per_second']:9.0f} req/s  "
                    f"p50 {m[s]['p50_us']:8.0f} us  p99 {m[s]['p99_us']:8.0f} us  "
                    f"server CPU {m[s]['server_cpu_us']:7.1f} us/req")
    ratios.append((m["gtest-port"]["items_per_second"] / m["python"]["items_per_second"],
                   m["python"]["p99_us"] / m["gtest-port"]["p99_us"],
                   m["python"]["server_cpu_us"] / m["gtest-port"]["server_cpu_us"],
                   m["floor"]["items_per_second"] / m["python"]["items_per_second"],
                   m["python"]["p99_us"] / m["floor"]["p99_us"]))
print("\n".join(rows))
(r1, p1, c1, f1, fp1), (r4, p4, c4, f4, fp4) = ratios
print(f"serve_rps_ratio={r1:.1f} serve_p99_ratio={p1:.1f} serve_cpu_ratio={c1:.1f} "
      f"floor_rps_ratio={f1:.1f} floor_p99_ratio={fp1:.1f} "
      f"(1 client; 4 clients: serve_rps_ratio={r4:.1f} serve_p99_ratio={p4:.1f} "
      f"serve_cpu_ratio={c4:.1f} floor_rps_ratio={f4:.1f} floor_p99_ratio={fp4:.1f}; "
      f"gtest-port serve and the floor vs /usr/bin/portserver, "
      f"median of $REPETITIONS)".replace("$REPETITIONS", str(len(runs) // 6)))
PY
