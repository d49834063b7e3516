#!/usr/bin/env python3
"""Runs a worker upload in workerd and prints what it answers.

The upload is the multipart/form-data body a client sends to the Workers API (tenantctl's
`deploy --dry-run --outdir DIR` writes DIR/upload.multipart; wrangler's `deploy --dry-run --outfile F` writes
the same kind of body). Its metadata part names the main module, compatibility date and flags and the
bindings; every other part is a module. This script turns that into a workerd config (modules embedded,
plain_text/json bindings, Durable Object classes of the same worker with in-memory storage), starts workerd on
an ephemeral 127.0.0.1 port, sends each request and prints one JSON object:
  {"metadata": {...}, "modules": [{"name", "type"}...], "responses": {"GET /path": {"status", "body"}}}

usage: workerd_run.py --workerd BIN --body FILE [--workdir DIR] [--main M [--compatibility-date D]] REQUEST...
       REQUEST is "/path" or "METHOD /path"; workerd's own output goes to DIR/workerd.log.
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def parse_multipart(body: bytes):
    first = body.split(b"\r\n", 1)[0]
    if not first.startswith(b"--"):
        raise SystemExit("not a multipart body (no boundary on the first line)")
    boundary = first
    parts = []
    for chunk in body.split(boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, _, data = chunk.partition(b"\r\n\r\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers = {}
        for line in head.decode("utf-8").split("\r\n"):
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        disp = headers.get("content-disposition", "")
        name = re.search(r'name="((?:[^"\\]|\\.)*)"', disp)
        filename = re.search(r'filename="((?:[^"\\]|\\.)*)"', disp)
        parts.append({
            "name": name.group(1) if name else "",
            "filename": filename.group(1) if filename else None,
            "type": headers.get("content-type", ""),
            "data": data,
        })
    return parts


def capnp_string(s: str) -> str:
    return json.dumps(s)


def module_name(name: str) -> str:
    # Module names are resolved like paths: "./x.txt" imported from "index.js" is "x.txt".
    return os.path.normpath(name).lstrip("/") if name.startswith("./") else name


def build_config(parts, workdir: str, port: int, default_meta=None):
    meta = None
    modules = []
    for p in parts:
        if p["name"] == "metadata" and p["filename"] is None:
            meta = json.loads(p["data"].decode("utf-8"))
        else:
            modules.append(p)
    if meta is None:
        meta = default_meta
    if meta is None:
        raise SystemExit("the upload has no metadata part (give --main for a body of modules only)")
    main = meta.get("main_module")
    if not main:
        raise SystemExit("the metadata has no main_module (service-worker uploads are not run here)")
    kinds = {
        "application/javascript+module": "esModule",
        "application/javascript": "commonJsModule",
        "text/plain": "text",
        "application/octet-stream": "data",
        "application/wasm": "wasm",
        "application/json": "json",
    }
    entries = []
    listed = []
    main_found = False
    for i, m in enumerate(modules):
        kind = kinds.get(m["type"].split(";")[0].strip())
        listed.append({"name": m["name"], "type": m["type"]})
        if kind is None:
            continue  # source maps and the like are not modules
        path = os.path.join(workdir, "module-%d" % i)
        with open(path, "wb") as f:
            f.write(m["data"])
        entry = "(name = %s, %s = embed %s)" % (capnp_string(module_name(m["name"])), kind, capnp_string(os.path.basename(path)))
        if m["name"] == main:
            entries.insert(0, entry)
            main_found = True
        else:
            entries.append(entry)
    if not main_found:
        raise SystemExit("main_module %r is not among the modules" % main)
    bindings = []
    dos = []
    for b in meta.get("bindings", []):
        t = b.get("type")
        if t in ("plain_text", "secret_text"):
            bindings.append("(name = %s, text = %s)" % (capnp_string(b["name"]), capnp_string(b.get("text", ""))))
        elif t == "json":
            bindings.append("(name = %s, json = %s)" % (capnp_string(b["name"]), capnp_string(json.dumps(b.get("json")))))
        elif t == "durable_object_namespace" and not b.get("script_name"):
            bindings.append("(name = %s, durableObjectNamespace = (className = %s))" %
                            (capnp_string(b["name"]), capnp_string(b["class_name"])))
            dos.append(b["class_name"])
    do_lines = ""
    if dos:
        do_lines = ("  durableObjectNamespaces = [%s],\n  durableObjectStorage = (inMemory = void),\n" %
                    ", ".join("(className = %s, uniqueKey = %s, enableSql = true)" %
                              (capnp_string(c), capnp_string("tenantctl-test-" + c)) for c in sorted(set(dos))))
    flags = ", ".join(capnp_string(f) for f in meta.get("compatibility_flags", []))
    config = """using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:%d", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    %s
  ],
  compatibilityDate = %s,
  compatibilityFlags = [%s],
  bindings = [%s],
%s);
""" % (port, ",\n    ".join(entries), capnp_string(meta.get("compatibility_date", "2026-01-01")), flags,
       ", ".join(bindings), do_lines)
    return meta, listed, config


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workerd", required=True)
    ap.add_argument("--body", required=True)
    ap.add_argument("--workdir")
    ap.add_argument("--main", help="for a body without metadata (script content read back): the main module")
    ap.add_argument("--compatibility-date", default="2026-01-01")
    ap.add_argument("requests", nargs="*")
    args = ap.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="workerd-run-")
    os.makedirs(workdir, exist_ok=True)
    with open(args.body, "rb") as f:
        parts = parse_multipart(f.read())
    port = free_port()
    default_meta = None
    if args.main:
        default_meta = {"main_module": args.main, "compatibility_date": args.compatibility_date, "bindings": []}
    meta, listed, config = build_config(parts, workdir, port, default_meta)
    config_path = os.path.join(workdir, "config.capnp")
    with open(config_path, "w") as f:
        f.write(config)
    log = open(os.path.join(workdir, "workerd.log"), "wb")
    proc = subprocess.Popen([args.workerd, "serve", config_path, "--verbose"], stdout=log, stderr=log,
                            cwd=workdir)
    out = {"metadata": meta, "modules": listed, "responses": {}, "started": False}
    try:
        deadline = time.time() + 30
        while time.time() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                out["started"] = True
                break
            except OSError:
                time.sleep(0.05)
        if out["started"]:
            for r in args.requests:
                method, _, path = r.partition(" ") if " " in r else ("GET", " ", r)
                req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
                try:
                    with urllib.request.urlopen(req, timeout=20) as resp:
                        out["responses"][r] = {"status": resp.status, "body": resp.read().decode("utf-8", "replace")}
                except urllib.error.HTTPError as e:
                    out["responses"][r] = {"status": e.code, "body": e.read().decode("utf-8", "replace")}
                except Exception as e:  # noqa: BLE001 - report whatever went wrong as the answer
                    out["responses"][r] = {"status": 0, "body": "request failed: %s" % e}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    if not out["started"]:
        with open(os.path.join(workdir, "workerd.log"), "rb") as f:
            out["workerd_log"] = f.read().decode("utf-8", "replace")[-4000:]
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
