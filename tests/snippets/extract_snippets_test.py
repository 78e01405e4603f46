#!/usr/bin/env python3
"""Tests of extract_snippets.py: real Markdown files in a temporary
directory, compiled with the real compiler. A snippet that does not compile
fails the run and is named by file and line; fragments are wrapped in a
function body; skipped blocks and other languages are not compiled.

Usage: extract_snippets_test.py --compiler CXX
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, 'extract_snippets.py')
ROOT = os.path.dirname(os.path.dirname(HERE))
COMPILER = 'c++'


class ExtractSnippetsTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='extract_snippets_test_')

    def tearDown(self):
        shutil.rmtree(self.dir)

    def run_on(self, text):
        path = os.path.join(self.dir, 'doc.md')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        return subprocess.run(
            [sys.executable, SCRIPT, '--root', ROOT, '--compiler', COMPILER,
             path], capture_output=True, text=True)

    def test_a_snippet_that_compiles_passes(self):
        run = self.run_on('Text.\n\n```cpp\n#include "gtest_port/version.h"\n'
                          'const char* v = gtest_port::Version();\n```\n')
        self.assertEqual(run.returncode, 0, run.stdout)
        self.assertIn('snippets: 1 compiled, 0 failed', run.stdout)

    def test_a_snippet_that_stops_compiling_fails_naming_file_and_line(self):
        run = self.run_on('Intro\n\n```cpp\n#include "gtest_port/gtest_port.h"\n'
                          'gtest_port::EchoServer server(1);\n```\n')
        self.assertEqual(run.returncode, 1, run.stdout)
        self.assertIn('FAIL ', run.stdout)
        self.assertIn('doc.md:4 (unit): does not compile', run.stdout)
        self.assertIn('doc.md:5', run.stdout)  # The compiler's own line.

    def test_a_fragment_is_compiled_as_a_function_body(self):
        text = ('<!-- snippet: fragment -->\n```cpp\n'
                'absl::StatusOr<gtest_port::PortReservation> r = '
                'gtest_port::Reserve();\n(void)r;\n```\n')
        run = self.run_on(text)
        self.assertEqual(run.returncode, 0, run.stdout)
        self.assertIn('(fragment)', run.stdout)
        # The same statements as a whole file do not compile.
        run = self.run_on(text.replace('<!-- snippet: fragment -->\n', ''))
        self.assertEqual(run.returncode, 1, run.stdout)

    def test_skipped_blocks_and_other_languages_are_not_compiled(self):
        run = self.run_on('<!-- snippet: skip -->\n```cpp\nnot C++ at all\n```\n'
                          '```sh\nexit 1\n```\n```cpp\nint x = 1;\n```\n')
        self.assertEqual(run.returncode, 0, run.stdout)
        self.assertIn('snippets: 1 compiled, 0 failed, 1 skipped', run.stdout)

    def test_an_unknown_marker_is_an_error(self):
        run = self.run_on('<!-- snippet: fragmnet -->\n```cpp\nint x;\n```\n')
        self.assertNotEqual(run.returncode, 0)
        self.assertIn('unknown snippet marker "fragmnet"', run.stdout + run.stderr)

    def test_no_snippet_at_all_is_an_error(self):
        run = self.run_on('Nothing here.\n')
        self.assertEqual(run.returncode, 2, run.stdout)


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--compiler', default='c++')
    args, rest = parser.parse_known_args()
    COMPILER = args.compiler
    unittest.main(argv=[sys.argv[0]] + rest)
