#!/usr/bin/env bash
# labels: integration;docker;platform
# timeout: 300
# `tenantctl dev --containers` end to end: the platform starts a real docker-registry and the tenant router;
# credentials from the API's registry-credentials endpoint let `docker login` + `docker push` a FROM-scratch
# image; an application created through the API serves tenants through the router, one container per tenant,
# and the API's instances list shows them; deleting an instance through the API restarts that tenant.
set -euo pipefail
source "$(dirname "$0")/containers_common.inc"
[ -x "$echo_bin" ] || { echo "missing $echo_bin (build the tenant-echo target)" >&2; exit 1; }
start_containers_dev

local_api

# registries list shows the real registry; credentials from the API log docker in
host=$(call "$api/accounts/$acct/containers/registries" | j 'd["result"][0]["domain"]')
[[ $host == 127.0.0.1:* ]] && pass "the platform runs a registry on $host" || bad "registry domain: $host"
creds=$(call -X POST "$api/accounts/$acct/containers/registries/$host/credentials" -d '{"expiration_minutes":15,"permissions":["push","pull"]}')
user=$(j 'd["result"]["username"]' <<<"$creds")
j 'd["result"]["password"]' <<<"$creds" | docker login -u "$user" --password-stdin "$host" >/dev/null 2>&1 &&
  pass "docker login with credentials from the API" || bad "docker login"
mkdir -p "$tmp/image" && cp "$echo_bin" "$tmp/image/tenant-echo"
printf 'FROM scratch\nCOPY tenant-echo /tenant-echo\nENTRYPOINT ["/tenant-echo"]\n' >"$tmp/image/Dockerfile"
docker build -q -t "$host/$acct/echo:v1" "$tmp/image" >/dev/null && docker push "$host/$acct/echo:v1" >/dev/null &&
  pass "docker push to the platform's registry" || bad "docker build/push"

# an application through the API
app=$(call -X POST "$api/accounts/$acct/containers/applications" -d "{\"name\":\"echo\",\"scheduling_policy\":\"default\",
  \"instances\":0,\"max_instances\":5,\"configuration\":{\"image\":\"$host/$acct/echo:v1\",\"sleep_after\":\"5m\"}}")
app_id=$(j 'd["result"]["id"]' <<<"$app")
[ -n "$app_id" ] && pass "application created ($app_id)" || bad "create application: $app"

# tenants through the router
r="http://127.0.0.1:$rport"
a1=$(curl -s "$r/app/a/hello" | j 'd["tenant_id"]+" "+d["instance_id"]')
[[ $a1 == "a "* ]] && pass "tenant a answers through the router" || bad "tenant a: $a1"
a2=$(curl -s "$r/app/a/" | j 'd["tenant_id"]+" "+d["instance_id"]')
[ "$a1" = "$a2" ] && pass "tenant a keeps its instance" || bad "tenant a moved: $a1 -> $a2"
b1=$(curl -s -H 'X-User-ID: b' "$r/" | j 'd["tenant_id"]+" "+d["instance_id"]')
[[ $b1 == "b "* && ${b1#b } != "${a1#a }" ]] && pass "tenant b (X-User-ID) has its own instance" || bad "tenant b: $b1"

# the API sees the instances, and deleting one restarts that tenant
list=$(call "$api/accounts/$acct/containers/applications/$app_id/instances-v2")
n=$(j 'len([i for i in d["result"] if i["status"]["state"]=="running"])' <<<"$list")
[ "$n" = 2 ] && pass "the API lists 2 running instances" || bad "instances: $list"
inst=$(j '[i["id"] for i in d["result"] if i.get("tenant_id")=="a"][0]' <<<"$list" 2>/dev/null || true)
if [ -n "$inst" ]; then
  code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" -X DELETE "$api/accounts/$acct/containers/applications/$app_id/instances/$inst")
  [ "$code" = 200 ] && pass "DELETE instance through the API" || bad "delete instance: $code"
  a3=$(curl -s "$r/app/a/" | j 'd["tenant_id"]+" "+d["instance_id"]')
  [[ $a3 == "a "* && $a3 != "$a1" ]] && pass "tenant a has a new instance after the API restart" || bad "after restart: $a3"
else
  bad "no instance for tenant a in $list"
fi

# containers are the default when a docker daemon answers; without one, dev warns and serves the API only
kill "$dev"; wait "$dev" 2>/dev/null || true
rport2=$(free_port)
"$TENANTCTL" dev --listen 127.0.0.1:0 --router-listen "127.0.0.1:$rport2" --network host --state-dir "$tmp/state2" \
  >"$tmp/dev2.log" 2>&1 &
dev=$!
for _ in $(seq 1 200); do [ -s "$tmp/state2/dev.json" ] && break; sleep 0.1; done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$rport2/app/a/")
[ "$code" != 000 ] && grep -q 'tenant router' "$tmp/dev2.log" && pass "plain \`tenantctl dev\` runs the tenant router when docker answers" ||
  bad "no router by default (router answered $code): $(cat "$tmp/dev2.log")"
kill "$dev"; wait "$dev" 2>/dev/null || true
DOCKER_HOST=unix://$tmp/no-such.sock "$TENANTCTL" dev --listen 127.0.0.1:0 --state-dir "$tmp/state3" >"$tmp/dev3.log" 2>&1 &
dev=$!
for _ in $(seq 1 200); do [ -s "$tmp/state3/dev.json" ] && break; sleep 0.1; done
[ -s "$tmp/state3/dev.json" ] && grep -q 'warning: containers are off' "$tmp/dev3.log" &&
  pass "without docker, dev warns and serves the API" || bad "dev without docker: $(cat "$tmp/dev3.log")"
kill "$dev"; wait "$dev" 2>/dev/null || true
rc=0; DOCKER_HOST=unix://$tmp/no-such.sock timeout 20 "$TENANTCTL" dev --containers --listen 127.0.0.1:0 --state-dir "$tmp/state4" >"$tmp/dev4.log" 2>&1 || rc=$?
[ $rc = 1 ] && pass "dev --containers without docker is an error (exit 1)" || bad "dev --containers without docker: rc=$rc"
dev=""
exit $fail
