#!/usr/bin/env bash
# labels: integration;docker;router;security
# timeout: 600
# Tenant isolation through the router with real containers: path traversal, encoded slashes and dots,
# conflicting ids in path/query/header/host, spoofed X-App-Id — none may reach another tenant's container.
set -euo pipefail
source "${TENANTCTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/apps/router_test_lib.sh"

router_setup --network host --default-app echo \
  --define name=echo,image=tenant-echo:v1,max=20,sleep=300 \
  --define name=other,image=tenant-echo:v1,max=20,sleep=300

# the victim's container runs
victim=$(rt_get /app/victim/ | jq -r .instance_id)
rt_check "the victim's container answers" 200 "$(rt_status)"
attacker=$(rt_get /app/attacker/ | jq -r .instance_id)

# 1. traversal and encodings: 400 from the router itself, never a container's answer
for p in "/app/attacker/../victim/" "/app/attacker/..%2Fvictim/" "/app/attacker%2F..%2Fvictim/" "/app/attacker%2fvictim/" \
         "/app/attacker/%2e%2e/victim/" "/app/attacker/%2E%2E/victim/" "/app/attacker/.%2e/victim/" \
         "/app/attacker/%5c..%5cvictim/" "/app/attacker/./../victim/" "/app/../app/victim/" "/app/attacker/.." \
         "/app/attacker/%00/victim" "/app/victim%00/" "/app/vic.tim/" "/pool/..%2Fecho/"; do
  body=$(rt_get "$p")
  rt_check "$p is refused with 400" 400 "$(rt_status)"
  rt_check "$p is answered by the router, not a container" tenantctl-router "$(rt_header X-Served-By)"
  grep -q '"instance_id"' <<<"$body" && rt_fail "$p reached a container: $body" || true
done
# a double-encoded traversal is only data for the attacker's own container
body=$(rt_get "/app/attacker/%252e%252e/victim/")
rt_check "double-encoded dots stay with the attacker" attacker "$(jq -r .tenant_id <<<"$body")"
rt_check "...and the path is passed through as data" /%252e%252e/victim/ "$(jq -r .path <<<"$body")"

# 2. conflicting ids: the documented order decides, the other ids are not passed on
body=$(rt_get /app/attacker/ -H 'X-User-ID: victim' -H 'X-Tenant-ID: victim' -H 'Host: victim.localhost')
rt_check "path beats X-User-ID/X-Tenant-ID/host" attacker "$(jq -r .tenant_id <<<"$body")"
rt_check "the conflicting X-User-ID is not forwarded" null "$(jq -r '.headers["x-user-id"]' <<<"$body")"
rt_check "the conflicting X-Tenant-ID is not forwarded" null "$(jq -r '.headers["x-tenant-id"]' <<<"$body")"
body=$(rt_get "/app/attacker/?appId=victim")
rt_check "path beats ?appId=" attacker "$(jq -r .tenant_id <<<"$body")"
body=$(rt_get "/?appId=attacker" -H 'X-User-ID: victim')
rt_check "?appId= beats X-User-ID" attacker "$(jq -r .tenant_id <<<"$body")"
body=$(rt_get / -H 'X-User-ID: attacker' -H 'Host: victim.localhost')
rt_check "X-User-ID beats the host" attacker "$(jq -r .tenant_id <<<"$body")"
# X-User-ID and X-Tenant-ID naming different tenants are ambiguous: a 400 from the router (README, "The local
# platform"), never a guess that forwards to either tenant.
body=$(rt_get / -H 'X-User-ID: attacker' -H 'X-Tenant-ID: victim')
rt_check "X-User-ID and X-Tenant-ID naming different tenants is a 400" 400 "$(rt_status)"
rt_check "...answered by the router, not a container" null "$(jq -r '.tenant_id // null' <<<"$body" 2>/dev/null || echo null)"
body=$(rt_get / -H 'X-User-ID: attacker' -H 'X-Tenant-ID: attacker')
rt_check "agreeing X-Tenant-ID is kept" attacker "$(jq -r '.headers["x-tenant-id"]' <<<"$body")"
rt_get / -H 'X-User-ID: victim/../x' -H 'Host: attacker.localhost' >/dev/null
rt_check "an invalid X-User-ID is a 400, not a fall-through to the host" 400 "$(rt_status)"
rt_get "/?appId=victim%2F" >/dev/null
rt_check "an invalid ?appId= is a 400" 400 "$(rt_status)"
rt_get / -H 'Host: victim.attacker.extra.localhost' >/dev/null
rt_check "a host with too many labels is a 400" 400 "$(rt_status)"

# 3. spoofed X-App-Id from the client is dropped and replaced
body=$(rt_get /app/attacker/ -H 'X-App-Id: victim')
rt_check "a spoofed X-App-Id is replaced by the routed id" attacker "$(jq -r '.headers["x-app-id"]' <<<"$body")"
body=$(rt_get /app/attacker/ -H 'X-App-Id: victim' -H 'x-app-id: victim2')
rt_check "every spoofed X-App-Id is dropped" attacker "$(jq -r '.headers["x-app-id"]' <<<"$body")"

# 4. the application is separate from the tenant: other.localhost form never lands in echo's containers
body=$(rt_get / -H 'Host: victim.other.localhost')
rt_check "victim.other.localhost is tenant victim" victim "$(jq -r .tenant_id <<<"$body")"
[ "$(jq -r .instance_id <<<"$body")" != "$victim" ] && rt_pass "...of application other, not echo's container" ||
  rt_fail "application other was served by echo's container"

# 5. the victim's instance saw none of the attacker's requests: its request counter is what the victim sent
count=$(rt_get /app/victim/ | jq -r .requests)
rt_check "the victim's container served only the victim's 2 requests" 2 "$count"
rt_check "the victim's instance is unchanged" "$victim" "$(rt_get /app/victim/_status | jq -r .instance_id)"
rt_check "the attacker's instance is unchanged" "$attacker" "$(rt_get /app/attacker/_status | jq -r .instance_id)"

# 6. a websocket to the attacker is served by the attacker
ws=$(python3 "$RT_WS_CLIENT" "$RT_PORT" /app/attacker/ws 'X-User-ID: victim' 'X-App-Id: victim' || true)
rt_check "a websocket with spoofed headers is served by the attacker's instance" "$attacker" "$(jq -r .served_by <<<"$ws")"

[ "$RT_FAILS" = 0 ] || { echo "$RT_FAILS check(s) failed; driver log:" >&2; tail -30 "$RT_DIR/driver.log" >&2; exit 1; }
echo "router_isolation: all checks passed" >&2
