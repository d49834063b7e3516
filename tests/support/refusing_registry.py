#!/usr/bin/env python3
"""A registry that accepts any login but refuses every push (403 DENIED), for deploy fault tests.
Usage: refusing_registry.py PORTFILE  (binds 127.0.0.1:0 and writes the port to PORTFILE)"""
import http.server, json, sys


class H(http.server.BaseHTTPRequestHandler):
    def _send(self, code, body=b"", ctype="application/json"):
        self.send_response(code)
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        if self.path.rstrip("/") == "/v2":
            return self._send(200, b"{}")
        self._send(404, json.dumps({"errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known"}]}).encode())

    def do_HEAD(self):
        self._send(404)

    def _deny(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self._send(403, json.dumps({"errors": [{"code": "DENIED", "message": "requested access to the resource is denied"}]}).encode())

    do_POST = do_PUT = do_PATCH = do_DELETE = _deny

    def log_message(self, *a):
        pass


s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1], "w") as f:
    f.write(str(s.server_address[1]))
s.serve_forever()
