#!/usr/bin/env bash
# labels: integration;hostile
# timeout: 600
# Hostile input for the CLI readers and the dev API (issue #17). Every CLI case must exit 0, 1 or 2 within
# its time bound with a peak RSS of at most 256 MB (/usr/bin/time -f %M) and, with --json, print exactly one
# JSON document on stdout. The dev API must answer every hostile request (no crash), stay under 256 MB
# (VmHWM) and still answer a normal request afterwards.
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
no_cloudflare_env
MAX_KB=$((256 * 1024))
H=$WORK/hostile
mkdir -p "$H"

# cli NAME SECONDS [--json-doc] [--stdin FILE] ARGS…: runs tenantctl under /usr/bin/time and timeout.
cli() {
  local name=$1 secs=$2; shift 2
  local want_json=0 input=/dev/null
  if [ "$1" = "--json-doc" ]; then want_json=1; shift; fi
  if [ "$1" = "--stdin" ]; then input=$2; shift 2; fi
  local rc=0 t0 t1
  t0=$(date +%s%N)
  timeout -k 2 "$secs" /usr/bin/time -f %M -o "$H/rss" "$TENANTCTL" "$@" <"$input" >"$H/out" 2>"$H/err" || rc=$?
  t1=$(date +%s%N)
  local kb ms
  kb=$(tail -n 1 "$H/rss" 2>/dev/null || echo 0)
  ms=$(( (t1 - t0) / 1000000 ))
  STATUS="exit $rc, ${ms} ms, ${kb} KB, stderr $(wc -c <"$H/err") bytes"; OUT=$(head -c 300 "$H/err")
  local ok=1
  case "$rc" in 0|1|2) ;; *) ok=0 ;; esac
  [ "${kb:-0}" -le "$MAX_KB" ] 2>/dev/null || ok=0
  if [ "$want_json" = 1 ]; then python3 -c 'import json,sys; json.loads(open(sys.argv[1]).read())' "$H/out" 2>/dev/null || ok=0; fi
  check "$name ($STATUS)" [ "$ok" = 1 ]
  LAST_RC=$rc
}

# ---- CLI readers ------------------------------------------------------------------------------------
cat >"$H/self.yaml" <<'Y'
namespace: production
script: ./w.js
tenants:
  - id: a
    vars: &r {A: *r}
Y
cli "tenants.yaml with a self-referencing anchor" 20 --json-doc --json tenants apply -f "$H/self.yaml" --dry-run
check "  … is refused naming k_max_yaml_depth" grep -q k_max_yaml_depth "$H/out"

