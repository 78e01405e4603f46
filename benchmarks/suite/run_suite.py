#!/usr/bin/env python3
"""run_suite.py: run the suite benchmark's modes in one run and report.

Driven by benchmarks/suite.sh, which builds the suite first. Every mode runs
the same binaries; SUITE_PORT_MODE chooses where their ports come from.

  serial  fixed       ctest -j1, hard-coded ports: the baseline wall time
  serial  gtest_port  ctest -j1: what gtest_port costs a serial run
  j8      fixed       ctest -j8, hard-coded ports: how often it fails
  j8      counter     ctest -j8, 11234 + shard * 100 + counter: the same
  jN      gtest_port  ctest -jN for each N in --jobs
  4x2     gtest_port  the binary as 4 shards x 2 copies, 8 processes at once
  4x2     counter     the same with counter ports
  bazel   gtest_port  (--bazel) bazel test with shard_count, 8 jobs

Each mode runs --repetitions times (serial ones too); a wall time is the
median of its runs, a failure count the sum over them. CPU time is that of
every process the run started (getrusage(RUSAGE_CHILDREN): ctest, the test
processes and the servers they reap). The last line printed is the summary,
e.g.

  speedup_j8=2.1 ideal_ratio_j8=1.10 fails_gtest_port=0 ...
"""

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CTEST_RESULT = re.compile(
    r"Test\s+#\d+: (\S+) \.*\s*(Passed|\*\*\*Failed|Failed|\*\*\*Timeout|"
    r"\*\*\*Exception|Not Run|Subprocess aborted)?.*?([\d.]+) sec")
CTEST_SUMMARY = re.compile(r"(\d+)% tests passed, (\d+) tests? failed out of (\d+)")
GTEST_FAILED = re.compile(r"^\[  FAILED  \] (\S+)\.(\S+)(?: \(|$)", re.M)
GTEST_PASSED = re.compile(r"^\[  PASSED  \] (\d+) test", re.M)


def log(message):
    print(f"run_suite: {message}", file=sys.stderr, flush=True)


