#!/usr/bin/python3
"""Judges one stress run from the records its processes appended.

    check_records.py --runner NAME [options] RECORDS...

Reads the record lines that tests/stress/stress_records.h describes and
prints one summary line:

    stress: NAME: R reservations, H holds on P ports (S held by several
    reservations in turn), N processes (+C holder children), 0 clashes,
    0 bind failures

It exits 1, after saying why, when any of these is true:

  * two holds of one port overlap in time and belong to different
    reservations (a clash), within one network namespace -- ports and
    gtest_port claims are scoped by the network namespace;
  * any server failed to bind a reserved port (a bind failure);
  * a port given with --foreign (a foreign daemon's) was handed out;
  * a test failed other than clearly with gtest_port's RESOURCE_EXHAUSTED
    message, or failed that way without --allow-exhausted;
  * a test began and never ended (a crash), or the number of tests run
    differs from --expect-tests;
  * nothing was held at all.

Options:
  --range LO-HI             report how many ports of the range were held
  --foreign PORT            a port a foreign process holds; repeatable
  --expect-tests N          exactly N test runs (BEGIN records) are expected
  --allow-exhausted         tests that failed only with RESOURCE_EXHAUSTED
                            are expected (the exhausted-range runner)
  --expect-shared-across-namespaces
                            require that some port was held at the same time
                            in two network namespaces (the netns runner)
  --expect-clashes          the control runner, whose processes were denied a
                            shared claim on purpose: require clashes or bind
                            failures (else the check is blind), and ignore
                            test outcomes
"""

import argparse
import collections
import os
import sys

EXHAUSTED = "RESOURCE_EXHAUSTED"
MAX_DETAILS = 10


class Records:
    def __init__(self):
        self.holds = []  # (netns, proc, test, reservation, port, start, end)
        self.bind_failures = []  # (netns, proc, test, port, ns, message)
        # (proc, test) -> one entry per run (--gtest_repeat runs a test of
        # one process several times).
        self.begins = collections.defaultdict(list)  # [(netns, ns, tmp_id)]
        self.ends = collections.defaultdict(list)  # [result]
        self.failures = collections.defaultdict(list)  # (proc, test) -> [msg]
        self.malformed = []

    def read(self, path):
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if line:
                    self._parse(line, f"{path}:{number}")

    def _parse(self, line, where):
        kind, _, rest = line.partition(" ")
        try:
            if kind == "HOLD":
                netns, proc, test, res, port, start, end = rest.split(" ")
                self.holds.append(
                    (netns, proc, test, int(res), int(port), int(start), int(end)))
                if int(start) > int(end):
                    self.malformed.append(f"{where}: hold ends before it starts")
            elif kind == "BINDFAIL":
                netns, proc, test, port, ns, message = rest.split(" ", 5)
                self.bind_failures.append(
                    (netns, proc, test, int(port), int(ns), message))
            elif kind == "BEGIN":
                netns, proc, test, ns, tmp_id = rest.split(" ")
                self.begins[(proc, test)].append((netns, int(ns), tmp_id))
            elif kind == "END":
                netns, proc, test, ns, result = rest.split(" ")
                if result not in ("passed", "failed", "skipped"):
                    raise ValueError(result)
                self.ends[(proc, test)].append(result)
            elif kind == "FAIL":
                netns, proc, test, message = rest.split(" ", 3)
                self.failures[(proc, test)].append(message)
            else:
                raise ValueError(kind)
        except ValueError:
            self.malformed.append(f"{where}: {line[:200]}")


def find_overlaps(holds, same_scope):
    """Pairs of holds of one port that overlap in time and belong to
    different reservations; same_scope selects pairs in one network
    namespace (clashes) or in two (sharing across namespaces)."""
    by_port = collections.defaultdict(list)
    for h in holds:
        by_port[h[4]].append(h)
    found = []
    for port, port_holds in by_port.items():
        port_holds.sort(key=lambda h: h[5])
        active = []
        for h in port_holds:
            active = [a for a in active if a[6] > h[5]]
            for a in active:
                if (a[1], a[3]) == (h[1], h[3]):
                    continue  # One reservation recorded twice: no conflict.
                if (a[0] == h[0]) == same_scope:
                    found.append((a, h))
            active.append(h)
    return found


def peak_processes(holds):
    """The most processes that held ports at one moment."""
    events = []
    for h in holds:
        events.append((h[5], 1, h[1]))
        events.append((h[6], -1, h[1]))
    events.sort(key=lambda e: (e[0], e[1]))  # Ends before starts at a tie.
    held = collections.Counter()
    peak = 0
    for _, delta, proc in events:
        held[proc] += delta
        if held[proc] == 0:
            del held[proc]
        peak = max(peak, len(held))
    return peak


def plural(n, noun, suffix="s"):
    return f"{n} {noun}" + ("" if n == 1 else suffix)


