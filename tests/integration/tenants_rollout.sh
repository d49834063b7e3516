#!/usr/bin/env bash
# labels: integration;tenants;runtime
# timeout: 420
# Rollouts against a real `tenantctl dev`: the rate-limit headers on every response (a large quota by default,
# 429 + Retry-After with --rate-limit), `tenants apply` paced by them with no 429; staged apply of 100 tenants
# (built-in plan free, no plans: in the file) with a change that makes 10% of the uploads fail: --canary 10
# stops after the canary batch, --max-error-rate stops a failing canary, --max-failures 3 stops after at most
# 3 failures (exit 3), the summary names the changed tenants, and `tenants rollback` restores every tenant's
# script content; bad input (a selector matching nothing, a canary larger than the selection) changes nothing.
# The canary's request analytics, with the tenants running in workerd and traffic through a dispatcher during
# --continue-after: a canary whose new upload throws on every request stops (exit 3, the request error rate in
# --json) and leaves the other tenants as they were; a healthy canary with traffic goes on (exit 0); a failed
# analytics read stops the rollout (exit 3).
source "$(dirname "$0")/platform_common.inc"
no_cloudflare_env
unset TENANTCTL_RATE_LIMIT
start_dev_workers --test-hooks
LOG=$STATE/requests.log
writes() { jq -s '[.[] | select(.method != "GET" and .method != "HEAD")] | length' "$LOG"; }
header() {  # header NAME: the value of a response header of GET /user/tokens/verify
  curl -sS -D - -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/user/tokens/verify" | tr -d '\r' |
    awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" -F': ' 'tolower($1) == n { print $2 }'
}

# --- the headers: unlimited by default, advertised as a large quota ---
check "Ratelimit on every response" bash -c "[[ '$(header Ratelimit)' =~ ^\\\"default\\\"\;r=[0-9]+\;t=[0-9]+$ ]]"
check "default policy: a quota of 10^9 per 300 s" [ "$(header Ratelimit-Policy)" = '"burst";q=1000000000;w=300' ]

# --- 100 tenants on the built-in plan free ---
T dispatch-namespace create prod >/dev/null
P=$WORK/p
mkdir -p "$P"
printf 'export default { fetch() { return new Response("v1") } }\n' >"$P/tenant.mjs"
{
  printf 'namespace: prod\nscript: ./tenant.mjs\ncompatibility_date: "2026-01-01"\n'
  printf 'defaults: { plan: free, tags: [fleet] }\ntenants:\n'
  for i in $(seq 1 100); do
    if [ "$i" -le 50 ]; then g=ga; else g=beta; fi
    printf '  - { id: t-%s, tags: [%s] }\n' "$i" "$g"
  done
} >"$P/tenants.yaml"
run tenants apply -f "$P/tenants.yaml" --concurrency 16 --json
check "100 tenants created" jq_is '"\(.created) \(.failed)"' "100 0"
api GET "/accounts/$ACCT/workers/dispatch/namespaces/prod/scripts/t-1/settings"
check "built-in plan free: cpu_ms 10, subrequests 5" jq_is '.result.limits | "\(.cpu_ms) \(.subrequests)"' "10 5"
content() { curl -sS -H "Authorization: Bearer $TOKEN" "$A/workers/dispatch/namespaces/prod/scripts/$1/content" | sha256sum | cut -c1-64; }
snapshot() { for i in $(seq 1 100); do printf 't-%s %s\n' "$i" "$(content "t-$i")"; done; }
snapshot >"$WORK/before"

# --- bad input: nothing changes ---
printf 'export default { fetch() { return new Response("v2") } }\n' >"$P/tenant.mjs"
W0=$(writes)
run tenants apply -f "$P/tenants.yaml" --selector tag=nope --json
check "selector matching nothing: exit 2" [ "$RC" = 2 ]
check "selector matching nothing: says so" jq_is '.error.message | test("matches none of the 100 tenant")' true
run tenants apply -f "$P/tenants.yaml" --canary 101
check "canary larger than the tenants: exit 2" [ "$RC" = 2 ]
check "canary larger than the tenants: says so" grep -q 'is larger than the selection: 100 tenant' "$WORK/err"
run tenants apply -f "$P/tenants.yaml" --selector tag=beta,plan=free --canary 60
check "canary larger than the selection: exit 2" [ "$RC" = 2 ]
check "canary larger than the selection: names it" grep -q '50 tenant(s) match --selector tag=beta,plan=free' "$WORK/err"
run tenants apply -f "$P/tenants.yaml" --selector colour=red
check "unknown selector key: exit 2" [ "$RC" = 2 ]
check "bad input: no write was sent" [ "$(writes)" = "$W0" ]

