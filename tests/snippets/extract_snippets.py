#!/usr/bin/env python3
"""Compiles every C++ snippet of gtest_port's documentation.

Every ```cpp block of README.md, samples/README.md and docs/*.md is written
to a file of its own and compiled (-fsyntax-only) against gtest_port's
headers, so a snippet that stops compiling fails the build's tests. The
convention (docs/snippets.md says it for writers):

  * A ```cpp block is a whole translation unit: it includes what it uses.
  * A block right after the line <!-- snippet: fragment --> is statements:
    it is put in a function body after `#include "gtest_port/gtest_port.h"`
    and `#include "gtest_port/matchers.h"`.
  * A block right after <!-- snippet: skip --> is not compiled (say why in
    the text; e.g. output or pseudo-code marked as cpp).
  * docs/migrating.md is not read here: its "after" blocks are quoted from
    tests/migrating/, which ctest compiles and runs, and check_guide.py keeps
    them identical; its "before" blocks show the code being replaced.

Usage: extract_snippets.py --root SOURCE_ROOT --compiler CXX [--out DIR]
                           [--flag FLAG]... [FILE.md]...
With FILE.md arguments only those files are read (for the script's own
test). Prints one line per snippet and each compiler error with the
Markdown file and line the snippet starts at; exits 1 if any fails, 2 when
there is nothing to compile.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r'^```(\S*)\s*$')
MARKER = re.compile(r'^<!--\s*snippet:\s*(\w+)\s*-->\s*$')
FRAGMENT_PRELUDE = ('#include "gtest_port/gtest_port.h"\n'
                    '#include "gtest_port/matchers.h"\n\n'
                    'void Snippet() {\n')


def snippets(path):
    """Yields (first_line_number, kind, code) for the cpp blocks of path."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    i = 0
    marker = None
    while i < len(lines):
        m = MARKER.match(lines[i])
        if m:
            marker = m.group(1)
            i += 1
            continue
        fence = FENCE.match(lines[i])
        if not fence:
            if lines[i].strip():
                marker = None
            i += 1
            continue
        lang = fence.group(1)
        start = i + 1
        i += 1
        while i < len(lines) and not lines[i].startswith('```'):
            i += 1
        if lang in ('cpp', 'c++', 'cc'):
            kind = marker or 'unit'
            if kind not in ('unit', 'fragment', 'skip'):
                raise SystemExit('%s:%d: unknown snippet marker "%s"; expected '
                                 'fragment or skip' % (path, start - 1, kind))
            yield start + 1, kind, '\n'.join(lines[start:i]) + '\n'
        marker = None
        i += 1


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument('--root', required=True)
    parser.add_argument('--compiler', required=True)
    parser.add_argument('--out')
    parser.add_argument('--flag', action='append', default=[])
    parser.add_argument('files', nargs='*')
    args = parser.parse_args(argv)

    files = args.files or (
        [os.path.join(args.root, 'README.md'),
         os.path.join(args.root, 'samples', 'README.md')] +
        sorted(p for p in glob.glob(os.path.join(args.root, 'docs', '*.md'))
               if os.path.basename(p) != 'migrating.md'))
    out = args.out or tempfile.mkdtemp(prefix='gtest_port_snippets_')
    os.makedirs(out, exist_ok=True)
    compiled = failed = skipped = 0
    try:
        for md in files:
            if not os.path.exists(md):
                continue
            rel = os.path.relpath(md, args.root)
            for line, kind, code in snippets(md):
                where = '%s:%d' % (rel, line)
                if kind == 'skip':
                    skipped += 1
                    print('SKIP %s (marked skip)' % where)
                    continue
                name = re.sub(r'[^A-Za-z0-9]+', '_', where) + '.cc'
                source = os.path.join(out, name)
                with open(source, 'w', encoding='utf-8') as f:
                    # Compiler messages name the Markdown file and line.
                    if kind == 'fragment':
                        f.write(FRAGMENT_PRELUDE)
                    f.write('#line %d "%s"\n' % (line, os.path.abspath(md)))
                    f.write(code)
                    if kind == 'fragment':
                        f.write('}\n')
                cmd = ([args.compiler, '-std=c++17', '-fsyntax-only', '-Wall',
                        '-I', args.root] + args.flag + [source])
                run = subprocess.run(cmd, capture_output=True, text=True)
                compiled += 1
                if run.returncode == 0:
                    print('OK   %s (%s)' % (where, kind))
                else:
                    failed += 1
                    print('FAIL %s (%s): does not compile:\n%s' %
                          (where, kind, run.stderr.strip()))
    finally:
        if not args.out:
            for name in os.listdir(out):
                os.unlink(os.path.join(out, name))
            os.rmdir(out)
    print('snippets: %d compiled, %d failed, %d skipped' %
          (compiled, failed, skipped))
    if compiled == 0:
        print('no C++ snippet found in %s' % ', '.join(files))
        return 2
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
