#!/usr/bin/env bash
# Benchmark of live tails in `tenantctl dev`: 100 tenants behind a dispatcher, `tenants tail --namespace` (one
# tail per tenant, json to a file).
# 1. End to end: a load generator sends N requests (BENCH_TAIL_REQUESTS, default 5,000) as fast as the runtime
#    answers them, each tenant logging LOGS lines per request (BENCH_TAIL_LOGS, default 1). Prints records the
#    platform recorded for the namespace (its analytics), records the tail received (lost = recorded -
#    received), the rate, and the baseline: the runtime's own request rate with no tail open (same run). On 2
#    cores the runtime, not the tail, bounds this rate.
# 2. The tail path alone: the platform publishes M synthetic records (BENCH_TAIL_SYNTHETIC, default 50,000;
#    `--test-hooks` POST /__dev/publish on the tail server) for the same 100 tenants as fast as its hub takes
#    them; the same `tenants tail` receives them. Prints published, received, lost and records/s from the first
#    published to the last received. Target: >= 5,000 records/s, 0 lost. Loopback only; asserts nothing.
# usage: tests/bench/tail.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${TENANTCTL_BUILD_DIR:-$root/build}}
tc=${TENANTCTL:-$build/cli/tenantctl}
N=${BENCH_TAIL_REQUESTS:-5000}
LOGS=${BENCH_TAIL_LOGS:-1}
work=$(mktemp -d)
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data
mkdir -p "$HOME"
"$tc" dev --no-containers --test-hooks --listen 127.0.0.1:0 --state-dir "$work/state" 2>"$work/dev.log" &
pid=$!
tpid=
trap 'kill $tpid 2>/dev/null || true; kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; [ -n "${BENCH_KEEP:-}" ] && cp -r "$work" /tmp/benchwork; rm -rf "$work"' EXIT
for _ in $(seq 1 400); do [ -s "$work/state/dev.json" ] && break; sleep 0.05; done
W=$(jq -r .workers_url "$work/state/dev.json")
export W N LOGS
python3 - "$XDG_CONFIG_HOME/tenantctl/profiles/local.json" <<'PY'
import json, sys, urllib.request, uuid, os
prof = json.load(open(sys.argv[1])); api = prof["api_url"]; token = prof["api_token"]; acct = prof["account_id"]
logs = int(os.environ["LOGS"])
def call(method, path, body=None, ctype="application/json"):
    req = urllib.request.Request(api + path, data=body, method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": ctype})
    return json.load(urllib.request.urlopen(req))
def upload(path, js, bindings=()):
    b = "b" + uuid.uuid4().hex
    meta = {"main_module": "index.js", "compatibility_date": "2026-01-01", "bindings": list(bindings)}
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n"
            f"{json.dumps(meta)}\r\n--{b}\r\nContent-Disposition: form-data; name=\"index.js\"; filename=\"index.js\"\r\n"
            f"Content-Type: application/javascript+module\r\n\r\n{js}\r\n--{b}--\r\n").encode()
    call("PUT", path, body, "multipart/form-data; boundary=" + b)
call("POST", f"/accounts/{acct}/workers/dispatch/namespaces", json.dumps({"name": "bench"}).encode())
tenant = ("export default { fetch(r) { for (let i = 0; i < %d; i++) console.log('line', i, r.url); "
          "return new Response('ok'); } };" % logs)
for i in range(100):
    upload(f"/accounts/{acct}/workers/dispatch/namespaces/bench/scripts/t{i:03d}", tenant)
upload(f"/accounts/{acct}/workers/scripts/bdisp",
       "export default { fetch(r, env) { return env.NS.get(r.headers.get('x-user-id')).fetch(r); } };",
       [{"type": "dispatch_namespace", "name": "NS", "namespace": "bench"}])
