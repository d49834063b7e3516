#!/usr/bin/env bash
# labels: integration;docker;platform
# timeout: 300
# `containers logs` and `tenants logs` against `tenantctl dev --containers`: a FROM-scratch image whose
# instances print a line per /log request; the output of every instance (labelled), of one tenant's instance,
# stdout and stderr told apart, --since, --follow streaming lines (and an instance that starts meanwhile) until
# Ctrl-C (exit 0); `containers list` counts the running instances. Bad input: an unknown application, a tenant
# without an instance, a bad --since; and a control plane without the logs route (as Cloudflare's) says what it
# offers instead, exit 1.
set -euo pipefail
source "$(dirname "$0")/containers_common.inc"
[ -x "$echo_bin" ] || { echo "missing $echo_bin (build the tenant-echo target)" >&2; exit 1; }
start_containers_dev

local_api

# an image in the platform's registry and an application running it
push_echo_image echo:v1
call -X POST "$api/accounts/$acct/containers/applications" -d "{\"name\":\"echo\",\"scheduling_policy\":\"default\",
  \"instances\":0,\"max_instances\":5,\"configuration\":{\"image\":\"$image\",\"sleep_after\":\"5m\"}}" >/dev/null

# two tenants, each printing a line (b on stderr)
curl -s -o /dev/null "$router/app/a/log?msg=first-a"
curl -s -o /dev/null "$router/app/b/log?msg=first-b&stream=stderr"

running=$(T --json containers list | j '[a["health"]["instances"]["active"] for a in d if a["name"]=="echo"][0]')
[ "$running" = 2 ] && pass "containers list counts 2 running instances" || bad "containers list running: $running"
T containers list | grep -E '^.*echo.* 2 ' >/dev/null && pass "the table's RUNNING column shows 2" ||
  bad "table: $(T containers list)"

out=$(T containers logs echo --format json)
j() { python3 -c 'import json,sys; d=[json.loads(l) for l in sys.stdin if l.strip()]; print(eval(sys.argv[1]))' "$1"; }
[ "$(j '[(l["instance"],l["stream"]) for l in d if l["message"]=="tenant-echo log: first-a"]' <<<"$out")" = "[('a', 'stdout')]" ] &&
  pass "containers logs: tenant a's line, labelled a, on stdout" || bad "containers logs (a): $out"
[ "$(j '[(l["instance"],l["stream"]) for l in d if l["message"]=="tenant-echo log: first-b"]' <<<"$out")" = "[('b', 'stderr')]" ] &&
  pass "containers logs: tenant b's line, labelled b, on stderr" || bad "containers logs (b): $out"
[ "$(j 'len([l for l in d if "listening on" in l["message"]])' <<<"$out")" = 2 ] &&
  pass "each instance's start-up line is there" || bad "start-up lines: $out"

out=$(T tenants logs a --app echo --format json)
[ "$(j '[l["message"] for l in d if "log:" in l["message"]]' <<<"$out")" = "['tenant-echo log: first-a']" ] &&
  pass "tenants logs a: only tenant a's output" || bad "tenants logs a: $out"
pretty=$(T tenants logs b --app echo --format pretty)
grep -q '(stderr) tenant-echo log: first-b' <<<"$pretty" && pass "pretty form marks stderr" || bad "pretty: $pretty"
out=$(T containers logs echo --format json --tail 1)
[ "$(j 'len(d)' <<<"$out")" = 2 ] && pass "--tail 1: one line per instance" || bad "--tail 1: $out"

future=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
out=$(T containers logs echo --format json --since "$future")
[ -z "$out" ] && pass "--since a future time: nothing" || bad "--since future: $out"
out=$(T containers logs echo --format json --since 1h)
[ "$(j 'len([l for l in d if "log:" in l["message"]])' <<<"$out")" = 2 ] && pass "--since 1h: both lines" || bad "--since 1h: $out"

