#!/usr/bin/env bash
# labels: integration;runtime
# timeout: 600
# The Workers for Platforms patterns running in `tenantctl dev`: a dispatch worker on a wildcard route looks up
# `hostname:<host>` in a routing KV namespace and the customer's plan in another, and dispatches with the plan's
# limits (free: cpuMs 10, subRequests 5; pro: 20/20). The subrequest limit is enforced per invocation (the
# sixth fetch() of a free tenant rejects with "Too many subrequests."), a tenant stuck in a CPU loop is
# stopped and its caller's fetch() rejects with "Worker exceeded CPU time limit."; another tenant of the same
# process answers after at most the watchdog's bound, and during a second loop, once they no longer share a
# process; the looping tenant answers again afterwards (its process is restarted on demand). With
# --workers-per-process 1 (a process per tenant), a loop never stalls another tenant.
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
# Tenants packed up to 8 to a workerd process (the default): the watchdog's bound, then separation.
start_dev
W=$(jq -r '.workers_url // empty' "$STATE/dev.json")
check "workerd runs" test -n "$W"
[ -n "$W" ] || finish
tc() { "$TENANTCTL" --local "$@"; }
until_status() {  # CODE TIMEOUT_S HOST PATH [curl args…]
  local code=$1 end=$((SECONDS + $2)) host=$3 path=$4; shift 4
  while [ $SECONDS -lt $end ]; do wcall "$host" "$@" "$W$path"; [ "$STATUS" = "$code" ] && return 0; sleep 0.2; done
  return 1
}

tc dispatch-namespace create production >/dev/null
routing=$(tc --json kv namespace create routing | jq -r '.result.id // .id')
customers=$(tc --json kv namespace create customers | jq -r '.result.id // .id')

d=$WORK/dispatch
mkdir -p "$d"
cat >"$d/index.ts" <<'TS'
interface Env { DISPATCHER: any; ROUTING_KV: KVNamespace; CUSTOMERS_KV: KVNamespace }
const plans = { enterprise: { cpuMs: 50, subRequests: 50 }, pro: { cpuMs: 20, subRequests: 20 }, free: { cpuMs: 10, subRequests: 5 } };
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const hostname = new URL(request.url).hostname;
    const hostnameData = await env.ROUTING_KV.get<{ workerName: string }>(`hostname:${hostname}`, { type: "json" });
    if (!hostnameData?.workerName) return new Response("Hostname not configured", { status: 404 });
    const plan = await env.CUSTOMERS_KV.get(hostnameData.workerName);
    const limits = plans[plan as keyof typeof plans] || plans.free;
    try {
      return await env.DISPATCHER.get(hostnameData.workerName, {}, { limits }).fetch(request);
    } catch (e: any) {
      return new Response(`dispatch failed: ${e.message}`, { status: 502 });
    }
  },
};
TS
cat >"$d/wrangler.toml" <<TOML
name = "platform"
main = "index.ts"
compatibility_date = "2026-01-01"
routes = [{ pattern = "*.saas.test/*", zone_name = "saas.test" }]
kv_namespaces = [{ binding = "ROUTING_KV", id = "$routing" }, { binding = "CUSTOMERS_KV", id = "$customers" }]
[[dispatch_namespaces]]
binding = "DISPATCHER"
namespace = "production"
TOML
(cd "$d" && tc deploy) >"$WORK/d.out" 2>&1 || { cat "$WORK/d.out"; exit 1; }

t=$WORK/tenant
mkdir -p "$t"
cat >"$t/index.js" <<'JS'
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/fetches") {
      const out = [];
      for (let i = 0; i < 8; i++) {
        try { await fetch("http://127.0.0.1:9/"); out.push("sent"); } catch (e) { out.push(e.message); }
      }
      return Response.json(out);
    }
    if (url.pathname === "/loop") { for (;;) {} }
    return new Response(`hello from ${env.NAME} at ${url.hostname}`);
  },
};
JS
deploy_tenant() {  # NAME
  printf '{"name":"%s","main":"index.js","compatibility_date":"2026-01-01","vars":{"NAME":"%s"}}' "$1" "$1" >"$t/wrangler.json"
  (cd "$t" && tc deploy --dispatch-namespace production) >/dev/null 2>&1
}
for n in acme globex; do deploy_tenant "$n"; done
for n in acme globex; do
  echo -n "{\"workerName\":\"$n\"}" | tc kv key put --namespace-id "$routing" "hostname:$n.saas.test" >/dev/null
done
echo -n free | tc kv key put --namespace-id "$customers" acme >/dev/null
echo -n pro | tc kv key put --namespace-id "$customers" globex >/dev/null

until_status 200 60 acme.saas.test / || true
check "a route pattern and a KV lookup of hostname:<host> pick the tenant" \
  bash -c '[ "$STATUS" = 200 ] && [ "$OUT" = "hello from acme at acme.saas.test" ]'
