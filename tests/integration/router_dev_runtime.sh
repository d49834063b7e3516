#!/usr/bin/env bash
# labels: integration;docker;router
# timeout: 600
# lib/router's DevRouter — what `tenantctl dev` plugs into lib/platform — with real docker: applications come
# as Containers application documents, the registry credentials come from registry_info(), and instances are
# listed and stopped through the platform::ContainerRuntime seam (the API's instances endpoints).
set -euo pipefail
source "${TENANTCTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/apps/router_test_lib.sh"

router_setup --network host --dev-apps @RT_DIR@/apps.json

rt_check "registry_info is a real registry, not the placeholder" false "$(jq -r .placeholder "$RT_DIR/state/ready.json")"
app=$(jq -n --arg img "$RT_REGISTRY/tenant-echo:v1" \
  '{id:"app0123456789abcdef", name:"shop", max_instances:3,
    configuration:{image:$img, sleep_after:"60s", environment_variables:[{name:"MODE", value:"dev"}]}}')
echo "[$app]" >"$RT_DIR/apps.json"

# the only application is the default one
body=$(rt_get /app/t1/)
rt_check "a tenant request reaches the application from the document" 200 "$(rt_status)"
rt_check "...served by tenant t1" t1 "$(jq -r .tenant_id <<<"$body")"
inst=$(jq -r .instance_id <<<"$body")
rt_check "the application name selects it in the host form" t2 "$(rt_get / -H 'Host: t2.shop.localhost' | jq -r .tenant_id)"

runtime_cmd() {  # JSON command -> result JSON
  echo "$1" >"$RT_DIR/state/cmd.json"
  rm -f "$RT_DIR/state/cmd-result.json"
  kill -USR1 "$RT_DRIVER_PID"
  for _ in $(seq 1 200); do [ -f "$RT_DIR/state/cmd-result.json" ] && break; sleep 0.05; done
  cat "$RT_DIR/state/cmd-result.json"
}
list=$(runtime_cmd "$(jq -n --argjson app "$app" '{op:"list", app:$app}')")
rt_check "list_instances shows 2 instances" 2 "$(jq length <<<"$list")"
rt_check "...with real states" running "$(jq -r --arg i "$inst" '.[] | select(.id == $i) | .status.state' <<<"$list")"
rt_check "...named application-tenant" shop-t1 "$(jq -r --arg i "$inst" '.[] | select(.id == $i) | .name' <<<"$list")"

res=$(runtime_cmd "$(jq -n --argjson app "$app" --arg i "$inst" '{op:"stop", app:$app, instance:$i}')")
rt_check "stop_instance (the API's DELETE instance) succeeds" true "$(jq -r .ok <<<"$res")"
list=$(runtime_cmd "$(jq -n --argjson app "$app" '{op:"list", app:$app}')")
rt_check "the stopped instance shows as stopped" stopped "$(jq -r --arg i "$inst" '.[] | select(.id == $i) | .status.state' <<<"$list")"
res=$(runtime_cmd "$(jq -n --argjson app "$app" '{op:"stop", app:$app, instance:"nope"}')")
rt_check "stopping an unknown instance fails" false "$(jq -r .ok <<<"$res")"
body=$(rt_get /app/t1/)
[ "$(jq -r .instance_id <<<"$body")" != "$inst" ] && rt_pass "the next request starts a fresh instance" ||
  rt_fail "instance $inst still serving after stop"

[ "$RT_FAILS" = 0 ] || { echo "$RT_FAILS check(s) failed; driver log:" >&2; tail -30 "$RT_DIR/driver.log" >&2; exit 1; }
echo "router_dev_runtime: all checks passed" >&2