# --follow streams new lines, from instances that start meanwhile too, until Ctrl-C
# (the binary itself in the background, not the T function: a backgrounded function is a subshell that
# would take the SIGINT)
"$TENANTCTL" --local containers logs echo --format json --follow >"$tmp/follow.out" 2>"$tmp/follow.err" &
fpid=$!
for _ in $(seq 1 100); do [ "$(grep -c 'listening on' "$tmp/follow.out" || true)" -ge 2 ] && break; sleep 0.1; done
curl -s -o /dev/null "$router/app/a/log?msg=followed-a"
curl -s -o /dev/null "$router/app/c/log?msg=followed-c"
for _ in $(seq 1 150); do grep -q 'followed-c' "$tmp/follow.out" && grep -q 'followed-a' "$tmp/follow.out" && break; sleep 0.1; done
kill -INT "$fpid"; frc=0; wait "$fpid" || frc=$?
grep -q '"tenant-echo log: followed-a"' "$tmp/follow.out" && pass "--follow streams a new line" ||
  bad "--follow: $(cat "$tmp/follow.out" "$tmp/follow.err")"
grep -q '"instance":"c".*followed-c\|followed-c.*"instance":"c"' "$tmp/follow.out" &&
  pass "--follow picks up an instance that started meanwhile" || bad "--follow new instance: $(cat "$tmp/follow.out" "$tmp/follow.err")"
[ "$(grep -c 'first-a' "$tmp/follow.out")" = 1 ] && pass "--follow prints no line twice" || bad "duplicates: $(cat "$tmp/follow.out")"
[ "$frc" = 0 ] && pass "Ctrl-C ends --follow with exit 0" || bad "--follow exit $frc"

# bad input
rc=0; err=$(T containers logs no-such-app 2>&1) || rc=$?
[ "$rc" = 1 ] && grep -q 'no-such-app' <<<"$err" && pass "unknown application: exit 1, named" || bad "unknown app: $rc $err"
rc=0; err=$(T tenants logs zz --app echo 2>&1) || rc=$?
[ "$rc" = 1 ] && grep -q "no instance serves tenant \"zz\"" <<<"$err" && pass "tenant without an instance: exit 1" ||
  bad "unknown tenant: $rc $err"
rc=0; err=$(T containers logs echo --since yesterday 2>&1) || rc=$?
[ "$rc" = 2 ] && grep -q 'yesterday' <<<"$err" && pass "bad --since: exit 2, named" || bad "bad since: $rc $err"

# a control plane without the logs route (Cloudflare's answer for an unknown route)
cat >"$tmp/nologs.py" <<'PY'
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        p = self.path.split("?")[0]
        if p.endswith("/logs"):
            code, body = 404, {"success": False, "errors": [{"code": 7003, "message": "Could not route to " + p}], "messages": [], "result": None}
        elif p.endswith("/containers/applications"):
            code, body = 200, {"success": True, "errors": [], "messages": [], "result": [{"id": "app1", "name": "web"}]}
        elif p.endswith("/instances-v2"):
            code, body = 200, {"success": True, "errors": [], "messages": [], "result": [{"id": "i1", "name": "web-1"}]}
        else:
            code, body = 404, {"success": False, "errors": [{"code": 7003, "message": "no route"}], "messages": [], "result": None}
        data = json.dumps(body).encode()
        self.send_response(code); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$tmp/nologs.py" "$tmp/nologs.port" & spid=$!
for _ in $(seq 1 50); do [ -s "$tmp/nologs.port" ] && break; sleep 0.1; done
rc=0; err=$(CLOUDFLARE_API_TOKEN=t CLOUDFLARE_ACCOUNT_ID=acct "$TENANTCTL" --api-url "http://127.0.0.1:$(cat "$tmp/nologs.port")/client/v4" \
  containers logs web 2>&1) || rc=$?
kill "$spid" 2>/dev/null || true
[ "$rc" = 1 ] && grep -q 'Workers Logs' <<<"$err" && pass "no logs route: exit 1, says where container output goes" ||
  bad "no logs route: $rc $err"

exit $fail