def describe(h):
    netns, proc, test, res, port, start, end = h
    return (f"port {port} held by {test} (process {proc}, netns {netns}, "
            f"reservation {res}) from {start} to {end} ns")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--runner", required=True)
    parser.add_argument("--range")
    parser.add_argument("--foreign", type=int, action="append", default=[])
    parser.add_argument("--expect-tests", type=int)
    parser.add_argument("--allow-exhausted", action="store_true")
    parser.add_argument("--expect-shared-across-namespaces",
                        action="store_true")
    parser.add_argument("--expect-clashes", action="store_true")
    parser.add_argument("records", nargs="+")
    args = parser.parse_args()

    records = Records()
    for path in args.records:
        if os.path.exists(path):
            records.read(path)
    errors = []

    def error(message, details=()):
        errors.append(message)
        for d in list(details)[:MAX_DETAILS]:
            errors.append("    " + d)
        if len(details) > MAX_DETAILS:
            errors.append(f"    ... and {len(details) - MAX_DETAILS} more")

    if records.malformed:
        error(f"{len(records.malformed)} malformed record lines",
              records.malformed)

    clashes = find_overlaps(records.holds, same_scope=True)
    if args.expect_clashes:
        if not clashes and not records.bind_failures:
            error("no clash and no bind failure in a run made to have them: "
                  "the check cannot see clashes")
    elif clashes:
        error(f"{len(clashes)} clashes: one port held by two reservations at "
              "once", [describe(a) + "\n      and " + describe(b)
                       for a, b in clashes])

    if records.bind_failures and not args.expect_clashes:
        error(f"{len(records.bind_failures)} bind failures on reserved ports",
              [f"port {port}: {test} (process {proc}): {message}"
               for _, proc, test, port, _, message in records.bind_failures])

    foreign_held = [h for h in records.holds if h[4] in args.foreign]
    if foreign_held:
        error(f"{len(foreign_held)} holds of ports a foreign daemon uses",
              [describe(h) for h in foreign_held])

    shared = find_overlaps(records.holds, same_scope=False)
    if args.expect_shared_across_namespaces and not shared:
        error("no port was held in two network namespaces at the same time")
    elif shared and not args.expect_shared_across_namespaces:
        # Not a clash (the namespaces have separate ports), but unexpected in
        # a run that uses one namespace.
        error(f"{len(shared)} holds overlap across network namespaces in a "
              "run that should use one", [describe(a) for a, _ in shared])

    # Test outcomes.
    exhausted = 0
    unexpected = []
    for key, begins in sorted(records.begins.items()):
        proc, test = key
        results = records.ends.get(key, [])
        messages = records.failures.get(key, [])
        if len(results) < len(begins):
            unexpected.append(f"{test} (process {proc}) began and never ended")
        elif "failed" in results or messages:
            if (args.allow_exhausted and messages
                    and all(EXHAUSTED in m for m in messages)):
                exhausted += 1
            else:
                first = messages[0] if messages else "no failure recorded"
                unexpected.append(f"{test} (process {proc}) failed: {first}")
    for key, messages in records.failures.items():
        if key not in records.begins:
            unexpected.append(f"{key[1]} (process {key[0]}) failed: "
                              f"{messages[0]}")
    if unexpected and not args.expect_clashes:
        error(f"{len(unexpected)} tests failed unexpectedly", unexpected)
    runs = sum(len(b) for b in records.begins.values())
    if args.expect_tests is not None and runs != args.expect_tests:
        error(f"{runs} test runs began, {args.expect_tests} expected")
    if not records.holds:
        error("no holds recorded: did the tests see "
              "GTEST_PORT_STRESS_RECORDS?")

    # The summary.
    reservations = {(h[1], h[3]) for h in records.holds}
    ports = collections.defaultdict(set)
    for h in records.holds:
        ports[h[4]].add((h[1], h[3]))
    reheld = sum(1 for keys in ports.values() if len(keys) > 1)
    test_processes = {proc for proc, _ in records.begins}
    children = {h[1] for h in records.holds} - test_processes
    host_tmp = os.stat("/tmp")
    host_tmp_id = f"{host_tmp.st_dev}:{host_tmp.st_ino}"
    private_tmp = {proc for (proc, _), begins in records.begins.items()
                   for (_, _, tmp_id) in begins if tmp_id != host_tmp_id}

    parts = [plural(runs, "test run"),
             plural(len(reservations), "reservation"),
             f"{plural(len(records.holds), 'hold')} on "
             f"{plural(len(ports), 'port')} "
             f"({reheld} held by several reservations in turn)"]
    if args.range:
        lo, hi = (int(p) for p in args.range.split("-"))
        in_range = sum(1 for p in ports if lo <= p <= hi)
        parts.append(f"{in_range} of {hi - lo + 1} ports of {args.range} used")
    if test_processes:
        processes = plural(len(test_processes), "test process", "es")
        if children:
            processes += f" (+{len(children)} holder children)"
    else:
        processes = plural(len(children), "holder process", "es")
    processes += f", up to {peak_processes(records.holds)} holding ports at once"
    parts.append(processes)
    if private_tmp:
        parts.append(f"{len(private_tmp)} of them in a private /tmp")
    parts.append(plural(len(clashes), "clash", "es"))
    parts.append(plural(len(records.bind_failures), "bind failure"))
    if args.expect_clashes:
        parts[-1] += " (expected here: the check sees clashes)"
    if args.foreign:
        ports_text = " ".join(str(p) for p in args.foreign)
        parts.append(f"foreign ports {ports_text} handed out "
                     f"{len(foreign_held)} times")
    if args.allow_exhausted:
        parts.append(f"{plural(exhausted, 'test')} failed clearly with "
                     f"{EXHAUSTED} (expected here)")
    if args.expect_shared_across_namespaces:
        parts.append(f"{plural(len(shared), 'pair')} of holds of one port at "
                     "once in different network namespaces (expected here)")
    print(f"stress: {args.runner}: " + ", ".join(parts))
    if errors:
        print(f"stress: {args.runner}: FAILED", file=sys.stderr)
        for e in errors:
            print(f"stress: {args.runner}:   {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
