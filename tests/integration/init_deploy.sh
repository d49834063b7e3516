#!/usr/bin/env bash
# labels: integration;init;deploy
# timeout: 180
# Every bundled template, freshly made by `tenantctl init`, deploys: `deploy --dry-run` builds each upload
# (main module only, no bundling), and against a real `tenantctl dev` the dispatcher's customer workers land in
# their dispatch namespace with their own KV and R2 bindings, the dispatcher on the account with its namespace
# binding, and the tenant worker in a namespace under a tenant id; the tenant-worker's tenants.yaml applies as it
# is. (The container-platform template's deploy through docker and the router is init_deploy_containers.)
source "$(dirname "$0")/platform_common.inc"
unset TENANTCTL_TEMPLATES_DIR
P=$WORK/projects
tc() { "$TENANTCTL" "$@"; }
for t in container-platform dispatcher tenant-worker; do
  tc init "$P/$t" --template "$t" --name "demo-$t" >/dev/null 2>"$WORK/init.err" || { cat "$WORK/init.err"; exit 1; }
done

# Dry runs: no server needed, nothing sent
dry() {  # dry NAME DIR [deploy args…]: the upload goes to $WORK/dry-NAME
  local name=$1 dir=$2; shift 2
  OUT=$(tc --cwd "$dir" deploy --dry-run --outdir "$WORK/dry-$name" --json "$@" 2>"$WORK/dry.err") && STATUS=0 || STATUS=$?
  [ "$STATUS" = 0 ] || cat "$WORK/dry.err"
}
meta() { jq -r "$1" "$WORK/dry-$2/metadata.json"; }
dry cp "$P/container-platform"
check "container-platform: deploy --dry-run exits 0" status_is 0
check "container-platform: main module index.js (the bundle) and its source map, as wrangler uploads them" \
  [ "$(meta .main_module cp) $(ls "$WORK/dry-cp/modules" | tr '\n' ' ')" = "index.js index.js index.js.map " ]
check "container-platform: the TenantApp Durable Object binding and container" \
  [ "$(meta '[.bindings[] | select(.type == "durable_object_namespace") | .class_name][0] + " " + .containers[0].class_name' cp)" = "TenantApp TenantApp" ]
check "container-platform: the sqlite migration" [ "$(meta '.migrations.steps[0].new_sqlite_classes[0]' cp)" = TenantApp ]
check "container-platform: dry run names the worker" jq_is .worker.name demo-container-platform
dry disp "$P/dispatcher"
check "dispatcher: deploy --dry-run exits 0" status_is 0
check "dispatcher: the dispatch namespace binding" \
  [ "$(meta '.bindings[] | select(.type == "dispatch_namespace") | .name + " " + .namespace' disp)" = "DISPATCHER customers" ]
for u in user1 user2; do
  dry "$u" "$P/dispatcher/customer-worker" --env "$u" --dispatch-namespace customers
  check "customer-worker --env $u: deploy --dry-run exits 0" status_is 0
  check "customer-worker --env $u: USER_KV and USER_R2 bindings" \
    [ "$(meta '[.bindings[] | select(.type == "kv_namespace" or .type == "r2_bucket") | .name] | sort | join(" ")' "$u")" = "USER_KV USER_R2" ]
  check "customer-worker --env $u: the R2 bucket is customer-$u-files" \
    [ "$(meta '.bindings[] | select(.type == "r2_bucket") | .bucket_name' "$u")" = "customer-$u-files" ]
done
kv1=$(meta '.bindings[] | select(.type == "kv_namespace") | .namespace_id' user1)
kv2=$(meta '.bindings[] | select(.type == "kv_namespace") | .namespace_id' user2)
check "customer workers have different KV namespaces ($kv1, $kv2)" test -n "$kv1" -a "$kv1" != "$kv2"
dry tw "$P/tenant-worker" --dispatch-namespace production --name acme
check "tenant-worker: deploy --dry-run --dispatch-namespace production --name acme exits 0" status_is 0
check "tenant-worker: uploads as acme" jq_is .worker.name acme

# Real deploys against tenantctl dev
start_dev
tc --local dispatch-namespace create customers >/dev/null
tc --local dispatch-namespace create production >/dev/null
for u in user1 user2; do
  OUT=$(tc --local --cwd "$P/dispatcher/customer-worker" deploy --env "$u" --dispatch-namespace customers --json 2>"$WORK/err") && STATUS=0 || STATUS=$?
  check "customer-worker --env $u deploys into customers ($(tail -1 "$WORK/err"))" jq_is .worker.uploaded true
done
OUT=$(tc --local --cwd "$P/dispatcher" deploy --json 2>"$WORK/err") && STATUS=0 || STATUS=$?
check "the dispatcher deploys ($(tail -1 "$WORK/err"))" jq_is .worker.uploaded true
OUT=$(tc --local --cwd "$P/tenant-worker" deploy --dispatch-namespace production --name acme --json 2>"$WORK/err") && STATUS=0 || STATUS=$?
check "the tenant worker deploys as acme into production ($(tail -1 "$WORK/err"))" jq_is .worker.uploaded true

api GET "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts"
check "namespace customers holds customer-user1 and customer-user2" \
  jq_is '[.result[] | (.script.id // .id)] | sort | join(",")' "customer-user1,customer-user2"
api GET "/accounts/$ACCT/workers/dispatch/namespaces/production/scripts"
check "namespace production holds acme" jq_is '[.result[] | (.script.id // .id)] | join(",")' acme
api GET "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/customer-user1/settings"
check "customer-user1 is bound to its own bucket" \
  jq_is '.result.bindings[] | select(.type == "r2_bucket") | .bucket_name' customer-user1-files
api GET "/accounts/$ACCT/workers/scripts/demo-dispatcher/settings"
check "the dispatcher has its DISPATCHER binding to customers" \
  jq_is '.result.bindings[] | select(.type == "dispatch_namespace") | .namespace' customers
# The tenant-worker template's tenants.yaml, applied as it is (into its own namespace)
tc --local dispatch-namespace create applied >/dev/null
OUT=$(ACME_API_KEY=init-deploy-key tc --local --cwd "$P/tenant-worker" tenants apply -f tenants.yaml --namespace applied --json 2>"$WORK/err") && STATUS=0 || STATUS=$?
check "tenants apply -f tenants.yaml creates acme ($(tail -1 "$WORK/err"))" jq_is '"\(.created) \(.failed)"' "1 0"
OUT=$(tc --local tenants get acme --namespace applied --json 2>"$WORK/err") && STATUS=0 || STATUS=$?
check "acme: plan pro with its limits, tags, THEME, secret API_KEY, own KV and R2" \
  jq_is '"\(.plan) \(.limits.cpu_ms)/\(.limits.subrequests) \(.tags | join(",")) \(.bindings[] | select(.name == "THEME") | .text) \(.secrets | join(",")) \(.resources | keys | join(","))"' \
  "pro 50/50 managed,customer-acme dark API_KEY kv,r2"
OUT=$(ACME_API_KEY=init-deploy-key tc --local --cwd "$P/tenant-worker" tenants apply -f tenants.yaml --namespace applied --json 2>/dev/null) || true
check "re-applying the unchanged tenants.yaml changes nothing" jq_is '"\(.created) \(.updated) \(.unchanged)"' "0 0 1"

# A second deploy of an unchanged template uploads nothing
OUT=$(tc --local --cwd "$P/dispatcher" deploy --json 2>/dev/null) || true
check "redeploying the unchanged dispatcher uploads nothing" jq_is .worker.uploaded false
finish
