#!/usr/bin/env bash
# labels: integration;docker;tenants
# timeout: 300
# `tenants get --app` and `tenants restart` against real containers: `tenantctl dev --containers` with a real
# docker daemon and registry; tenant acme's container starts on its first request through the router, `tenants
# get` shows it running, `tenants restart` stops exactly that instance (tenant b's keeps running) and the next
# request gets a fresh one.
set -euo pipefail
source "$(dirname "$0")/containers_common.inc"
[ -x "$echo_bin" ] || { echo "missing $echo_bin (build the tenant-echo target)" >&2; exit 1; }
no_cloudflare_env
export TENANTCTL_RATE_LIMIT=off
start_containers_dev

prof=$XDG_CONFIG_HOME/tenantctl/profiles/local.json
api=$(jq -r .api_url "$prof"); acct=$(jq -r .account_id "$prof")
(umask 077; printf 'Authorization: Bearer %s\n' "$(jq -r .api_token "$prof")" >"$tmp/auth")
call() { curl -s -H @"$tmp/auth" -H 'Content-Type: application/json' "$@"; }

# the image, pushed with credentials from the API
host=$(call "$api/accounts/$acct/containers/registries" | jq -r '.result[0].domain')
call -X POST "$api/accounts/$acct/containers/registries/$host/credentials" -d '{"expiration_minutes":15,"permissions":["push","pull"]}' >"$tmp/creds"
jq -r .result.password "$tmp/creds" | docker login -u "$(jq -r .result.username "$tmp/creds")" --password-stdin "$host" >/dev/null 2>&1
mkdir -p "$tmp/image" && cp "$echo_bin" "$tmp/image/tenant-echo"
printf 'FROM scratch\nCOPY tenant-echo /tenant-echo\nENTRYPOINT ["/tenant-echo"]\n' >"$tmp/image/Dockerfile"
docker build -q -t "$host/$acct/echo:v1" "$tmp/image" >/dev/null && docker push "$host/$acct/echo:v1" >/dev/null
call -X POST "$api/accounts/$acct/containers/applications" -d "{\"name\":\"echo\",\"scheduling_policy\":\"default\",
  \"instances\":0,\"max_instances\":5,\"configuration\":{\"image\":\"$host/$acct/echo:v1\",\"sleep_after\":\"5m\"}}" >/dev/null

# tenant workers (the worker side of the tenants) and their containers
T dispatch-namespace create production >/dev/null
printf 'export default { fetch() { return new Response("w") } }\n' >"$tmp/w.mjs"
T tenants create acme --namespace production --script "$tmp/w.mjs" >/dev/null
T tenants create b --namespace production --script "$tmp/w.mjs" >/dev/null
r="http://127.0.0.1:$rport"
a1=$(curl -s "$r/app/acme/" | jq -r .instance_id)
b1=$(curl -s "$r/app/b/" | jq -r .instance_id)
[ -n "$a1" ] && [ "$a1" != null ] && [ "$a1" != "$b1" ] && pass "acme and b have their own containers" || bad "instances: $a1 / $b1"

out=$(T tenants get acme --namespace production --app echo --json)
[ "$(jq -r .container.state <<<"$out")" = running ] && pass "tenants get --app: acme's container is running" || bad "get: $out"
[ "$(jq -r .container.instance_id <<<"$out")" = "$a1" ] && pass "tenants get --app: the right instance" || bad "get instance: $out"

out=$(T tenants restart acme --app echo --json)
[ "$(jq -r .restarted <<<"$out")" = true ] && [ "$(jq -r .instance_id <<<"$out")" = "$a1" ] &&
  pass "tenants restart stopped acme's instance" || bad "restart: $out"
b2=$(curl -s "$r/app/b/" | jq -r .instance_id)
[ "$b2" = "$b1" ] && pass "b's container kept running" || bad "b moved: $b1 -> $b2"
a2=$(curl -s "$r/app/acme/" | jq -r .instance_id)
[ -n "$a2" ] && [ "$a2" != null ] && [ "$a2" != "$a1" ] && pass "acme gets a fresh instance on its next request" || bad "after restart: $a1 -> $a2"
exit $fail
