#!/usr/bin/env python3
"""A recording stub of the Cloudflare API v4 for tenantctl's integration tests (127.0.0.1 only).

usage: api_stub_server.py PORTFILE LOGFILE
Listens on an ephemeral port (written to PORTFILE), appends one JSON line per request to LOGFILE
({method, path, headers, body}) and answers every request with a success envelope.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

portfile, logfile = sys.argv[1], sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        with open(logfile, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path,
                                "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}) + "\n")
        path = self.path.split("?")[0]
        result = {}
        if self.command == "GET" and path.endswith("/secrets"):
            result = [{"name": "EXISTING", "type": "secret_text"}]
        elif self.command == "PUT" and path.endswith("/secrets"):
            result = {"name": json.loads(body).get("name"), "type": "secret_text"}
        elif path == "/client/v4/user/tokens/verify":
            result = {"id": "tok-id", "status": "active"}
        elif path == "/client/v4/accounts" or path == "/client/v4/memberships":
            result = []
        out = json.dumps({"success": True, "errors": [], "messages": [], "result": result,
                          "result_info": {"page": 1, "per_page": 50, "count": 0, "total_count": 0}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
