#!/usr/bin/env python3
"""Logging listeners for the token-rule test (127.0.0.1 only).

usage: token_listener.py PORTFILE LOGFILE NAME...
Starts one listener per NAME on an ephemeral 127.0.0.1 port; PORTFILE gets "NAME PORT" lines. Every request
is appended to LOGFILE as {"listener", "method", "path", "authorization"}. GET …/user/tokens/verify answers an
active token; CONNECT (a client using this listener as its https proxy, i.e. headed for a real host) is logged
with its target and refused, so nothing leaves the machine.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

portfile, logfile, names = sys.argv[1], sys.argv[2], sys.argv[3:]
lock = threading.Lock()


def handler_for(name):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def record(self):
            with lock, open(logfile, "a") as f:
                f.write(json.dumps({"listener": name, "method": self.command, "path": self.path,
                                    "authorization": self.headers.get("Authorization", "")}) + "\n")

        def do_CONNECT(self):
            self.record()
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.record()
            result = {"id": "tok-id", "status": "active"} if self.path.split("?")[0].endswith(
                "/user/tokens/verify") else {}
            out = json.dumps({"success": True, "errors": [], "messages": [], "result": result}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any

    return Handler


lines = []
for n in names:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(n))
    lines.append("%s %d\n" % (n, srv.server_address[1]))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
with open(portfile + ".tmp", "w") as f:
    f.writelines(lines)
import os
os.rename(portfile + ".tmp", portfile)
threading.Event().wait()
