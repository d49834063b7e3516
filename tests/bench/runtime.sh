#!/usr/bin/env bash
# Benchmark of the workers runtime in `tenantctl dev` (workerd), in one run:
#   - time to first response of a never-loaded tenant with 1, 100 and 1,000 tenants deployed (target: flat,
#     <= 300 ms);
#   - dispatcher -> tenant added latency, p50/p99, against the baseline of the same code called directly as an
#     account worker (target: p50 added <= 1 ms);
#   - memory with 1,000 tenants deployed and 10 active: RSS summed over tenantctl dev and every workerd process
#     (target <= 300 MB), and PSS (the same, with the shared workerd binary counted once), with the default
#     (up to 8 tenants per workerd process) and again with a process per tenant (--workers-per-process 1, on
#     the same state directory);
#   - upload-to-serving time of a changed tenant that is running (target <= 1 s).
# Loopback only; prints figures, asserts nothing. usage: tests/bench/runtime.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${TENANTCTL_BUILD_DIR:-$root/build}}
tc=${TENANTCTL:-$build/cli/tenantctl}
work=$(mktemp -d)
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data
mkdir -p "$HOME"
pid=
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
# run_dev MODE [dev options…]: tenantctl dev on the same state directory, and the measurements of MODE
run_dev() {
  local mode=$1; shift
  rm -f "$work/state/dev.json"
  "$tc" dev --no-containers --listen 127.0.0.1:0 --state-dir "$work/state" --workers-idle 3 "$@" 2>>"$work/dev.log" &
  pid=$!
  for _ in $(seq 1 400); do [ -s "$work/state/dev.json" ] && break; sleep 0.05; done
  python3 "$work/bench.py" "$work/state/dev.json" "$XDG_CONFIG_HOME/tenantctl/profiles/local.json" "$pid" "$mode" "$*"
  kill $pid; wait $pid 2>/dev/null || true
}
cat >"$work/bench.py" <<'PY'
import http.client, json, os, sys, time, urllib.request, uuid

dev = json.load(open(sys.argv[1])); prof = json.load(open(sys.argv[2])); dev_pid = int(sys.argv[3])
mode = sys.argv[4]; how = sys.argv[5] or "up to 8 tenants per workerd process (the default)"
api = prof["api_url"]; token = prof["api_token"]; acct = prof["account_id"]
wport = int(dev["workers_url"].rsplit(":", 1)[1])

def call(method, path, body=None, ctype="application/json"):
    req = urllib.request.Request(api + path, data=body, method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": ctype})
    return json.load(urllib.request.urlopen(req))

TENANT = 'export default { fetch(req, env) { return new Response("tenant " + env.NAME + " v" + env.V); } };'
def upload(path, name, version="1", extra_bindings=(), main=TENANT):
    b = "b" + uuid.uuid4().hex
    meta = {"main_module": "index.js", "compatibility_date": "2026-01-01",
            "bindings": [{"type": "plain_text", "name": "NAME", "text": name},
                         {"type": "plain_text", "name": "V", "text": version}] + list(extra_bindings)}
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n"
            f"{json.dumps(meta)}\r\n--{b}\r\nContent-Disposition: form-data; name=\"index.js\"; filename=\"index.js\"\r\n"
            f"Content-Type: application/javascript+module\r\n\r\n{main}\r\n--{b}--\r\n").encode()
    call("PUT", path, body, "multipart/form-data; boundary=" + b)

def get(host, path="/", conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", wport, timeout=60)
    c.request("GET", path, headers={"Host": host})
    r = c.getresponse(); data = r.read()
    if conn is None: c.close()
    return r.status, data.decode()

def wait_for(host, want, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            s, body = get(host)
            if s == 200 and want in body: return
        except Exception: pass
        time.sleep(0.02)
    raise SystemExit(f"{host} never answered {want!r}")

def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(len(xs) * p))]

def memory_of_ten_active():
    # 1,000 deployed and 10 active: let every tenant go idle (--workers-idle 3), then wake ten
    time.sleep(6)
    for i in range(10): first_response(f"t{i}")
    def mem(p):
        rss = pss = 0
        try:
            for line in open(f"/proc/{p}/smaps_rollup"):
                if line.startswith("Rss:"): rss = int(line.split()[1])
                if line.startswith("Pss:"): pss = int(line.split()[1])
        except OSError: pass
        return rss, pss
    def children():
        out = []
        for x in os.listdir("/proc"):
            try:
                if x.isdigit() and open(f"/proc/{x}/stat").read().split(") ")[1].split()[1] == str(dev_pid):
                    out.append(int(x))
            except OSError: pass
        return out
    # Processes replaced while the ten were loaded drain and end: measure once their number holds for 2 s.
    n, since, end = -1, time.time(), time.time() + 30
    while time.time() < end:
        c = len(children())
        if c != n: n, since = c, time.time()
        elif time.time() - since >= 2: break
        time.sleep(0.1)
    procs = [dev_pid] + children()
    rss = sum(mem(p)[0] for p in procs) / 1024; pss = sum(mem(p)[1] for p in procs) / 1024
    print(f"memory with 1,000 deployed, 10 active, {how} ({len(procs) - 1} workerd processes): "
          f"RSS summed {rss:.0f} MB, PSS {pss:.0f} MB (target <= 300 MB)")