def machine_busy_seconds():
    """Busy CPU seconds of the whole machine so far (/proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Run:
    """One timed run of one mode."""

    def __init__(self, mode, wall, cpu, busy, failed, total, test_times,
                 overhead_ns):
        self.mode = mode
        self.wall = wall
        self.cpu = cpu            # our processes' user + system seconds
        self.busy = busy          # the machine's busy CPU seconds meanwhile
        self.failed = failed
        self.total = total
        self.test_times = test_times
        # Sums over the run's test processes (suite_ports.h): gtest_port_ns
        # (wall), cpu_ns, reserve_cpu_ns, release_cpu_ns,
        # environment_cpu_ns, reservations.
        self.overhead_ns = overhead_ns


def timed(mode, commands, env, overhead_file, timeout):
    """Runs `commands` (a list of argv lists) at once; returns outputs, Run."""
    if os.path.exists(overhead_file):
        os.unlink(overhead_file)
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before = machine_busy_seconds()
    start = time.monotonic()
    procs = []
    outputs = []
    with tempfile.TemporaryDirectory(prefix="suite_out_") as outdir:
        files = []
        for i, argv in enumerate(commands):
            out = open(os.path.join(outdir, f"{i}.log"), "w+")
            files.append(out)
            procs.append(subprocess.Popen(argv, env=env[i] if isinstance(env, list) else env,
                                          stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL))
        deadline = start + timeout
        for proc in procs:
            try:
                proc.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                log(f"{mode}: {proc.args[0]} timed out after {timeout} s; killed")
        wall = time.monotonic() - start
        for out in files:
            out.seek(0)
            outputs.append(out.read())
            out.close()
    busy = machine_busy_seconds() - busy_before
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ((usage_after.ru_utime - usage_before.ru_utime) +
           (usage_after.ru_stime - usage_before.ru_stime))
    overhead_ns = {}
    if os.path.exists(overhead_file):
        for line in read_overhead_lines(overhead_file):
            for key, value in line.items():
                overhead_ns[key] = overhead_ns.get(key, 0) + value
        os.unlink(overhead_file)
    return outputs, [p.returncode for p in procs], wall, cpu, busy, overhead_ns


def run_ctest(args, mode, port_mode, jobs, overhead_file):
    env = dict(os.environ, SUITE_PORT_MODE=port_mode,
               SUITE_OVERHEAD_FILE=overhead_file)
    argv = ["ctest", "--test-dir", args.build_dir, "-L", "^suite$",
            "-j", str(jobs)]
    outputs, codes, wall, cpu, busy, ns = timed(mode, [argv], env,
                                               overhead_file, args.timeout)
    text = outputs[0]
    summary = CTEST_SUMMARY.search(text)
    if summary is None:
        sys.exit(f"run_suite: ctest printed no summary ({mode}); its output:\n"
                 f"{text[-3000:]}")
    failed, total = int(summary.group(2)), int(summary.group(3))
    times = {}
    for name, status, seconds in CTEST_RESULT.findall(text):
        times[name] = float(seconds)
    if failed:
        names = re.findall(r"^\s+\d+ - (\S+) \(", text, re.M)
        log(f"{mode}: {failed} failed: {' '.join(names[:12])}"
            f"{' ...' if len(names) > 12 else ''}")
    return Run(mode, wall, cpu, busy, failed, total, times, ns)


def run_shards(args, mode, port_mode, shards, copies, overhead_file):
    binary = os.path.join(args.build_dir, "benchmarks", "suite", "suite_test")
    commands, envs = [], []
    for copy in range(copies):
        for shard in range(shards):
            commands.append([binary])
            envs.append(dict(os.environ, SUITE_PORT_MODE=port_mode,
                             SUITE_OVERHEAD_FILE=overhead_file,
                             GTEST_TOTAL_SHARDS=str(shards),
                             GTEST_SHARD_INDEX=str(shard)))
    outputs, codes, wall, cpu, busy, ns = timed(mode, commands, envs,
                                               overhead_file, args.timeout)
    failed = total = 0
    for text, code in zip(outputs, codes):
        fails = set(GTEST_FAILED.findall(text))
        passed = GTEST_PASSED.search(text)
        total += len(fails) + (int(passed.group(1)) if passed else 0)
        failed += len(fails)
        if code != 0 and not fails:
            failed += 1  # crashed or timed out before its summary
    if failed:
        log(f"{mode}: {failed} failed")
    return Run(mode, wall, cpu, busy, failed, total, {}, ns)


def run_bazel(args, overhead_file):
    # Bazel's sandbox hides the host's files from the test; the overhead
    # file is not passed, so Bazel runs count for failures and wall time.
    argv = ["bazel", "test", "--config=offline", "//benchmarks/suite:suite_test",
            "--cache_test_results=no", "--jobs=8", "--local_test_jobs=8",
            "--test_output=errors", "--test_env=SUITE_PORT_MODE=gtest_port"]
    outputs, codes, wall, cpu, busy, ns = timed(
        "bazel", [argv], dict(os.environ), overhead_file, args.timeout)
    text = outputs[0]
    failed = len(set(GTEST_FAILED.findall(text)))
    if codes[0] != 0 and failed == 0:
        log(f"bazel test exited {codes[0]}; its output:\n{text[-3000:]}")
        failed = 1
    return Run("bazel", wall, cpu, busy, failed, 43, {}, ns)


# One test process with one reservation, for the anatomy of its cost.
ANATOMY_TEST = "EchoTest.TcpRoundtrip"
ANATOMY_RUNS = 40
# Variant: (extra environment, --gtest_repeat). "warm" is the second
# repetition inside one process, environment included: the same calls once
# the process has made them, i.e. their system calls and their own work.
ANATOMY_VARIANTS = {
    "cold": ({}, 1),
    "deadlock_off": ({"SUITE_ABSL_DEADLOCK_DETECTION": "off"}, 1),
    "bind_now": ({"LD_BIND_NOW": "1"}, 1),
    "warm": ({}, 2),
}


def read_overhead_lines(path):
    """The lines of an overhead file (suite_ports.h), in order, as dicts;
    a malformed line is logged and skipped."""
    lines = []
    with open(path) as f:
        for line in f:
            words = line.split()
            if len(words) % 2 or not all(v.isdigit() for v in words[1::2]):
                log(f"ignoring a malformed line in {path}: {line[:200]!r}")
                continue
            lines.append({k: int(v) for k, v in zip(words[::2], words[1::2])})
    return lines


def first_call_anatomy(args, count):
    """Median CPU µs inside gtest_port of one test process, per variant.

    The variants run interleaved, `count` processes each, so that a noisy
    moment falls on all of them."""
    binary = os.path.join(args.build_dir, "benchmarks", "suite", "suite_test")
    samples = {name: [] for name in ANATOMY_VARIANTS}
    with tempfile.TemporaryDirectory(prefix="suite_anatomy_") as tmp:
        path = os.path.join(tmp, "overhead.txt")
        for _ in range(count):
            for name, (extra, repeat) in ANATOMY_VARIANTS.items():
                if os.path.exists(path):
                    os.unlink(path)
                env = dict(os.environ, SUITE_PORT_MODE="gtest_port",
                           SUITE_OVERHEAD_FILE=path, **extra)
                subprocess.run([binary, f"--gtest_filter={ANATOMY_TEST}",
                                f"--gtest_repeat={repeat}",
                                "--gtest_recreate_environments_when_repeating"],
                               env=env,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, check=True,
                               timeout=60)
                # One line per repetition, each the process's running total.
                lines = read_overhead_lines(path)
                if len(lines) != repeat:
                    sys.exit(f"run_suite: {binary} wrote {len(lines)} overhead "
                             f"lines for --gtest_repeat={repeat}")
                cpu_ns = lines[-1]["cpu_ns"] - (lines[-2]["cpu_ns"] if repeat > 1 else 0)
                samples[name].append(cpu_ns / 1e3)
    return {name: median(values) for name, values in samples.items()}


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--jobs", default="4,8,16")
    parser.add_argument("--bazel", action="store_true")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds one run may take before it is killed")
    parser.add_argument("--markdown", help="write the report section here")
    parser.add_argument("--chart-data", help="write gnuplot data here")
    args = parser.parse_args()
    if args.repetitions < 1:
        sys.exit("run_suite: --repetitions must be >= 1")
    try:
        jobs = [int(j) for j in args.jobs.split(",")]
        if not jobs or min(jobs) < 2:
            raise ValueError
    except ValueError:
        sys.exit(f"run_suite: --jobs={args.jobs!r}: expected a comma-separated "
                 "list of whole numbers >= 2, e.g. 4,8,16")
    if 8 not in jobs:
        jobs.append(8)

    for var in ("PORTSERVER_ADDRESS", "GTEST_PORT_RANGE", "GTEST_PORT_LOCK_DIR",
                "GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS", "TEST_SHARD_INDEX",
                "TEST_TOTAL_SHARDS", "GTEST_PORT_VERBOSE"):
        os.environ.pop(var, None)
    overhead_file = os.path.join(tempfile.gettempdir(),
                                 f"suite_overhead_{os.getpid()}.txt")

    plan = [("serial fixed", lambda: run_ctest(args, "serial fixed", "fixed", 1, overhead_file)),
            ("serial gtest_port", lambda: run_ctest(args, "serial gtest_port", "gtest_port", 1, overhead_file)),
            ("j8 fixed", lambda: run_ctest(args, "j8 fixed", "fixed", 8, overhead_file)),
            ("j8 counter", lambda: run_ctest(args, "j8 counter", "counter", 8, overhead_file))]
    for n in sorted(set(jobs)):
        plan.append((f"j{n} gtest_port",
                     lambda n=n: run_ctest(args, f"j{n} gtest_port", "gtest_port", n, overhead_file)))
    plan.append(("4x2 gtest_port", lambda: run_shards(args, "4x2 gtest_port", "gtest_port", 4, 2, overhead_file)))
    plan.append(("4x2 counter", lambda: run_shards(args, "4x2 counter", "counter", 4, 2, overhead_file)))
    if args.bazel:
        plan.append(("bazel gtest_port", lambda: run_bazel(args, overhead_file)))

    def load_average():
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])

    load_before = load_average()
    runs = {name: [] for name, _ in plan}
    # Repetitions interleave the modes, so that a slow minute on the shared
    # host falls on all of them rather than on one.
    for rep in range(args.repetitions):
        for name, run in plan:
            result = run()
            runs[name].append(result)
            log(f"rep {rep + 1}/{args.repetitions} {name}: wall {result.wall:.2f} s, "
                f"cpu {result.cpu:.2f} s, failed {result.failed}/{result.total}")
    load_after = load_average()
    log(f"first-call anatomy: {ANATOMY_TEST}, {ANATOMY_RUNS} processes per variant")
    anatomy = first_call_anatomy(args, ANATOMY_RUNS)

    cores = os.cpu_count() or 1
    serial = runs["serial fixed"]
    serial_wall = median([r.wall for r in serial])
    # The longest test: the median over the serial runs of each test's time.
    names = set().union(*[r.test_times for r in serial])
    longest_name, longest = max(
        ((n, median([r.test_times[n] for r in serial if n in r.test_times]))
         for n in names), key=lambda x: x[1])
    # The CPU-bound floor: the suite's own CPU time (median over the serial
    # gtest_port runs) spread perfectly over every core.
    suite_cpu = median([r.cpu for r in runs["serial gtest_port"]])
    cpu_floor = suite_cpu / cores

    rows = []
    summary = {}
    for name, _ in plan:
        rs = runs[name]
        wall = median([r.wall for r in rs])
        cpu = median([r.cpu for r in rs])
        busy = median([r.busy for r in rs])
        failed = sum(r.failed for r in rs)
        flaky_runs = sum(1 for r in rs if r.failed)
        n = 1 if name.startswith("serial") else (
            int(name.split()[0][1:]) if name.startswith("j") else 8)
        # 4 shards x 2 copies run the whole suite twice.
        work = 2 if name.startswith("4x2") else 1
        ideal = max(work * serial_wall / n, longest, work * cpu_floor)
        # The cores other users' work left to this mode: the host's busy
        # CPU time minus ours, spread over the wall time, taken off nproc.
        others = max(0.0, median([(r.busy - r.cpu) / r.wall for r in rs]))
        cores_left = max(0.25, cores - others)
        ideal_shared = max(work * serial_wall / n, longest,
                           work * suite_cpu / cores_left)
        rows.append((name, len(rs), wall, cpu, busy, failed, rs[0].total,
                     flaky_runs, work * serial_wall / wall, wall / ideal,
                     cores_left, wall / ideal_shared))
        if name.endswith("gtest_port") and name.startswith("j"):
            summary[f"speedup_{name.split()[0]}"] = serial_wall / wall
            summary[f"ideal_ratio_{name.split()[0]}"] = wall / ideal
            summary[f"cores_left_{name.split()[0]}"] = cores_left
            summary[f"ideal_ratio_left_{name.split()[0]}"] = wall / ideal_shared

    gtest_port_parallel = [r for name, rs in runs.items()
                           if name.endswith("gtest_port") and not name.startswith("serial")
                           for r in rs]
    fails_gtest_port = sum(r.failed for r in gtest_port_parallel)
    fails_fixed = sum(r.failed for r in runs["j8 fixed"])
    fails_counter = sum(r.failed for r in runs["j8 counter"])
    measured = [r for r in gtest_port_parallel + runs["serial gtest_port"]
                if r.mode != "bazel"]

    def overhead(key):
        return sum(r.overhead_ns.get(key, 0) for r in measured)

    measured_cpu = sum(r.cpu for r in measured)
    overhead_share = overhead("cpu_ns") / 1e9 / measured_cpu
    overhead_share_wall = overhead("gtest_port_ns") / 1e9 / measured_cpu
    reservations = overhead("reservations")
    serial_runs = runs["serial gtest_port"]
    per_process = {
        key: sum(r.overhead_ns.get(key, 0) for r in serial_runs) / 1e3 /
        (len(serial_runs) * serial_runs[0].total)
        for key in ("cpu_ns", "reserve_cpu_ns", "release_cpu_ns",
                    "environment_cpu_ns")}
    per_reservation_us = (sum(r.overhead_ns.get("reserve_cpu_ns", 0) for r in serial_runs) /
                          1e3 / max(1, sum(r.overhead_ns.get("reservations", 0)
                                           for r in serial_runs)))
    test_cpu_ms = median([r.cpu for r in serial_runs]) / serial_runs[0].total * 1e3
    anatomy_share = {k: v / (test_cpu_ms * 1e3) for k, v in anatomy.items()}

    header = ("| mode | runs | wall s (median) | CPU s (ours) | host busy CPU s | "
              "failed tests (all runs) | runs with a failure | speedup | wall / ideal "
              "| cores left by others | wall / ideal on those |")
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (name, count, wall, cpu, busy, failed, total, flaky, speedup, ratio,
         cores_left, ratio_shared) in rows:
        lines.append(f"| {name} | {count} | {wall:.2f} | {cpu:.2f} | {busy:.2f} | "
                     f"{failed} of {total * count} | {flaky} of {count} | "
                     f"{speedup:.2f} | {ratio:.2f} | {cores_left:.2f} | "
                     f"{ratio_shared:.2f} |")
    table = "\n".join(lines)
    print(table)
    print(f"serial wall {serial_wall:.2f} s; longest test {longest_name} "
          f"{longest:.2f} s; suite CPU {suite_cpu:.2f} s over {cores} cores = "
          f"floor {cpu_floor:.2f} s; load {load_before} / {load_after}")

    last = " ".join(
        [f"speedup_j{n}={summary[f'speedup_j{n}']:.2f}" for n in sorted(set(jobs))] +
        [f"ideal_ratio_j{n}={summary[f'ideal_ratio_j{n}']:.2f}" for n in sorted(set(jobs))] +
        [f"fails_gtest_port={fails_gtest_port}",
         f"fails_fixed_parallel={fails_fixed}",
         f"fails_counter_parallel={fails_counter}",
         f"cores_left_j8={summary['cores_left_j8']:.2f}",
         f"ideal_ratio_left_j8={summary['ideal_ratio_left_j8']:.2f}",
         f"overhead_share={overhead_share:.4f}",
         f"overhead_share_warm={anatomy_share['warm']:.4f}"])
    print(f"inside gtest_port: CPU {overhead('cpu_ns') / 1e9:.4f} s, wall "
          f"{overhead('gtest_port_ns') / 1e9:.4f} s, over {measured_cpu:.1f} s of "
          f"CPU ({reservations} reservations): share {overhead_share:.4f} (CPU), "
          f"{overhead_share_wall:.4f} (wall); per test process (serial): "
          f"{per_process['cpu_ns']:.0f} us = environment "
          f"{per_process['environment_cpu_ns']:.0f} + reserve "
          f"{per_process['reserve_cpu_ns']:.0f} + release "
          f"{per_process['release_cpu_ns']:.0f}; {per_reservation_us:.0f} us per "
          f"reservation; a test uses {test_cpu_ms:.0f} ms of CPU")
    print(f"first-call anatomy ({ANATOMY_TEST}, median of {ANATOMY_RUNS}): "
          + ", ".join(f"{k} {v:.0f} us" for k, v in anatomy.items()))
    others = cores - summary["cores_left_j8"]
    host_note = (HOST_QUIET if others < 0.25 else HOST_SHARED).format(
        cores=cores, cpu_floor=cpu_floor, others=others)

    if args.chart_data:
        with open(args.chart_data, "w") as out:
            for (name, _, wall, _, _, failed, *_rest) in rows:
                group = 0 if "gtest_port" in name else 1
                out.write(f"{name}\t{wall:.3f}\t{group}\t{failed}\n")

    if args.markdown:
        with open(args.markdown, "w") as out:
            out.write(MARKDOWN.format(
                date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                cores=cores, reps=args.repetitions, table=table,
                serial_wall=serial_wall, longest_name=longest_name,
                longest=longest, suite_cpu=suite_cpu, cpu_floor=cpu_floor,
                load_before=load_before, load_after=load_after,
                tests=serial[0].total, last=last,
                overhead_cpu_s=overhead("cpu_ns") / 1e9,
                overhead_wall_s=overhead("gtest_port_ns") / 1e9,
                overhead_cpu=measured_cpu, reservations=reservations,
                share_wall=overhead_share_wall,
                pp=per_process, per_reservation_us=per_reservation_us,
                test_cpu_ms=test_cpu_ms, allowed_us=test_cpu_ms,
                host_note=host_note, anatomy_test=ANATOMY_TEST,
                anatomy_runs=ANATOMY_RUNS, a=anatomy, share=anatomy_share))
    print(last)


HOST_QUIET = """- The host was quiet: other work used {others:.2f} of its {cores} cores
  during the j8 runs (*cores left by others*). No parallel run of this
  suite can beat its CPU-bound floor ({cpu_floor:.2f} s)."""

HOST_SHARED = """- The host was shared: other work used {others:.2f} of its {cores} cores
  during the j8 runs (see *host busy CPU*). Linux's autogroup scheduling
  (`/proc/sys/kernel/sched_autogroup_enabled`) shares the CPU between
  sessions first, whatever their nice values, so the suite gets about a
  session's share however many processes it starts. That share is
  measured, not assumed: *cores left by others*. The figures to compare
  across hosts are therefore the failure counts and *wall / ideal on
  those* (the last line's `ideal_ratio_left_j8`). Even with the cores to
  itself, no parallel run of this suite can beat its CPU-bound floor
  ({cpu_floor:.2f} s)."""

MARKDOWN = """<!-- suite.sh: begin (generated by benchmarks/suite.sh; do not edit by hand) -->
## The suite: a real server-test suite, serial and in parallel

What users choose a port tool for: a suite of integration tests that start
real servers, run in parallel without clashes. `benchmarks/suite/` holds
{tests} GoogleTest tests that each start real servers on their ports, wait
until they accept connections (by connecting, never by sleeping), talk to
them and stop them: `redis-server` alone and as a primary with two replicas,
`python3 -m http.server`, the samples' TCP and UDP echo servers, a server
that builds an index before it listens, and a UDP client/server pair.
`SUITE_PORT_MODE` switches the same binaries between hard-coded ports
(`fixed`), a per-shard base port and counter (`counter`, `11234 + shard * 100
+ n`) and gtest_port. Generated by `benchmarks/suite.sh` on {date}, {cores}
cores (load average {load_before} before, {load_after}
after), {reps} repetitions of every mode, interleaved.

```
{last}
```

{table}

![suite wall time per mode](suite-benchmark.png)

- *speedup*: the serial fixed-port run's median wall time ({serial_wall:.2f} s)
  over the mode's; for 4 shards x 2 copies, which run the suite twice, twice
  that (and twice the work in its ideal). *wall / ideal*: the mode's wall time over the best it
  could do, max(serial wall / N, the longest test, the CPU-bound floor).
{host_note}
- *Longest test*: {longest_name}, {longest:.2f} s (median of its serial runs).
- *CPU-bound floor*: the suite's CPU time -- user + system time of every
  process a serial gtest_port run started (ctest, the test processes, the
  servers), from `getrusage(RUSAGE_CHILDREN)`, {suite_cpu:.2f} s (median) --
  spread perfectly over the {cores} cores: {cpu_floor:.2f} s. No schedule
  can finish the suite sooner -- on cores of its own. *Host busy CPU* is
  the whole host's busy time over the run (`/proc/stat`), other users' work
  included; *cores left by others* is {cores} minus their share (host busy
  minus ours, over the wall time), and *wall / ideal on those* puts the
  floor at the suite's CPU time over the cores left.
- *overhead_share*: the CPU time spent inside gtest_port -- every
  `ReservePort()` ({reservations} in all), the fixture's release of the
  ports, `PortEnvironment` set-up and tear-down, timed around the calls by
  the suite's own fixture with `CLOCK_THREAD_CPUTIME_ID` -- over the CPU
  time of the same runs (every serial and parallel gtest_port run but
  Bazel's): {overhead_cpu_s:.3f} s of {overhead_cpu:.1f} s. Timed by wall
  clock instead, {overhead_wall_s:.3f} s, a share of {share_wall:.4f}
  (the difference is waiting for a core: the parallel runs start more
  processes than there are cores, and on a shared host others compete).
- Where it goes, per test process of the serial run: {pp[cpu_ns]:.0f} µs =
  `PortEnvironment` set-up and tear-down {pp[environment_cpu_ns]:.0f} µs +
  reserving {pp[reserve_cpu_ns]:.0f} µs + releasing {pp[release_cpu_ns]:.0f}
  µs, against {test_cpu_ms:.0f} ms of CPU per test. One reservation here
  costs {per_reservation_us:.0f} µs of CPU, against about 18 µs in
  `reserve_benchmark`'s warm loop above: in a suite every call is a first
  call, one process per test under ctest. `run_suite.py` takes that first
  call apart: one test process with one reservation ({anatomy_test}),
  {anatomy_runs} times in each of four variants, interleaved (median CPU
  time inside gtest_port, and its share of a test's {test_cpu_ms:.0f} ms):

  | variant | µs | share |
  |---|---:|---:|
  | as in the suite | {a[cold]:.0f} | {share[cold]:.4f} |
  | Abseil's deadlock detector off (`SUITE_ABSL_DEADLOCK_DETECTION=off`) | {a[deadlock_off]:.0f} | {share[deadlock_off]:.4f} |
  | symbols bound before `main` (`LD_BIND_NOW=1`) | {a[bind_now]:.0f} | {share[bind_now]:.4f} |
  | warm: the same test again in the same process (`--gtest_repeat=2`) | {a[warm]:.0f} | {share[warm]:.4f} |

  The first two rows differ by Abseil's deadlock detector: a debug build of
  Abseil (Debian's `libabsl-dev`, Bazel's default `fastbuild`) checks every
  `absl::Mutex` lock against a graph of locks it builds at the first lock
  in the process, in whichever library locks first; a release build of
  Abseil (`NDEBUG`) has none of it. The third row is the lazy binding of the
  symbols the first calls use, moved before `main`. What no variant removes
  is the warm cost, the last row: a verified reservation's system calls --
  set-up reads the port range from /proc and checks IPv6; a reservation
  claims and probes TCP and UDP, and publishes its test's name in the
  process's table (`memfd_create`, once per process); the release closes
  the claim and checks that no server was left listening -- about two dozen
  calls, plus the work between them. An `overhead_share` of 0.001 would
  allow {allowed_us:.0f} µs per test process here, less than that warm
  cost: the target is below what the system calls of a verified
  reservation cost on this host, for tests that use this little CPU.
- *Failed tests*: summed over all runs of the mode; a fixed-port or counter
  failure is a real clash: a server that cannot bind its port, or a test
  answered by another test's server (each Redis test checks that its server
  starts empty, each HTTP test that its server serves the test's own token).
- The waits are those of the servers: Redis start-up and replication,
  Python's start-up, the index build. Nothing in the suite sleeps except
  the 5-20 ms between readiness polls.
<!-- suite.sh: end -->
"""

if __name__ == "__main__":
    main()
