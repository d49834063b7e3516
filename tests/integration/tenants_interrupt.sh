#!/usr/bin/env bash
# labels: integration;tenants
# timeout: 300
# Ctrl-C during `tenants apply`: no new tenant is started, the run reports what it did and exits 130; a rerun
# then leaves exactly the desired state (every tenant, its tags, digest and secret; nothing else).
source "$(dirname "$0")/platform_common.inc"
no_cloudflare_env
export TENANTCTL_RATE_LIMIT=off
start_dev --test-hooks --no-containers
LOG=$STATE/requests.log
N=60
P=$WORK/p; mkdir -p "$P"
printf 'export default { fetch() { return new Response("t") } }\n' >"$P/tenant.mjs"
{
  printf 'namespace: production\nscript: ./tenant.mjs\nplans:\n  free: { cpu_ms: 10, subrequests: 5 }\n'
  printf 'defaults: { plan: free, tags: [fleet], secrets: { API_KEY: { env: FLEET_KEY } } }\ntenants:\n'
  for i in $(seq 1 $N); do printf '  - id: t-%s\n    tags: [c%s]\n' "$i" "$i"; done
} >"$P/tenants.yaml"
export FLEET_KEY=fleet-secret-0042
"$TENANTCTL" --local dispatch-namespace create production >/dev/null

# Every upload waits 150 ms at the server, so the run is still going when Ctrl-C arrives.
curl -sS -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data '{"method":"PUT","path_regex":"/scripts/t-[0-9]+$","status":0,"delay_ms":150,"count":10000}' \
  "http://127.0.0.1:$PORT/__dev/faults" >/dev/null
puts() { jq -s '[.[] | select(.method == "PUT")] | length' "$LOG"; }
"$TENANTCTL" --local tenants apply -f "$P/tenants.yaml" --concurrency 2 --json >"$WORK/first.json" 2>"$WORK/first.err" &
APID=$!
for _ in $(seq 1 400); do [ "$(puts)" -ge 6 ] && break; sleep 0.05; done
kill -INT "$APID"
RC=0; wait "$APID" || RC=$?
OUT=$(cat "$WORK/first.json"); export OUT
check "interrupted apply exits 130" [ "$RC" = 130 ]
check "one JSON document with interrupted: true" jq_is '.interrupted' true
check "some tenants were created, some never started" bash -c 'jq -e ".created > 0 and .skipped > 0 and (.created + .failed + .skipped) == $0" <<<"$OUT" >/dev/null' "$N"
check "stderr reports what was done" grep -q 'error: interrupted: [0-9]* change(s) done, [0-9]* not started' "$WORK/first.err"
check "no tenant was started after Ctrl-C (PUTs <= created + in flight)" \
  bash -c '[ "$(jq -s "[.[] | select(.method == \"PUT\")] | length" "$0")" -le "$(($(jq .created <<<"$OUT") + 2))" ]' "$LOG"

curl -sS -X DELETE -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/__dev/faults" >/dev/null
RC=0; OUT=$("$TENANTCTL" --local tenants apply -f "$P/tenants.yaml" --concurrency 8 --json 2>"$WORK/second.err") || RC=$?
export OUT
check "rerun exits 0" [ "$RC" = 0 ]
check "rerun: created + unchanged = all" jq_is '.created + .unchanged' "$N"
check "rerun: nothing failed" jq_is '.failed' 0

# Exactly the desired state.
api GET "$A/workers/dispatch/namespaces/production/scripts"
check "exactly the $N tenants exist" jq_is '[.result[].script.id] | sort | join(",")' "$(seq 1 $N | sed 's/^/t-/' | sort | paste -sd, -)"
check "every tenant has its tags (own, default, managed, plan, digest)" \
  jq_is '[.result[].script | (.tags | map(select(startswith("tcd-") | not)) | join(",")) == "fleet,c\(.id[2:]),tenantctl,plan-free"] | all' true
check "every tenant has a digest tag" jq_is '[.result[].script.tags | map(select(test("^tcd-[0-9a-f]{40}$"))) | length == 1] | all' true
missing=0
for i in $(seq 1 $N); do
  api GET "$A/workers/dispatch/namespaces/production/scripts/t-$i/secrets"
  [ "$(jq -r '[.result[].name] | join(",")' <<<"$OUT")" = "API_KEY" ] || missing=$((missing+1))
done
check "every tenant has its secret" [ "$missing" = 0 ]
W=$(jq -s '[.[] | select(.method != "GET")] | length' "$LOG")
RC=0; OUT=$("$TENANTCTL" --local tenants apply -f "$P/tenants.yaml" --json 2>/dev/null) || RC=$?
export OUT
check "third apply: all unchanged" jq_is '.unchanged' "$N"
check "third apply: zero writes" [ "$(jq -s '[.[] | select(.method != "GET")] | length' "$LOG")" = "$W" ]
finish