ns = f"/accounts/{acct}/workers/dispatch/namespaces/bench/scripts/"
def first_response(name):
    c = http.client.HTTPConnection("127.0.0.1", wport, timeout=60)
    t0 = time.perf_counter()
    c.request("GET", "/", headers={"Host": "dispatcher.localhost", "x-tenant": name})
    r = c.getresponse(); body = r.read().decode(); dt = time.perf_counter() - t0
    c.close()
    assert r.status == 200 and name in body, (r.status, body)
    return dt * 1000

if mode == "memory":
    end = time.time() + 120  # the front runs what the store holds once it is up
    while time.time() < end:
        try:
            first_response("t0"); break
        except Exception: time.sleep(0.1)
    memory_of_ten_active()
    sys.exit(0)

call("POST", f"/accounts/{acct}/workers/dispatch/namespaces", json.dumps({"name": "bench"}).encode())
DISPATCH = ('export default { async fetch(req, env) { const t = req.headers.get("x-tenant");'
            ' return env.NS.get(t).fetch(req); } };')
upload(f"/accounts/{acct}/workers/scripts/dispatcher", "dispatcher",
       extra_bindings=[{"type": "dispatch_namespace", "name": "NS", "namespace": "bench"}], main=DISPATCH)
upload(f"/accounts/{acct}/workers/scripts/direct", "direct")

rows = []
deployed = 0
fillers = 0  # t0, t1, …
for target in (1, 100, 1000):
    t0 = time.time()
    while deployed < target - 4:
        upload(ns + f"t{fillers}", f"t{fillers}"); deployed += 1; fillers += 1
    cold_names = []
    for j in range(3):  # never requested before they are measured
        name = f"cold{target}-{j}"; upload(ns + name, name); cold_names.append(name); deployed += 1
    probe = f"probe{target}"; upload(ns + probe, probe); deployed += 1
    upload_s = time.time() - t0
    end = time.time() + 120  # the front learns of new scripts asynchronously: wait for the last one
    while True:
        c = http.client.HTTPConnection("127.0.0.1", wport, timeout=60)
        c.request("GET", "/", headers={"Host": "dispatcher.localhost", "x-tenant": probe}); r = c.getresponse()
        r.read(); c.close()
        if r.status == 200 or time.time() > end: break
        time.sleep(0.05)
    rows.append((deployed, upload_s, [first_response(n) for n in cold_names]))

print(f"{'tenants deployed':>17} | {'uploads':>8} | first response of a never-loaded tenant (ms)")
for n, up, cold in rows:
    print(f"{n:>17} | {up:7.1f}s | " + ", ".join(f"{x:.0f}" for x in cold))

# latency: dispatcher -> tenant vs the same code as an account worker called directly
upload(ns + "t0", "t0") if fillers == 0 else None
first_response("t0")
# Interleaved (one request of each in turn, the order alternating), so that the machine's drift during the
# run weighs on both series alike.
def interleaved(n):
    a = http.client.HTTPConnection("127.0.0.1", wport, timeout=60); b = http.client.HTTPConnection("127.0.0.1", wport, timeout=60)
    direct, disp = [], []
    def one(c, host, extra):
        t0 = time.perf_counter(); c.request("GET", "/", headers={"Host": host, **extra}); r = c.getresponse(); r.read()
        return (time.perf_counter() - t0) * 1000
    for i in range(n + 100):
        pair = [(a, "direct.localhost", {}, direct), (b, "dispatcher.localhost", {"x-tenant": "t0"}, disp)]
        for c, host, extra, xs in (pair if i % 2 == 0 else pair[::-1]):
            x = one(c, host, extra)
            if i >= 100: xs.append(x)
    a.close(); b.close(); return direct, disp
direct, disp = interleaved(1000)
print(f"latency ms (keep-alive, 1,000 requests each, interleaved): direct p50 {pct(direct,.5):.2f} p99 {pct(direct,.99):.2f}; "
      f"through the dispatcher p50 {pct(disp,.5):.2f} p99 {pct(disp,.99):.2f}; added p50 {pct(disp,.5)-pct(direct,.5):.2f} "
      f"p99 {pct(disp,.99)-pct(direct,.99):.2f}")

memory_of_ten_active()

# upload-to-serving of a running tenant
times = []
for v in range(2, 7):
    t0 = time.perf_counter(); upload(ns + "t0", "t0", version=str(v))
    while True:
        c = http.client.HTTPConnection("127.0.0.1", wport, timeout=60)
        c.request("GET", "/", headers={"Host": "dispatcher.localhost", "x-tenant": "t0"}); r = c.getresponse()
        body = r.read().decode(); c.close()
        if f"v{v}" in body: break
        time.sleep(0.005)
    times.append((time.perf_counter() - t0) * 1000)
print("upload-to-serving of a running tenant (ms): " + ", ".join(f"{x:.0f}" for x in times) + " (target <= 1000)")
PY
run_dev all
# The same platform with a workerd process per tenant: its memory.
run_dev memory --workers-per-process 1