wcall globex.saas.test "$W/"
check "another hostname, another tenant" bash -c '[ "$STATUS" = 200 ] && [ "$OUT" = "hello from globex at globex.saas.test" ]'
wcall nobody.saas.test "$W/"
check "a hostname with no mapping: the dispatcher's own 404" bash -c '[ "$STATUS" = 404 ] && [ "$OUT" = "Hostname not configured" ]'

wcall acme.saas.test "$W/fetches"
check "free plan (subRequests 5): the sixth fetch() of one invocation rejects with \"Too many subrequests.\"" \
  bash -c '[ "$STATUS" = 200 ] && jq -e "(.[0:5] | all(. != \"Too many subrequests.\")) and (.[5:] | all(. == \"Too many subrequests.\"))" <<<"$OUT" >/dev/null'
wcall acme.saas.test "$W/fetches"
check "the count is per invocation: the next request may make 5 again" \
  bash -c 'jq -e "[.[] | select(. == \"Too many subrequests.\")] | length == 3" <<<"$OUT" >/dev/null'
wcall globex.saas.test "$W/fetches"
check "pro plan (subRequests 20): eight fetch() calls are all made" \
  bash -c 'jq -e "all(. != \"Too many subrequests.\")" <<<"$OUT" >/dev/null'

# A tenant stuck in a loop. acme and globex share a workerd process (packed, the default): the loop
# stalls both until the watchdog stops the process, a bounded time; globex's request waits on its own socket and
# is answered by globex's next process. Both then run alone for a while.
curl -sS --max-time 60 -o "$WORK/loop.body" -w '%{http_code}' -H 'Host: acme.saas.test' "$W/loop" >"$WORK/loop.status" 2>/dev/null &
loop=$!
sleep 0.5
wcall globex.saas.test --max-time 30 "$W/"
check "while acme loops, globex answers (after at most the watchdog's bound, as they shared a process)" \
  bash -c '[ "$STATUS" = 200 ] && grep -q "hello from globex" <<<"$OUT"'
wait "$loop" || true
check "the looping tenant's caller gets \"Worker exceeded CPU time limit.\"" \
  bash -c '[ "$(cat "$0")" = 502 ] && grep -q "Worker exceeded CPU time limit." "$1"' "$WORK/loop.status" "$WORK/loop.body"
check "tenantctl dev reports the stop, naming the process's tenants" \
  grep -q "production/acme, production/globex: stopped after .*they share no process for the next 10 minutes" "$WORK/dev.stderr"
wcall acme.saas.test "$W/"
check "the stopped tenant answers again on its next request" bash -c '[ "$STATUS" = 200 ] && grep -q "hello from acme" <<<"$OUT"'

# A second loop: acme now runs alone, and globex answers while acme's caller still waits.
# loop_beside_globex NAME WHAT: acme loops (its caller's answer in $WORK/NAME.*) while globex is called; checks
# that globex answers before acme's caller is answered, and that the caller then gets the limit's error.
loop_beside_globex() {
  curl -sS --max-time 60 -o "$WORK/$1.body" -w '%{http_code}' -H 'Host: acme.saas.test' "$W/loop" >"$WORK/$1.status" 2>/dev/null &
  local loop=$! during=no
  sleep 0.5
  wcall globex.saas.test --max-time 30 "$W/"
  kill -0 "$loop" 2>/dev/null && during=yes
  check "$2: globex answers while acme's caller still waits" \
    bash -c '[ "$STATUS" = 200 ] && grep -q "hello from globex" <<<"$OUT" && [ "$0" = yes ]' "$during"
  wait "$loop" || true
  check "$2: acme's caller gets \"Worker exceeded CPU time limit.\"" \
    bash -c '[ "$(cat "$0")" = 502 ] && grep -q "Worker exceeded CPU time limit." "$1"' "$WORK/$1.status" "$WORK/$1.body"
}
loop_beside_globex loop2 "acme loops again (globex is in a process of its own now)"
check "tenantctl dev reports the stop of acme alone" grep -q "production/acme: stopped after" "$WORK/dev.stderr"

# A process per tenant (--workers-per-process 1), on the same state: globex answers at once while acme loops.
stop_dev
start_dev --workers-per-process 1
W=$(jq -r '.workers_url // empty' "$STATE/dev.json")
wcall globex.saas.test --max-time 30 "$W/"
check "with a process per tenant, globex answers" bash -c '[ "$STATUS" = 200 ] && grep -q "hello from globex" <<<"$OUT"'
loop_beside_globex loop3 "a process per tenant"
if [ "$FAILS" -ne 0 ]; then echo "--- workers.log"; tail -n 40 "$STATE/workers.log"; fi
finish
