#!/usr/bin/env bash
# labels: integration;runtime
# timeout: 600
# `tenants top` against `tenantctl dev` with the workers running: 50 tenants, tenant k gets k requests of
# scripted traffic through a dispatcher (every fifth tenant also some that throw), and top ranks them by
# requests with the exact counts and errors the runtime recorded; --tag keeps only the tagged tenants; the
# platform answers the GraphQL query shape Cloudflare's Analytics API takes and refuses another query saying so;
# bad input (a tag that matches nothing, a malformed --since, no namespace) exits 1 or 2 with a clear message.
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
start_dev
W=$(jq -r '.workers_url // empty' "$STATE/dev.json")
check "dev.json names the workers' URL (workerd found and running)" test -n "$W"
[ -n "$W" ] || { cat "$WORK/dev.stderr"; finish; }
tc() { "$TENANTCTL" --local "$@"; }

api POST "/accounts/$ACCT/workers/dispatch/namespaces" -H 'content-type: application/json' -d '{"name":"tp"}'
cat >"$WORK/t.js" <<'EOF'
export default {
  fetch(request) {
    if (new URL(request.url).pathname === "/err") throw new Error("planned");
    return new Response("ok");
  },
};
EOF
for k in $(seq 1 50); do
  id=$(printf 't%02d' "$k")
  tag='"odd"'; [ $((k % 2)) = 0 ] && tag='"even"'
  printf '{"main_module":"t.js","compatibility_date":"2025-01-01","tags":[%s]}' "$tag" >"$WORK/meta.json"
  api PUT "/accounts/$ACCT/workers/dispatch/namespaces/tp/scripts/$id" \
    -F "metadata=@$WORK/meta.json;type=application/json" -F "t.js=@$WORK/t.js;filename=t.js;type=application/javascript+module"
  [ "$STATUS" = 200 ] || { echo "upload $id: $STATUS $OUT"; exit 1; }
done
printf '{"main_module":"d.js","compatibility_date":"2025-01-01","bindings":[{"type":"dispatch_namespace","name":"NS","namespace":"tp"}]}' >"$WORK/meta.json"
printf 'export default { async fetch(r, env) { try { return await env.NS.get(r.headers.get("x-user-id")).fetch(r); } catch (e) { return new Response(String(e), { status: 500 }); } } };' >"$WORK/d.js"
api PUT "/accounts/$ACCT/workers/scripts/tdisp" -F "metadata=@$WORK/meta.json;type=application/json" \
  -F "d.js=@$WORK/d.js;filename=d.js;type=application/javascript+module"
for _ in $(seq 1 300); do
  [ "$(curl -sS -H 'Host: tdisp.localhost' -H 'X-User-ID: t01' "$W/warm" 2>/dev/null)" = ok ] && break
  sleep 0.1
done

# Traffic: tenant k gets k requests in all (one of them was the warm-up for t01); tenants 5, 10, … get 2 of
# theirs on /err (uncaught exceptions).
python3 - "$W" <<'PY'
import sys, http.client, urllib.parse
from concurrent.futures import ThreadPoolExecutor
u = urllib.parse.urlparse(sys.argv[1])
def run(k):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    n = k - 1 if k == 1 else k
    for i in range(n):
        path = "/err" if k % 5 == 0 and i < 2 else "/"
        c.request("GET", path, headers={"Host": "tdisp.localhost", "X-User-ID": "t%02d" % k})
        c.getresponse().read()
    c.close()
with ThreadPoolExecutor(8) as ex:
    list(ex.map(run, range(1, 51)))
PY
total=0
for _ in $(seq 1 150); do
  tc tenants top --namespace tp --limit 0 --json >"$WORK/top.json" 2>"$WORK/top.err" || true
  total=$(jq '[.tenants[].requests] | add // 0' "$WORK/top.json" 2>/dev/null || echo 0)
  [ "$total" = 1275 ] && break
  sleep 0.2
done
check "top counts every request (1275 = 1 + … + 50)" [ "$total" = 1275 ]
check "and ranks the 50 tenants by requests, most first, with each tenant's exact count" \
  bash -c 'jq -e "[.tenants[] | .tenant] == [range(50;0;-1) | \"t\" + (if . < 10 then \"0\" else \"\" end) + tostring] and all(.tenants[]; .requests == (.tenant[1:] | tonumber))" "$0" >/dev/null' "$WORK/top.json"
check "errors: 2 for every fifth tenant, 0 for the others" \
  bash -c 'jq -e "all(.tenants[]; .errors == (if ((.tenant[1:] | tonumber) % 5 == 0) then 2 else 0 end))" "$0" >/dev/null' "$WORK/top.json"
check "CPU time and subrequests are not measured locally: null" \
  bash -c 'jq -e ".tenants[0].cpu_p50_ms == null" "$0" >/dev/null' "$WORK/top.json"
tc tenants top --namespace tp --limit 3 >"$WORK/top.txt" 2>&1
check "the table shows the top 3 (t50 first, then t49, t48)" \
  bash -c 'awk "NR>1{print \$1}" "$0" | tr "\n" " " | grep -qx "t50 t49 t48 "' "$WORK/top.txt"
tc tenants top --namespace tp --tag even --limit 0 --json >"$WORK/even.json"
check "--tag even keeps only the 25 even tenants, still ranked" \
  bash -c 'jq -e "(.tenants | length) == 25 and .tenants[0].tenant == \"t50\" and all(.tenants[]; (.tenant[1:] | tonumber) % 2 == 0)" "$0" >/dev/null' "$WORK/even.json"

# The GraphQL endpoint itself.
api POST /graphql -H 'content-type: application/json' -d '{"query":"{ viewer { zones { httpRequests1dGroups { sum { requests } } } } }"}'
check "another GraphQL query is refused, saying what is answered" \
  bash -c 'jq -e ".data == null and (.errors[0].message | test(\"workersInvocationsAdaptive\"))" <<<"$OUT" >/dev/null'

# Bad input.
rc=0; tc tenants top --namespace tp --tag nomatch >"$WORK/b1" 2>&1 || rc=$?
check "a tag that matches nothing: exit 1 naming it" bash -c '[ "$0" = 1 ] && grep -q "has tag \"nomatch\"" "$1"' "$rc" "$WORK/b1"
rc=0; tc tenants top --namespace tp --since 5x >"$WORK/b2" 2>&1 || rc=$?
check "--since 5x: exit 2 with an example" bash -c '[ "$0" = 2 ] && grep -q "e.g. 90s, 15m, 1h or 7d" "$1"' "$rc" "$WORK/b2"
rc=0; (cd "$WORK" && "$TENANTCTL" --local tenants top >"$WORK/b3" 2>&1) || rc=$?
check "no namespace: exit 2" [ "$rc" = 2 ]
tc tenants top --namespace empty-ns >"$WORK/b4" 2>&1 || true
check "a namespace without invocations says so" grep -q 'No invocations in namespace "empty-ns"' "$WORK/b4"
finish
