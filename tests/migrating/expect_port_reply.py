#!/usr/bin/env python3
"""expect_port_reply.py PORT: waits (connecting, at most 20 s) until
127.0.0.1:PORT accepts, GETs / and checks the reply is "port PORT".
Exit status 0 when it is, 1 otherwise (with the reason)."""
import socket
import sys
import time
import urllib.request

if len(sys.argv) != 2 or not sys.argv[1].isdigit():
    sys.exit("usage: expect_port_reply.py PORT")
port = int(sys.argv[1])
deadline = time.monotonic() + 20
while True:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        break
    except OSError as error:
        if time.monotonic() > deadline:
            sys.exit(f"expect_port_reply: nothing accepts on port {port}: {error}")
        time.sleep(0.02)
with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
    body = reply.read(100).decode("ascii", "replace")
if body != f"port {port}\n":
    sys.exit(f"expect_port_reply: port {port} answered {body!r}")
print(f"expect_port_reply: port {port} answered as expected")
