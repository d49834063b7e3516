#!/usr/bin/env python3
"""A minimal websocket client for the router tests (stdlib only, 127.0.0.1 only).

usage: ws_client.py PORT PATH [Header: value]...
Connects to 127.0.0.1:PORT, upgrades PATH to a websocket, sends a text frame, a 70000-byte binary frame and a
ping, checks that each comes back unchanged (pong for the ping), closes, and prints one JSON line:
{"status": 101, "served_by": "...", "text_ok": true, "binary_ok": true, "pong_ok": true}
Exit status 0 only when all checks pass.
"""
import base64
import json
import os
import socket
import sys


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf


def send_frame(s, opcode, payload):
    mask = os.urandom(4)
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    s.sendall(head + mask + masked)


def recv_frame(s, pending):
    def take(n):
        nonlocal pending
        while len(pending) < n:
            chunk = s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            pending += chunk
        out, pending = pending[:n], pending[n:]
        return out

    h = take(2)
    opcode = h[0] & 0x0F
    n = h[1] & 0x7F
    if n == 126:
        n = int.from_bytes(take(2), "big")
    elif n == 127:
        n = int.from_bytes(take(8), "big")
    payload = take(n)
    return opcode, payload, pending


def main():
    port = int(sys.argv[1])
    path = sys.argv[2]
    headers = sys.argv[3:]
    key = base64.b64encode(os.urandom(16)).decode()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    req = f"GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
          f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
    for h in headers:
        req += h + "\r\n"
    s.sendall((req + "\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, pending = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    result = {"status": status, "served_by": hdrs.get("x-served-by", ""), "text_ok": False, "binary_ok": False,
              "pong_ok": False}
    if status == 101:
        send_frame(s, 0x1, b"hello tenant")
        op, payload, pending = recv_frame(s, pending)
        result["text_ok"] = op == 0x1 and payload == b"hello tenant"
        big = os.urandom(70000)
        send_frame(s, 0x2, big)
        op, payload, pending = recv_frame(s, pending)
        result["binary_ok"] = op == 0x2 and payload == big
        send_frame(s, 0x9, b"ping!")
        op, payload, pending = recv_frame(s, pending)
        result["pong_ok"] = op == 0xA and payload == b"ping!"
        send_frame(s, 0x8, b"\x03\xe8")
        try:
            recv_frame(s, pending)
        except EOFError:
            pass
    s.close()
    print(json.dumps(result))
    return 0 if status == 101 and result["text_ok"] and result["binary_ok"] and result["pong_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