# --- a change that makes 10% of the uploads fail (t-7, t-17, …, t-97) ---
api POST "http://127.0.0.1:$PORT/__dev/faults" -H 'Content-Type: application/json' \
  --data '{"method":"PUT","path_regex":"/scripts/t-[0-9]*7$","status":400,"count":1000000}'
check "fault armed" status_is 200

run tenants apply -f "$P/tenants.yaml" --concurrency 8 --canary 10 --max-failures 3 --json
check "canary 10: exit 3 (a tenant of the canary failed)" [ "$RC" = 3 ]
check "canary 10: t-7 failed, nothing after the canary started" jq_is '"\(.failed) \(.updated) \(.skipped)"' "1 9 90"
check "canary 10: the summary names the changed tenants" \
  jq_is '.changed | sort | join(",")' "t-1,t-10,t-2,t-3,t-4,t-5,t-6,t-8,t-9"
check "canary 10: an apply id" jq_is '.apply_id | test("^[0-9]{8}T[0-9]{6}[.][0-9]{3}Z-[0-9a-f]{6}$")' true
A1=$(printf '%s' "$OUT" | jq -r .apply_id)

run tenants apply -f "$P/tenants.yaml" --concurrency 8 --canary 10 --continue-after 0s --json
check "failing canary: exit 3" [ "$RC" = 3 ]
check "failing canary: stopped after it" jq_is '.stopped' canary-failed
check "failing canary: t-7 and t-17 failed, the rest of the batch changed" jq_is '"\(.canary_failed) \(.updated)"' "2 8"
check "failing canary: no traffic, judged on its uploads (2 of 10)" \
  jq_is '.canary_verdict | "\(.no_traffic) \(.upload_failures)/\(.uploads) \(.reason | test("no traffic"))"' "true 2/10 true"

run tenants apply -f "$P/tenants.yaml" --concurrency 8 --canary 10 --continue-after 0s --max-error-rate 50% \
  --max-failures 3 --json
check "--max-failures 3: exit 3" [ "$RC" = 3 ]
check "--max-failures 3: at most 3 failures" jq_is '.failed <= 3 and .failed >= 1' true
check "--max-failures 3: stopped by it, work left" jq_is '"\(.stopped) \(.skipped > 0)"' "max-failures true"
check "--max-failures 3: the summary says which changed" jq_is '(.changed | length) == .updated' true
check "stderr says why it stopped" grep -q 'stopped after .* failure(s) (--max-failures 3)' "$WORK/err"
CHANGED=$(printf '%s' "$OUT" | jq -r '.changed | length')

# What changed on the platform is what the summaries said.
snapshot >"$WORK/during"
diff "$WORK/before" "$WORK/during" | grep -c '^>' >"$WORK/ndiff" || true
check "the platform changed exactly the tenants reported" [ "$(cat "$WORK/ndiff")" = "$((9 + 8 + CHANGED))" ]

# --- rollback: newest first, then the older ones; every script back to v1 ---
run tenants rollback --namespace prod --list --json
check "four applies recorded (the creation and three stages)" jq_is 'length' 4
run tenants rollback --namespace prod --yes --json
check "rollback 1: exit 0" [ "$RC" = 0 ]
check "rollback 1: restored the last apply's tenants" jq_is '[.items[] | select(.ok)] | length' "$CHANGED"
run tenants rollback --namespace prod --yes --json
check "rollback 2: exit 0" [ "$RC" = 0 ]
run tenants rollback --namespace prod --to "$A1" --yes --json
check "rollback --to the first apply: exit 0" [ "$RC" = 0 ]
check "rollback --to: the nine of the canary" jq_is '[.items[].id] | sort | join(",")' "t-1,t-10,t-2,t-3,t-4,t-5,t-6,t-8,t-9"
snapshot >"$WORK/after"
check "rollback restored every script's content" cmp -s "$WORK/before" "$WORK/after"
api GET "/accounts/$ACCT/workers/dispatch/namespaces/prod/scripts/t-1/settings"
check "rollback restored settings and tags" jq_is '"\(.result.limits.cpu_ms) \(.result.tags | index("fleet") != null)"' "10 true"
# The first apply created the tenants: rolling it back deletes them.
run tenants rollback --namespace prod --yes --json
check "rollback of the creation: exit 0" [ "$RC" = 0 ]
check "rollback of the creation: 100 deletes" jq_is '[.items[] | select(.action == "delete" and .ok)] | length' 100
api GET "/accounts/$ACCT/workers/dispatch/namespaces/prod/scripts"
check "rollback of the creation: no tenant left" jq_is '.result | length' 0
run tenants rollback --namespace prod --yes
check "nothing left to roll back: exit 1" [ "$RC" = 1 ]
check "nothing left to roll back: says so" grep -q 'is left to roll back' "$WORK/err"

