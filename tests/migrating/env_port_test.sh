#!/bin/sh
# docs/migrating.md, "A server that reads its port from an environment
# variable": the "after" command, run. The START/END region is quoted in
# the guide (check_guide.py).
#
#   env_port_test.sh PATH/TO/gtest-port
set -eu
[ $# -eq 1 ] && [ -x "$1" ] || {
  echo "usage: env_port_test.sh PATH/TO/gtest-port (an executable)" >&2
  exit 2
}
PATH="$(cd "$(dirname "$1")" && pwd):$PATH"
cd "$(dirname "$0")"

# [START after]
gtest-port reserve -- sh -c '
  PORT=$GTEST_PORT python3 port_from_env_server.py & server=$!
  python3 expect_port_reply.py "$GTEST_PORT"; status=$?
  kill "$server"; wait "$server" 2>/dev/null
  exit $status'
# [END after]
