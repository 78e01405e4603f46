#!/usr/bin/env python3
"""A server that reads its port from $PORT, as many servers do.

Answers every HTTP GET with "port N\\n" (N its port). Stands in for the
user's server binary in docs/migrating.md, "A server that reads its port
from an environment variable"; env_port_test.sh runs it.
"""
import http.server
import os
import sys

port = os.environ.get("PORT", "")
if not port.isdigit() or not 1 <= int(port) <= 65535:
    sys.exit(f"port_from_env_server: PORT={port[:20]!r}: expected a port "
             "number, 1-65535")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"port {port}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()