# --- the canary's requests: tenants in workerd, traffic through a dispatcher during the watch ---
# Two namespaces (the platform counts per minute: one canary's errors must not fall in the other's window).
C=$WORK/cw
mkdir -p "$C"
printf 'export default { fetch() { return new Response("v1") } }\n' >"$C/tenant.mjs"
for ns in cwbad cwok; do
  T dispatch-namespace create "$ns" >/dev/null
  { printf 'namespace: %s\nscript: ./tenant.mjs\ncompatibility_date: "2026-01-01"\ntenants:\n' "$ns"
    for i in 1 2 3 4 5 6; do printf '  - { id: c-%s }\n' "$i"; done; } >"$C/$ns.yaml"
  run tenants apply -f "$C/$ns.yaml" --json
  check "$ns: 6 tenants created" jq_is '"\(.created) \(.failed)"' "6 0"
done
printf '{"main_module":"d.js","compatibility_date":"2025-01-01","bindings":[{"type":"dispatch_namespace","name":"cwbad","namespace":"cwbad"},{"type":"dispatch_namespace","name":"cwok","namespace":"cwok"}]}' >"$WORK/meta.json"
printf 'export default { async fetch(r, env) { try { return await env[r.headers.get("x-ns")].get(r.headers.get("x-user-id")).fetch(r); } catch (e) { return new Response(String(e), { status: 500 }); } } };' >"$WORK/d.js"
api PUT "/accounts/$ACCT/workers/scripts/cwdisp" -F "metadata=@$WORK/meta.json;type=application/json" \
  -F "d.js=@$WORK/d.js;filename=d.js;type=application/javascript+module"
check "dispatcher uploaded" status_is 200
check "a tenant answers through the dispatcher" until_ok 60 cwdisp.localhost / v1 -H 'X-NS: cwbad' -H 'X-User-ID: c-1'
# traffic NS ID…: once the apply says it is watching, requests to the tenants until $WORK/stop exists.
traffic() {
  local ns=$1; shift
  until grep -q 'watching for' "$WORK/err" 2>/dev/null; do [ -e "$WORK/stop" ] && return 0; sleep 0.05; done
  while [ ! -e "$WORK/stop" ]; do
    for id in "$@"; do
      curl -s -o /dev/null --max-time 5 -H 'Host: cwdisp.localhost' -H "X-NS: $ns" -H "X-User-ID: $id" "$W/" || true
    done
  done
}
# watched_apply NS ID…: `tenants apply --canary 2 --continue-after 3s --json` with traffic to the IDs meanwhile.
watched_apply() {
  local ns=$1; shift
  rm -f "$WORK/err" "$WORK/stop"
  traffic "$ns" "$@" &
  local tpid=$!
  run tenants apply -f "$C/$ns.yaml" --canary 2 --continue-after 3s --json
  touch "$WORK/stop"
  wait "$tpid"
  echo "# $ns: exit $RC, canary_verdict $(printf '%s' "$OUT" | jq -c .canary_verdict)"
}
tenant_says() { wcall cwdisp.localhost -H "X-NS: $1" -H "X-User-ID: $2" "$W/"; [ "$OUT" = "$3" ]; }
says_not() { ! tenant_says "$@"; }
rest_says() { local ns=$1 want=$2; shift 2; for id in "$@"; do tenant_says "$ns" "$id" "$want" || return 1; done; }

printf 'export default { fetch() { throw new Error("canary broke") } }\n' >"$C/tenant.mjs"
watched_apply cwbad c-1 c-2 c-3
check "throwing canary: exit 3" [ "$RC" = 3 ]
check "throwing canary: stopped after the canary, its uploads went through" \
  jq_is '"\(.stopped) \(.updated) \(.skipped) \(.canary_failed)"' "canary-failed 2 4 0"
