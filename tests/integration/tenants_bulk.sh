#!/usr/bin/env bash
# labels: integration;tenants
# timeout: 300
# Bulk tenant commands by tag against a real `tenantctl dev`: `tenants secret put NAME --tag T` (value on stdin) sets
# the secret on exactly the tagged tenants; `tenants restart --tag T --app A` stops the tagged tenants' instances;
# `tenants delete --tag T --purge` shows its plan, is refused off a terminal without --yes (nothing deleted), then
# deletes exactly the tagged tenants and their isolated resources; a tag matching nothing is an error; and
# `tenants create --plan free` works without a tenants.yaml (the built-in plans).
source "$(dirname "$0")/platform_common.inc"
no_cloudflare_env
unset TENANTCTL_RATE_LIMIT
start_dev --test-hooks
runin() { RC=0; OUT=$(T "$@" 2>"$WORK/err" <"$WORK/in") || RC=$?; export OUT; }

T dispatch-namespace create prod >/dev/null
P=$WORK/p
mkdir -p "$P"
printf 'export default { fetch() { return new Response("t") } }\n' >"$P/tenant.mjs"

# --- built-in plans: create --plan free without a tenants.yaml ---
cd "$P"
run tenants create solo --namespace prod --script "$P/tenant.mjs" --plan enterprise --json
check "create --plan enterprise without a tenants.yaml" jq_is '"\(.plan) \(.limits.cpu_ms) \(.limits.subrequests)"' "enterprise 50 50"
run tenants create nope --namespace prod --script "$P/tenant.mjs" --plan platinum
check "an unknown plan: exit 2, the built-in ones named" bash -c '[ "$0" = 2 ] && grep -q "enterprise, free, pro" "$1"' "$RC" "$WORK/err"

{
  printf 'namespace: prod\nscript: ./tenant.mjs\ncompatibility_date: "2026-01-01"\n'
  printf 'defaults: { plan: free, tags: [fleet] }\ntenants:\n'
  for i in 0 1 2; do printf '  - { id: tapp-%s, tags: [rs] }\n' "$i"; done
  for i in 1 2 3 4; do printf '  - { id: b-%s, tags: [beta], isolate: [kv] }\n' "$i"; done
  for i in 1 2; do printf '  - { id: g-%s, tags: [ga], isolate: [kv] }\n' "$i"; done
} >"$P/tenants.yaml"
run tenants apply -f "$P/tenants.yaml" --json
check "9 tenants created" jq_is '"\(.created) \(.failed)"' "9 0"

# --- secret put --tag ---
printf 'shared-value-42\n' >"$WORK/in"
runin tenants secret put FEATURE_KEY --tag beta --namespace prod --json
check "secret put --tag: exit 0" [ "$RC" = 0 ]
check "secret put --tag: the four beta tenants" jq_is '[.results[] | select(.status == "ok") | .id] | join(",")' "b-1,b-2,b-3,b-4"
has_secret() { api GET "$A/workers/dispatch/namespaces/prod/scripts/$1/secrets"; jq -e '.result[] | select(.name == "FEATURE_KEY")' <<<"$OUT" >/dev/null; }
check "secret set on b-3" has_secret b-3
no_secret() { ! has_secret "$1"; }
check "secret not set on g-1" no_secret g-1
check "the value never printed" bash -c '! grep -q shared-value-42 "$0" && ! grep -q shared-value-42 <<<"$1"' "$WORK/err" "$OUT"
runin tenants secret put FEATURE_KEY --tag nosuch --namespace prod
check "secret put --tag matching nothing: exit 1, says so" bash -c '[ "$0" = 1 ] && grep -q "is tagged nosuch" "$1"' "$RC" "$WORK/err"

# --- restart --tag ---
api POST "$A/containers/applications" -H 'Content-Type: application/json' \
  --data '{"name":"tapp","scheduling_policy":"default","instances":2,"max_instances":3,"configuration":{"image":"127.0.0.1:5000/acct/web:v1","instance_type":"lite"}}'
check "application created" status_is 201
run tenants restart --tag rs --namespace prod --app tapp --json
check "restart --tag: exit 0" [ "$RC" = 0 ]
check "restart --tag: instances of tapp-0 and tapp-1 stopped, tapp-2 has none" \
  jq_is '[.results[] | "\(.id)=\(.detail | split(" ")[0])"] | join(",")' "tapp-0=stopped,tapp-1=stopped,tapp-2=no"
run tenants restart tapp-1 --tag rs --namespace prod --app tapp
check "restart with an id and --tag: exit 2" [ "$RC" = 2 ]

# --- delete --tag --purge ---
kv_titles() { api GET "$A/storage/kv/namespaces?per_page=100"; jq -r '[.result[].title] | sort | join(",")' <<<"$OUT"; }
check "kv namespaces before" [ "$(kv_titles)" = "prod-b-1,prod-b-2,prod-b-3,prod-b-4,prod-g-1,prod-g-2" ]
run tenants delete --tag beta --purge --namespace prod
check "delete --tag --purge off a terminal without --yes: refused" [ "$RC" != 0 ]
check "refused: the plan was shown first" grep -q 'delete b-3 and kv:prod-b-3' <<<"$OUT"
check "refused: nothing deleted" [ "$(kv_titles)" = "prod-b-1,prod-b-2,prod-b-3,prod-b-4,prod-g-1,prod-g-2" ]
run tenants delete --tag beta --purge --namespace prod --yes --json
check "delete --tag --purge --yes: exit 0" [ "$RC" = 0 ]
check "delete --tag --purge: the plan in --json" jq_is '[.plan[].id] | join(",")' "b-1,b-2,b-3,b-4"
check "delete --tag --purge: four deleted" jq_is '[.results[] | select(.status == "ok")] | length' 4
check "their kv namespaces purged, the others kept" [ "$(kv_titles)" = "prod-g-1,prod-g-2" ]
run tenants list --namespace prod --json
check "the other tenants kept" jq_is 'map(.id) | sort | join(",")' "g-1,g-2,solo,tapp-0,tapp-1,tapp-2"
finish