python3 - "$H/laughs.yaml" <<'P'
import sys
lines = ["namespace: production", "script: ./w.js", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for i in range(1, 10):
    lines.append("a%d: &a%d [%s]" % (i, i, ",".join(["*a%d" % (i - 1)] * 9)))
lines.append("tenants:\n  - id: a\n    vars: {X: *a9}")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
P
cli "billion laughs tenants.yaml ($(wc -c <"$H/laughs.yaml") bytes)" 20 --json-doc --json tenants apply -f "$H/laughs.yaml" --dry-run
check "  … is refused naming k_max_yaml_expanded_bytes" grep -q k_max_yaml_expanded_bytes "$H/out"

python3 - "$H/shared.yaml" <<'P'
import sys
big = ", ".join('K%d: "%s"' % (i, "v" * 90) for i in range(1000))  # ~100 KB of vars
out = ["namespace: production", "script: ./w.js", "shared: &shared {%s}" % big, "tenants:"]
for i in range(20000):
    out.append("  - {id: t%d, vars: *shared}" % i)
open(sys.argv[1], "w").write("\n".join(out) + "\n")
P
cli "a 100 KB vars map shared by 20,000 tenants" 60 --json-doc --json tenants apply -f "$H/shared.yaml" --dry-run
check "  … is refused naming k_max_yaml_expanded_bytes" grep -q k_max_yaml_expanded_bytes "$H/out"

python3 -c 'import sys; open(sys.argv[1],"w").write("namespace: production\nscript: ./w.js\ntenants:\n  - id: a\n    vars: {X: " + "["*20000 + "]"*20000 + "}\n")' "$H/deep.yaml"
cli "tenants.yaml nested 20,000 deep" 20 --json-doc --json tenants apply -f "$H/deep.yaml" --dry-run

cli "tenants apply -f /dev/zero" 30 --json-doc --json tenants apply -f /dev/zero --dry-run
check "  … names k_max_input_file_bytes" grep -q k_max_input_file_bytes "$H/out"
cli "config validate -c /dev/zero" 30 --json-doc --json -c /dev/zero config validate
check "  … names k_max_config_file_bytes" grep -q k_max_config_file_bytes "$H/out"
cli "secret bulk < /dev/zero" 30 --json-doc --stdin /dev/zero --json secret bulk --name w
check "  … names k_max_input_file_bytes" grep -q k_max_input_file_bytes "$H/out"
mkdir -p "$H/proj" && printf '{"name":"w","main":"w.js","compatibility_date":"2025-01-01"}' >"$H/proj/wrangler.json" && echo 'export default {}' >"$H/proj/w.js"
cli "deploy --secrets-file /dev/zero" 30 --json-doc --json --cwd "$H/proj" deploy --dry-run --secrets-file /dev/zero
check "  … names k_max_input_file_bytes" grep -q k_max_input_file_bytes "$H/out"

python3 -c '
import json, sys
d = {"name": "w", "main": "w.js", "compatibility_date": "2025-01-01"}
for i in range(2000): d["unknown_field_%d" % i] = i
open(sys.argv[1], "w").write(json.dumps(d))' "$H/min.json"
cli "one-line wrangler.json with 2,000 unknown fields" 20 -c "$H/min.json" config validate
check "  … prints at most a bounded amount ($(wc -c <"$H/err") bytes)" [ "$(wc -c <"$H/err")" -lt 200000 ]
check "  … names k_max_diagnostics_per_file" grep -q k_max_diagnostics_per_file "$H/err"
cli "  … the same with --json" 20 --json-doc --json -c "$H/min.json" config validate
python3 -c '
import json, sys
d = {"name": "w", "main": "w.js", "compatibility_date": "2025-01-01"}
i = 0
s = json.dumps(d)
parts = []
total = 0
while total < 2_500_000:
    parts.append("\"f%d\": %d" % (i, i)); total += len(parts[-1]) + 2; i += 1
open(sys.argv[1], "w").write(s[:-1] + ", " + ", ".join(parts) + "}")' "$H/big.json"
cli "2.5 MB one-line wrangler.json" 90 -c "$H/big.json" config validate

python3 -c 'import sys; open(sys.argv[1], "w").write("a." * 100000 + "a = 1\n")' "$H/deep.toml"
cli "wrangler.toml with a dotted key 100,000 levels deep" 20 --json-doc --json -c "$H/deep.toml" config validate
check "  … is refused as nested too deep" grep -q "nested more than 1024 levels deep" "$H/out"
python3 -c '
import sys
out = ["name = \"w\"", "main = \"w.js\"", "compatibility_date = \"2025-01-01\"", "[vars]"]
total, i = 0, 0
while total < 2_500_000:
    out.append("V%d = \"%s\"" % (i, "\u00e9" * 20)); total += len(out[-1]) + 20; i += 1
open(sys.argv[1], "w", encoding="utf-8").write("\n".join(out) + "\n")' "$H/big.toml"
cli "2.5 MB wrangler.toml (non-ASCII values)" 90 -c "$H/big.toml" config validate

args=(); for i in $(seq 1 100000); do args+=("t$i"); done
cli "100,000 tags (tenants tag ID add T…)" 20 --json-doc --json tenants tag x add --namespace ns "${args[@]}"
check "  … refused as usage (exit 2) naming k_max_cli_tags" bash -c '[ "$0" = 2 ] && grep -q k_max_cli_tags "$1"' "$LAST_RC" "$H/out"
unset args

printf 'namespace: "../../x?y#z"\nscript: ./w.js\ntenants: [{id: a}]\n' >"$H/ns.yaml"
cli "tenants.yaml namespace ../../x?y#z" 20 --json-doc --json tenants apply -f "$H/ns.yaml" --dry-run
check "  … refused as an invalid namespace" grep -q "invalid namespace" "$H/out"
printf 'namespace: "a\\0b"\nscript: ./w.js\ntenants: [{id: a}]\n' >"$H/nul.yaml"
cli "tenants.yaml namespace with a NUL" 20 --json-doc --json tenants apply -f "$H/nul.yaml" --dry-run
check "  … refused as an invalid namespace" grep -q "invalid namespace" "$H/out"
cli "tenants list --namespace '../x'" 20 --json-doc --json tenants list --namespace '../x'
check "  … refused as usage (exit 2)" [ "$LAST_RC" = 2 ]

# ---- the dev API ------------------------------------------------------------------------------------
start_dev
alive() { api GET /user/tokens/verify; [ "$STATUS" = 200 ]; }
for p in "$A/storage/kv/namespaces" "$A/d1/database" "$BASE/accounts" "$BASE/memberships"; do
  api GET "$p?page=999999999999999999&per_page=50"
  check "page=999999999999999999 on ${p#$BASE} answers 200" status_is 200
done
check "  … and the server is alive" alive

api POST "$A/storage/kv/namespaces" -H 'Content-Type: application/json' --data '{"title":"h"}'
KVNS=$(printf '%s' "$OUT" | jq -r .result.id)
api PUT "$A/storage/kv/namespaces/$KVNS/values/bad%ffkey" --data-binary v
check "a KV key that is not UTF-8 is refused with 400" status_is 400
api GET "$A/storage/kv/namespaces/$KVNS/keys"
check "  … and the key listing still answers 200" status_is 200
api GET "$A/workers/scripts/x%ff/settings"
check "a script name with %ff answers 400" status_is 400

# twenty unauthenticated 99 MB POSTs to an unknown path, all at once: answered from the head
python3 - "$PORT" <<'P' >"$H/flood" || true
import socket, sys, threading, time
port = int(sys.argv[1]); codes = []; lock = threading.Lock()
def one():
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(b"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 99000000\r\n\r\n")
    chunk = b"z" * 65536
    try:
        for _ in range(200): s.sendall(chunk)   # keep pushing: the server must not buffer it
    except OSError:
        pass
    try:
        data = s.recv(100)
    except OSError:
        data = b""
    with lock: codes.append(data[9:12].decode() if len(data) >= 12 else "closed")
t0 = time.time()
ts = [threading.Thread(target=one) for _ in range(20)]
[t.start() for t in ts]; [t.join() for t in ts]
print(" ".join(sorted(codes)), "%.1fs" % (time.time() - t0))
P
STATUS=$(cat "$H/flood"); OUT=""
check "20 unauthenticated 99 MB POSTs to an unknown path: 404 or closed, fast ($STATUS)" bash -c '! grep -qE "\b(200|500)\b" "$0"' "$H/flood"
head -c 40000000 /dev/zero >"$H/big.bin"
api PUT "$A/storage/kv/namespaces/$KVNS/values/big" --data-binary @"$H/big.bin"
check "an authenticated 40 MB KV value is refused with 413 naming the limit" bash -c '[ "$STATUS" = 413 ] && grep -q k_max_api_kv_body_bytes <<<"$OUT"'
# three hundred idle connections: the server keeps answering (connections past the limit are closed)
python3 - "$PORT" "$TOKEN" <<'P' >"$H/conns" || true
import socket, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
held = []
for _ in range(300):
    try: held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError: break
time.sleep(0.5)
for s in held[:60]: s.close()
time.sleep(0.5)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(("GET /client/v4/user/tokens/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n" % token).encode())
print(s.recv(100)[9:12].decode())
P
STATUS=$(cat "$H/conns"); OUT=""
check "with 240 connections held open a new request is answered" [ "$STATUS" = 200 ]
# fifty slow heads (one byte every 0.5 s): each gets a 408 naming k_api_header_timeout after its 10 s, and a
# normal request meanwhile is answered at once
python3 - "$PORT" "$TOKEN" <<'P' >"$H/slow" || true
import socket, sys, threading, time
port, token = int(sys.argv[1]), sys.argv[2]
head = b"GET /client/v4/user/tokens/verify HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
answers = []; lock = threading.Lock()
def slow():
    s = socket.create_connection(("127.0.0.1", port), timeout=40)
    got = b""
    try:
        for i in range(len(head)):
            s.sendall(head[i:i + 1]); time.sleep(0.5)
    except OSError: pass
    try:
        while True:
            d = s.recv(4096)
            if not d: break
            got += d
    except OSError: pass
    with lock: answers.append(got)
ts = [threading.Thread(target=slow) for _ in range(50)]
[t.start() for t in ts]
time.sleep(1)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(("GET /client/v4/user/tokens/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n" % token).encode())
normal = s.recv(100)[9:12].decode()
[t.join() for t in ts]
ok = sum(1 for a in answers if a[9:12] == b"408" and b"k_api_header_timeout" in a)
print(normal, ok)
P
STATUS=$(cat "$H/slow"); OUT=""
check "with fifty slow request heads open a normal request is answered" bash -c '[[ "$0" == 200\ * ]]' "$STATUS"
check "  … and each slow head gets a 408 naming k_api_header_timeout" bash -c '[[ "$0" == *\ 50 ]]' "$STATUS"
check "the dev API is alive after all of it" alive
HWM=$(awk '/VmHWM/ {print $2}' "/proc/$DEV_PID/status")
STATUS="VmHWM ${HWM} KB"; OUT=""
check "the dev API's peak RSS stayed at most 256 MB" [ "$HWM" -le "$MAX_KB" ]
check "SIGTERM stops it with exit 0" stop_dev

# --- #12: one state directory, one platform ---
start_dev
FIRST=$DEV_PID
rc=0; timeout 20 "$TENANTCTL" dev --listen 127.0.0.1:0 --state-dir "$STATE" --no-containers >/dev/null 2>"$H/second.err" || rc=$?
STATUS="exit $rc"; OUT=$(head -c 300 "$H/second.err")
check "a second tenantctl dev on the same --state-dir is refused (exit 2)" bash -c '[ "$0" = 2 ] && grep -q "in use by another tenantctl dev" "$1"' "$rc" "$H/second.err"
DEV_PID=$FIRST
check "  … and the first one still answers" alive
check "SIGTERM stops it with exit 0" stop_dev

# --- #12: a wildcard --listen warns and the local profile points at loopback; login to plain http elsewhere warns ---
"$TENANTCTL" dev --listen 0.0.0.0:0 --state-dir "$WORK/state-any" --no-containers >/dev/null 2>"$H/any.err" &
ANY=$!
for _ in $(seq 1 200); do [ -s "$WORK/state-any/dev.json" ] && break; sleep 0.05; done
URL=$(jq -r .api_url "$XDG_CONFIG_HOME/tenantctl/profiles/local.json")
kill -TERM "$ANY"; wait "$ANY" || true
STATUS="profile url $URL"; OUT=$(head -c 300 "$H/any.err")
check "--listen 0.0.0.0 warns" grep -q "binds every network interface" "$H/any.err"
check "  … and the local profile points at 127.0.0.1" bash -c '[[ "$0" == http://127.0.0.1:* ]]' "$URL"
rc=0; printf '' | "$TENANTCTL" login --api-url http://192.0.2.1/client/v4 --profile w >/dev/null 2>"$H/login.err" || rc=$?
STATUS="exit $rc"; OUT=$(head -c 300 "$H/login.err")
check "login to plain http on another host warns (and sends nothing without a token)" grep -q "plain http to another machine" "$H/login.err"

# --- #7: a catastrophic fault pattern pins only its own request; SIGTERM still stops the platform ---
start_dev --test-hooks
curl -sS -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data '{"path_regex":"(a+)+$","status":503,"count":1}' "http://127.0.0.1:$PORT/__dev/faults"
curl -sS -m 3 -o /dev/null "$BASE/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!" 2>/dev/null &
sleep 0.5
T0=$(date +%s%N); api GET /user/tokens/verify; T1=$(date +%s%N)
STATUS="$STATUS in $(( (T1 - T0) / 1000000 )) ms"
check "with a request pinned by a catastrophic fault pattern, other requests are answered" bash -c '[[ "$0" == 200* ]]' "$STATUS"
T0=$(date +%s)
kill -TERM "$DEV_PID"; rc=0
for _ in $(seq 1 300); do kill -0 "$DEV_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$DEV_PID" 2>/dev/null; then STOPPED=no; kill -KILL "$DEV_PID"; else STOPPED=yes; fi
wait "$DEV_PID" 2>/dev/null || rc=$?
DEV_PID=""
STATUS="stopped: $STOPPED after $(( $(date +%s) - T0 )) s, exit $rc"; OUT=""
check "  … and SIGTERM still stops the platform within 30 s" [ "$STOPPED" = yes ]

# --- #15: modes with umask 000, --outdir failures, secret names, refusal exit codes ---
(umask 000; export XDG_CONFIG_HOME=$WORK/cfg000 XDG_DATA_HOME=$WORK/data000
 "$TENANTCTL" dev --listen 127.0.0.1:0 --no-containers >/dev/null 2>&1 & p=$!
 for _ in $(seq 1 200); do [ -s "$WORK/data000/tenantctl/dev/dev.json" ] && break; sleep 0.05; done
 curl -s "http://127.0.0.1:$(jq -r .port "$WORK/data000/tenantctl/dev/dev.json")/client/v4/x" >/dev/null
 kill -TERM $p; wait $p) || true
MODES=$(stat -c '%n %a' "$WORK/cfg000/tenantctl" "$WORK/cfg000/tenantctl/profiles" "$WORK/data000/tenantctl" "$WORK/data000/tenantctl/dev" "$WORK/data000/tenantctl/dev/requests.log" 2>&1)
STATUS=$(echo $MODES); OUT=""
check "with umask 000 no config/data folder or requests.log is group/world writable" python3 -c '
import sys
rows = [l.split() for l in sys.argv[1].splitlines()]
assert len(rows) == 5 and all(len(r) == 2 and int(r[1], 8) & 0o022 == 0 for r in rows), rows' "$MODES"
mkdir -p "$H/od/upload.multipart"
rc=0; "$TENANTCTL" --cwd "$H/proj" deploy --dry-run --outdir "$H/od" >/dev/null 2>"$H/outdir.err" || rc=$?
STATUS="exit $rc"; OUT=$(head -c 300 "$H/outdir.err")
check "a failed --outdir write exits 1 and writes nothing" bash -c '[ "$0" = 1 ] && [ ! -e "$1/metadata.json" ] && [ -z "$(ls -A "$1" | grep -v upload.multipart)" ]' "$rc" "$H/od"
cli "secret put 'bad key!' is refused like secret bulk refuses it" 10 --json-doc --json secret put 'bad key!' --name w
check "  … as usage (exit 2)" [ "$LAST_RC" = 2 ]
cli "tenants delete --tag x without --yes" 10 --json-doc --json tenants delete --tag x --namespace ns
T=$LAST_RC
cli "kv namespace delete without --yes" 10 --json-doc --json kv namespace delete abc
check "  … refusals share one exit code (tenants delete --tag: $T, kv namespace delete: $LAST_RC)" [ "$T" = "$LAST_RC" ]
finish
