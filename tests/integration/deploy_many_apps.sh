#!/usr/bin/env bash
# labels: integration;platform
# timeout: 300
# Past 100 container applications (the API pages them 100 at a time): `deploy` finds its own application
# on the second page and modifies it instead of creating it again (which the platform refuses with 409),
# `containers info` and `containers list` find and list it, `tenants restart --app` resolves it. No docker:
# the container runs a registry image.
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
start_dev
tc() { "$TENANTCTL" --local "$@"; }
for i in $(seq -w 1 101); do
  api POST "/accounts/$ACCT/containers/applications" -H 'content-type: application/json' \
    -d '{"name":"aaa-filler-'"$i"'","scheduling_policy":"default","instances":0,"configuration":{"image":"registry.example/f:v1"}}'
  [ "$STATUS" = 201 ] || [ "$STATUS" = 200 ] || { echo "create filler $i: $STATUS $OUT"; exit 1; }
done
q=$WORK/platform
mkdir -p "$q/src"
echo 'export class Web {}; export default { async fetch() { return new Response("router"); } };' >"$q/src/index.js"
cat >"$q/wrangler.toml" <<'TOML'
name = "zz-platform"
main = "./src/index.js"
compatibility_date = "2025-06-01"
[[containers]]
class_name = "Web"
image = "registry.cloudflare.com/tenant-app:v1"
max_instances = 4
[[durable_objects.bindings]]
name = "WEB"
class_name = "Web"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Web"]
TOML
rc=0; tc --cwd "$q" deploy >"$WORK/d1.out" 2>&1 || rc=$?
check "the first deploy creates the application (the 102nd)" bash -c '[ "$0" = 0 ]' "$rc"
app=$(tc --json containers list | jq -r '[.[] | select(.name | startswith("zz-platform"))][0].name // empty')
check "containers list shows it (past the first page)" test -n "$app"
sed -i 's/max_instances = 4/max_instances = 6/' "$q/wrangler.toml"
# (409 as a number of its own: the output holds the account id, which may begin with "409")
rc=0; tc --cwd "$q" deploy >"$WORK/d2.out" 2>&1 || rc=$?
check "a changed redeploy finds its application on the second page and modifies it (no 409)" \
  bash -c '[ "$0" = 0 ] && ! grep -qiE "(^|[^0-9a-z])409([^0-9a-z]|$)|already exists" "$1"' "$rc" "$WORK/d2.out"
api GET "/accounts/$ACCT/containers/applications?name=$app"
check "there is still one application of that name, now with max_instances 6" \
  bash -c 'jq -e "(.result | length) == 1 and .result[0].max_instances == 6" <<<"$OUT" >/dev/null'
rc=0; tc containers info "$app" >"$WORK/info.out" 2>&1 || rc=$?
check "containers info finds it by name" bash -c '[ "$0" = 0 ]' "$rc"
finish
