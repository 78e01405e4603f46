#!/usr/bin/env python3
"""Checks gtest_port's layering (docs/architecture.md) from its includes.

  * platform includes nothing above it; engine includes only platform and
    internal/port_range.h, internal/address_range.h; diagnostics only
    platform and those two; no layer below the glue
    includes GoogleTest or a GoogleTest-facing public header;
  * no include cycle between gtest_port's own files;
  * with --cli PATH: the gtest-port binary contains no GoogleTest code.

Usage: check_layers.py SOURCE_ROOT [--cli PATH_TO_GTEST_PORT]
Prints each violation and exits 1 if there is any.
"""
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

# What each layer may include of gtest_port's own files (prefixes).
ALLOWED = {
    'platform': ['gtest_port/internal/platform/', 'gtest_port/internal/port_range.h',
                 'gtest_port/internal/address_range.h', 'gtest_port/options.h'],
    'engine': ['gtest_port/internal/engine/', 'gtest_port/internal/platform/',
               'gtest_port/internal/port_range.h',
               'gtest_port/internal/address_range.h', 'gtest_port/options.h'],
    'diagnostics': ['gtest_port/internal/diagnostics/', 'gtest_port/internal/platform/',
                    'gtest_port/internal/port_range.h',
                    'gtest_port/internal/address_range.h', 'gtest_port/options.h',
                    'gtest_port/port_users.h'],
    'shared': ['gtest_port/internal/port_range.h',
               'gtest_port/internal/address_range.h', 'gtest_port/options.h'],
}
# gtest_port/export.h (GTEST_PORT_EXPORT) includes nothing: every layer may.
for _allowed in ALLOWED.values():
    _allowed.append('gtest_port/export.h')
GOOGLETEST = ('gtest/', 'gmock/')


def layer_of(path):
    for name in ('platform', 'engine', 'diagnostics', 'glue'):
        if path.startswith('gtest_port/internal/%s/' % name):
            return name
    if path in ('gtest_port/internal/port_range.h', 'gtest_port/internal/port_range.cc',
                'gtest_port/internal/address_range.h',
                'gtest_port/internal/address_range.cc'):
        return 'shared'
    if path in ('gtest_port/port_users.h', 'gtest_port/port_users.cc'):
        return 'diagnostics'
    return 'public'


def main(argv):
    root = argv[1]
    cli = argv[argv.index('--cli') + 1] if '--cli' in argv else None
    files = {}
    for dirpath, _, names in os.walk(os.path.join(root, 'gtest_port')):
        for name in names:
            if name.endswith(('.h', '.cc')):
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root)
                with open(full, encoding='utf-8') as f:
                    files[rel] = INCLUDE.findall(f.read())
    problems = []
    for path, includes in sorted(files.items()):
        layer = layer_of(path)
        for inc in includes:
            if layer in ALLOWED:
                if inc.startswith(GOOGLETEST):
                    problems.append('%s (%s) includes GoogleTest: %s' % (path, layer, inc))
                elif inc.startswith('gtest_port/') and not any(
                        inc.startswith(p) for p in ALLOWED[layer]):
                    problems.append('%s (%s) includes a higher layer: %s' % (path, layer, inc))
    # Include cycles among headers.
    graph = {p: [i for i in inc if i in files] for p, inc in files.items()}
    state = {}

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                problems.append('include cycle: ' + ' -> '.join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    if cli:
        out = subprocess.run(['nm', '-C', cli], capture_output=True, text=True, check=True).stdout
        hits = [l for l in out.splitlines() if 'testing::' in l]
        if hits:
            problems.append('%s contains GoogleTest code, e.g. %s' % (cli, hits[0].strip()))
    for p in problems:
        print(p)
    print('check_layers: %d files, %d problems' % (len(files), len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
