#!/usr/bin/env python3
"""check_guide.py: docs/migrating.md quotes the code its tests run.

Every fenced block in the guide that follows a line
"<!-- after: tests/migrating/FILE -->" must equal, line for line, the region
of FILE between its "[START after]" and "[END after]" lines; and every test
file here with such a region must be quoted. So the guide's "after" code is
exactly what the tests compile and run, and cannot rot.

  check_guide.py [REPO_ROOT]     exit 0 when they match, 1 with a diff
"""
import difflib
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
guide_path = os.path.join(root, "docs", "migrating.md")
guide = open(guide_path, encoding="utf-8").read()

quoted = re.findall(
    r"<!-- after: (tests/migrating/[\w.]+) -->\n```\w*\n(.*?)```", guide, re.S)
problems = []
seen = set()
for path, block in quoted:
    seen.add(path)
    try:
        text = open(os.path.join(root, path), encoding="utf-8").read()
    except OSError as error:
        problems.append(f"{guide_path} quotes {path}, which cannot be read: {error}")
        continue
    region = re.search(r"^[^\n]*\[START after\]\n(.*?)^[^\n]*\[END after\]",
                       text, re.S | re.M)
    if region is None:
        problems.append(f"{path} has no [START after] ... [END after] region")
        continue
    if region.group(1) != block:
        diff = difflib.unified_diff(
            region.group(1).splitlines(), block.splitlines(),
            f"{path} (what the test runs)", f"{guide_path} (what the guide shows)",
            lineterm="")
        problems.append("\n".join(diff))

here = os.path.join(root, "tests", "migrating")
for name in sorted(os.listdir(here)):
    path = f"tests/migrating/{name}"
    if name == os.path.basename(__file__):
        continue
    if "[START after]" in open(os.path.join(here, name), encoding="utf-8").read() \
            and path not in seen:
        problems.append(f"{path} has an 'after' region the guide does not quote")

if not quoted:
    problems.append(f"{guide_path} quotes no test file at all")
for problem in problems:
    print(problem)
print(f"check_guide: {len(quoted)} quoted block(s), {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