check "throwing canary: the verdict read the canary's requests, errors among them" \
  jq_is '.canary_verdict | .pass == false and .traffic.requests > 0 and .traffic.errors > 0 and .traffic.error_rate > 0 and .upload_failures == 0' true
check "throwing canary: the request error rate is what it was judged on" \
  jq_is '.canary_verdict.reason | test("request error rate is above")' true
check "throwing canary: stderr says why" grep -q 'the canary batch failed: 0 of 2 upload(s) failed.*request(s) failed' "$WORK/err"
check "throwing canary: its tenant throws" says_not cwbad c-1 v1
check "throwing canary: c-3 (traffic, not in the canary) still answers v1" tenant_says cwbad c-3 v1
check "throwing canary: the rest of the tenants unchanged (c-4 … c-6 answer v1)" rest_says cwbad v1 c-4 c-5 c-6

printf 'export default { fetch() { return new Response("v2") } }\n' >"$C/tenant.mjs"
watched_apply cwok c-1 c-2
check "healthy canary with traffic: exit 0" [ "$RC" = 0 ]
check "healthy canary: all 6 updated" jq_is '"\(.stopped) \(.updated) \(.failed)"' "done 6 0"
check "healthy canary: requests read, no errors" \
  jq_is '.canary_verdict | .pass and .traffic.requests > 0 and .traffic.errors == 0 and .no_traffic == false' true
check "healthy canary: the last tenant runs the new upload" until_ok 60 cwdisp.localhost / v2 -H 'X-NS: cwok' -H 'X-User-ID: c-6'

# An analytics read that fails is a failed canary: never go on blind.
api POST "http://127.0.0.1:$PORT/__dev/faults" -H 'Content-Type: application/json' \
  --data '{"method":"POST","path_regex":"/graphql$","status":400,"count":1}'
check "analytics fault armed" status_is 200
printf 'export default { fetch() { return new Response("v3") } }\n' >"$C/tenant.mjs"
run tenants apply -f "$C/cwok.yaml" --canary 2 --continue-after 0s --json
check "failed analytics read: exit 3, stopped after the canary" jq_is '"\(.stopped) \(.updated) \(.skipped)"' "canary-failed 2 4"
check "failed analytics read: the verdict says so" \
  jq_is '.canary_verdict | .pass == false and .traffic == null and (.read_error | length > 0)' true
check "failed analytics read: stderr says why" grep -q "request analytics could not be read" "$WORK/err"
check "failed analytics read: exit code" [ "$RC" = 3 ]

# --- pacing against an enforced limit ---
stop_dev
start_dev --test-hooks --rate-limit 40/5
LOG=$STATE/requests.log
check "enforced policy advertised" [ "$(header Ratelimit-Policy)" = '"burst";q=40;w=5' ]
T dispatch-namespace create paced >/dev/null || true
sed -e 's/^namespace: prod/namespace: paced/' "$P/tenants.yaml" >"$P/paced.yaml"
L0=$(wc -l <"$LOG")
run tenants apply -f "$P/paced.yaml" --concurrency 16 --json
check "paced apply under --rate-limit 40/5: all 100 created" jq_is '"\(.created) \(.failed)"' "100 0"
tail -n +"$((L0 + 1))" "$LOG" >"$WORK/paced.log"
check "paced apply: 0 requests answered 429" [ "$(jq -s '[.[] | select(.status == 429)] | length' "$WORK/paced.log")" = 0 ]
check "paced apply: it did need more than two windows" [ "$(wc -l <"$WORK/paced.log")" -gt 80 ]
check "paced apply: the wait was shown" grep -q "waiting .* for the API's rate limit window (40 requests per 5 s)" "$WORK/err"
# Without pacing the limit is there: a burst beyond the window's 40 is answered 429 with Retry-After.
curl -sS -D "$WORK/h" -w '%{http_code}\n' -H "Authorization: Bearer $TOKEN" \
  $(for _ in $(seq 1 45); do echo "-o /dev/null $BASE/user/tokens/verify"; done) >"$WORK/codes"
check "beyond the quota: 429" grep -q '^429$' "$WORK/codes"
check "a 429 carries Retry-After" grep -qi '^retry-after: [0-9]' "$WORK/h"
finish
