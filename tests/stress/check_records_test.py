#!/usr/bin/python3
"""Tests of check_records.py: it must pass clean records and fail, naming
the reason, on each thing the stress suite exists to catch."""

import os
import subprocess
import sys
import tempfile
import unittest

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "check_records.py")
NS = "4026531833"
OTHER_NS = "4026532999"


def hold(proc, res, port, start, end, test="T.a", netns=NS):
    return f"HOLD {netns} {proc} {test} {res} {port} {start} {end}"


def run(proc, test, result="passed", fails=(), ns=100, tmp_id="1:2"):
    lines = [f"BEGIN {NS} {proc} {test} {ns} {tmp_id}"]
    lines += [f"FAIL {NS} {proc} {test} {m}" for m in fails]
    if result is not None:
        lines.append(f"END {NS} {proc} {test} {ns + 1} {result}")
    return lines


class CheckRecordsTest(unittest.TestCase):

    def check(self, lines, *args):
        with tempfile.NamedTemporaryFile("w", suffix=".records",
                                         delete=False) as f:
            f.write("\n".join(lines) + "\n")
        self.addCleanup(os.unlink, f.name)
        done = subprocess.run(
            [sys.executable, CHECKER, "--runner", "t", *args, f.name],
            capture_output=True, text=True, check=False)
        return done.returncode, done.stdout + done.stderr

    def test_disjoint_holds_of_one_port_pass(self):
        code, out = self.check(
            run("1-a", "T.a") + run("2-b", "T.b") +
            [hold("1-a", 1, 4000, 10, 20), hold("2-b", 1, 4000, 20, 30)],
            "--expect-tests", "2")
        self.assertEqual(code, 0, out)
        self.assertIn("2 test runs, 2 reservations, 2 holds on 1 port", out)
        self.assertIn("0 clashes, 0 bind failures", out)

    def test_overlapping_holds_of_two_processes_are_a_clash(self):
        code, out = self.check(
            run("1-a", "T.a") + run("2-b", "T.b") +
            [hold("1-a", 1, 4000, 10, 20), hold("2-b", 1, 4000, 19, 30)])
        self.assertEqual(code, 1, out)
        self.assertIn("1 clash,", out)
        self.assertIn("port 4000 held by T.a (process 1-a", out)

    def test_two_reservations_of_one_process_overlapping_are_a_clash(self):
        code, out = self.check(
            run("1-a", "T.a") +
            [hold("1-a", 1, 4000, 10, 20), hold("1-a", 2, 4000, 15, 25)])
        self.assertEqual(code, 1, out)
        self.assertIn("1 clash,", out)

    def test_ports_of_one_block_are_not_a_clash(self):
        code, out = self.check(
            run("1-a", "T.a") +
            [hold("1-a", 1, 4000, 10, 20), hold("1-a", 1, 4001, 10, 20)])
        self.assertEqual(code, 0, out)

    def test_same_port_in_two_network_namespaces_is_not_a_clash(self):
        lines = [hold("1-a", 1, 4000, 10, 20),
                 hold("2-b", 1, 4000, 10, 20, netns=OTHER_NS)]
        code, out = self.check(lines, "--expect-shared-across-namespaces")
        self.assertEqual(code, 0, out)
        self.assertIn("0 clashes", out)
        self.assertIn("1 pair of holds of one port at once in different "
                      "network namespaces", out)
        # Without the flag the sharing is unexpected.
        code, out = self.check(lines)
        self.assertEqual(code, 1, out)
        # And the flag demands it.
        code, out = self.check([hold("1-a", 1, 4000, 10, 20)],
                               "--expect-shared-across-namespaces")
        self.assertEqual(code, 1, out)

    def test_bind_failure_fails(self):
        code, out = self.check(
            run("1-a", "T.a") + [
                hold("1-a", 1, 4000, 10, 20),
                f"BINDFAIL {NS} 1-a T.a 4000 15 bind TCP 127.0.0.1:4000: "
                "Address already in use"])
        self.assertEqual(code, 1, out)
        self.assertIn("1 bind failures on reserved ports", out)
        self.assertIn("Address already in use", out)

    def test_foreign_port_handed_out_fails(self):
        code, out = self.check(
            run("1-a", "T.a") + [hold("1-a", 1, 4005, 10, 20)],
            "--foreign", "4005")
        self.assertEqual(code, 1, out)
        self.assertIn("foreign ports 4005 handed out 1 times", out)

    def test_exhaustion_is_expected_only_where_allowed(self):
        lines = run("1-a", "T.a", "failed",
                    ["x.cc:1: gtest_port could not reserve a port: "
                     "RESOURCE_EXHAUSTED: no free port"]) + [
                         hold("2-b", 1, 4000, 10, 20)]
        code, out = self.check(lines, "--allow-exhausted")
        self.assertEqual(code, 0, out)
        self.assertIn("1 test failed clearly with RESOURCE_EXHAUSTED", out)
        code, out = self.check(lines)
        self.assertEqual(code, 1, out)
        self.assertIn("1 tests failed unexpectedly", out)

    def test_other_failures_fail_even_where_exhaustion_is_allowed(self):
        code, out = self.check(
            run("1-a", "T.a", "failed", ["x.cc:1: Expected equality"]) +
            [hold("2-b", 1, 4000, 10, 20)], "--allow-exhausted")
        self.assertEqual(code, 1, out)
        self.assertIn("Expected equality", out)

    def test_a_test_that_never_ended_fails(self):
        code, out = self.check(run("1-a", "T.a", result=None) +
                               [hold("1-a", 1, 4000, 10, 20)])
        self.assertEqual(code, 1, out)
        self.assertIn("began and never ended", out)

    def test_wrong_number_of_test_runs_fails(self):
        code, out = self.check(run("1-a", "T.a") +
                               [hold("1-a", 1, 4000, 10, 20)],
                               "--expect-tests", "2")
        self.assertEqual(code, 1, out)
        self.assertIn("1 test runs began, 2 expected", out)

    def test_no_holds_at_all_fails(self):
        code, out = self.check(run("1-a", "T.a"))
        self.assertEqual(code, 1, out)
        self.assertIn("no holds recorded", out)

    def test_malformed_line_fails(self):
        code, out = self.check(run("1-a", "T.a") +
                               [hold("1-a", 1, 4000, 10, 20), "HOLD 1 2"])
        self.assertEqual(code, 1, out)
        self.assertIn("malformed", out)

    def test_control_requires_clashes(self):
        code, out = self.check([hold("1-a", 1, 4000, 10, 20)],
                               "--expect-clashes")
        self.assertEqual(code, 1, out)
        self.assertIn("the check cannot see clashes", out)
        code, out = self.check(
            [hold("1-a", 1, 4000, 10, 20), hold("2-b", 1, 4000, 15, 25)],
            "--expect-clashes")
        self.assertEqual(code, 0, out)


if __name__ == "__main__":
    unittest.main()