PY
# load N: N requests spread over the 100 tenants, 16 connections; prints requests/s.
load() {
  python3 - "$1" <<'PY'
import http.client, os, sys, time, urllib.parse
from concurrent.futures import ThreadPoolExecutor
n = int(sys.argv[1]); u = urllib.parse.urlparse(os.environ["W"])
def run(k):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    for i in range(k, n, 16):
        c.request("GET", "/r%d" % i, headers={"Host": "bdisp.localhost", "X-User-ID": "t%03d" % (i % 100)})
        c.getresponse().read()
    c.close()
t0 = time.time()
with ThreadPoolExecutor(16) as ex: list(ex.map(run, range(16)))
print("%.0f" % (n / (time.time() - t0)))
PY
}
load 200 >/dev/null  # every tenant's process started
base=$(load "$N")
recorded_before=$("$tc" --local tenants top --namespace bench --since 1h --limit 0 --json | jq '[.tenants[].requests] | add // 0')
"$tc" --local -v tenants tail --namespace bench --format json >"$work/tail.out" 2>"$work/tail.err" &
tpid=$!
for _ in $(seq 1 600); do [ "$(grep -c 'tail: opening' "$work/tail.err")" -ge 100 ] && break; sleep 0.05; done
sleep 1  # the 100 sockets open
t0=$(date +%s.%N)
rate=$(load "$N")
# Wait for the records to drain into the tail (at most 30 s after the load).
last=-1
for _ in $(seq 1 300); do
  got=$(wc -l <"$work/tail.out")
  [ "$got" -ge "$N" ] && break
  [ "$got" = "$last" ] && [ "$_" -gt 150 ] && break
  last=$got; sleep 0.1
done
t1=$(date +%s.%N)
kill -INT $tpid; wait $tpid || true; tpid=
recorded=$(( $("$tc" --local tenants top --namespace bench --since 1h --limit 0 --json | jq '[.tenants[].requests] | add // 0') - recorded_before ))
received=$(wc -l <"$work/tail.out")
grep -v "^Tail" "$work/tail.err" | sort | uniq -c | sort -rn | head -5 >&2 || true
echo "tail: $N requests to 100 tenants (${LOGS} log line(s) each), 16 connections"
echo "  baseline: the runtime answers ${base} requests/s with no tail open"
echo "  with the tail open: ${rate} requests/s"
echo "  records: recorded ${recorded}, received by tenants tail ${received}, lost $((recorded - received))"
awk -v r="$received" -v a="$t0" -v b="$t1" -v l="$LOGS" 'BEGIN { printf "  received %.0f records/s (%.0f log lines/s) from the load'"'"'s start to the last record (target >= 5000/s, 0 lost); records/s cannot exceed the runtime'"'"'s request rate above\n", r / (b - a), r * l / (b - a) }'

# 2. the tail path alone: synthetic records published inside the platform
M=${BENCH_TAIL_SYNTHETIC:-50000}
"$tc" --local -v tenants tail --namespace bench --format json >"$work/tail2.out" 2>"$work/tail2.err" &
tpid=$!
for _ in $(seq 1 600); do [ "$(grep -c 'tail: opening' "$work/tail2.err")" -ge 100 ] && break; sleep 0.05; done
sleep 1
tailhost=$(grep -o 'ws://[0-9.]*:[0-9]*' "$work/tail2.err" | head -1 | sed 's#ws://##')
t0=$(date +%s.%N)
curl -s -X POST "http://$tailhost/__dev/publish?ns=bench&prefix=t&scripts=100&records=$M&logs=$LOGS" >/dev/null
last=-1
for _ in $(seq 1 600); do
  got=$(wc -l <"$work/tail2.out")
  [ "$got" -ge "$M" ] && break
  [ "$got" = "$last" ] && [ "$_" -gt 100 ] && break
  last=$got; sleep 0.1
done
t1=$(date +%s.%N)
kill -INT $tpid; wait $tpid || true; tpid=
received=$(wc -l <"$work/tail2.out")
echo "tail path alone: $M synthetic records published in the platform for 100 tenants (${LOGS} log line(s) each)"
echo "  received by tenants tail ${received}, lost $((M - received))"
awk -v r="$received" -v a="$t0" -v b="$t1" -v l="$LOGS" 'BEGIN { printf "  received %.0f records/s (%.0f log lines/s) (target >= 5000/s, 0 lost)\n", r / (b - a), r * l / (b - a) }'
