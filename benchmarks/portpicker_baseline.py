#!/usr/bin/python3
"""Python portpicker, measured per call for gtest_port's benchmarks.

Times `portpicker.pick_unused_port()` and a real portserver round trip
(`portpicker.get_port_from_port_server()` against Debian's /usr/bin/portserver,
started here on a private abstract address) inside one interpreter, so that
interpreter start-up and imports are not counted. portpicker never gives its
picks back, so each is measured over a fixed number of picks in a fresh
interpreter, and the mean is reported.

Prints one JSON object on stdout, times in microseconds per call, both wall
time and the calling thread's CPU time (user + system; on a shared host the
CPU time is what the call itself costs, the wall time adds waiting for a core
and, for the portserver, the server's own work):

  {"picks": 500,
   "pick_unused_port_us": {"mean": .., "p50": .., "p99": .., "cpu_mean": ..},
   "portserver_us": {"mean": .., "p50": .., "p99": .., "cpu_mean": ..}}

Usage: portpicker_baseline.py [--picks=N] [--portserver=/usr/bin/portserver]

Needs Debian's python3-portpicker (run with /usr/bin/python3).
"""

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time

import portpicker

# The portserver's pool stays clear of gtest_port's default range
# (20000-32767), of the ranges gtest_port's own tests use (10000-19999), and
# of Linux's default ephemeral range (32768-60999), so the benchmark never
# probes a port that a test running on the same host may hold.
PORTSERVER_POOL = "61000-62999"


def summarize(samples):
    """Wall-time mean and quantiles plus the CPU-time mean, in µs."""
    wall = sorted(w for w, _ in samples)
    n = len(wall)

    def quantile(q):
        rank = max(1, math.ceil(q * n))
        return wall[min(rank, n) - 1] / 1e3

    return {
        "mean": sum(wall) / n / 1e3,
        "p50": quantile(0.50),
        "p99": quantile(0.99),
        "cpu_mean": sum(c for _, c in samples) / n / 1e3,
    }


def time_calls(picks, call):
    """(wall ns, thread CPU ns) of each of `picks` calls."""
    samples = []
    for _ in range(picks):
        wall_start = time.perf_counter_ns()
        cpu_start = time.thread_time_ns()
        port = call()
        cpu = time.thread_time_ns() - cpu_start
        samples.append((time.perf_counter_ns() - wall_start, cpu))
        if not port:
            raise RuntimeError("no port returned")
    return samples


def wait_for_server(address, server, timeout_s=10.0):
    """Waits until the portserver accepts connections on `address`."""
    deadline = time.monotonic() + timeout_s
    raw = "\0" + address[1:]
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                "portserver exited with code %d before serving" % server.returncode)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(raw)
                return
            except OSError:
                time.sleep(0.02)
    raise RuntimeError("portserver did not start listening on " + address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--picks", type=int, default=500,
                        help="calls timed per method (default 500)")
    parser.add_argument("--portserver", default="/usr/bin/portserver",
                        help="the portserver program")
    args = parser.parse_args()
    if args.picks < 1:
        parser.error("--picks=%d: expected a count >= 1" % args.picks)

    # pick_unused_port() must not ask a portserver the environment names.
    os.environ.pop("PORTSERVER_ADDRESS", None)
    picker = time_calls(args.picks, portpicker.pick_unused_port)

    address = "@gtest_port_benchmark/portserver/%d" % os.getpid()
    # The portserver logs a few lines per request: into a file, not a pipe
    # nobody reads while the timed calls run.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [args.portserver, "--portserver_address=" + address,
             "--portserver_static_pool=" + PORTSERVER_POOL],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            wait_for_server(address, server)
            served = time_calls(
                args.picks,
                lambda: portpicker.get_port_from_port_server(address))
        except Exception:
            log.seek(0)
            sys.stderr.write(log.read()[-2000:].decode(errors="replace"))
            raise
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    json.dump({
        "picks": args.picks,
        "pick_unused_port_us": summarize(picker),
        "portserver_us": summarize(served),
    }, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
