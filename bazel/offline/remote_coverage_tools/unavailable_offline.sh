#!/bin/sh
echo "remote_coverage_tools is a stand-in: 'bazel coverage' is not available with --config=offline" >&2
exit 1
