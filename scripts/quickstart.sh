#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs tenantctl's main job as far as this version goes:
#   1. installs dependencies and builds tenantctl;
#   2. validates and shows the bundled example's wrangler configuration;
#   3. starts the local platform (`tenantctl dev`) on 127.0.0.1 with its state under build/quickstart;
#   4. creates a dispatch namespace, uploads a tenant worker into it, gives it a secret, and lists it all
#      with tenantctl's own commands against the local platform;
#   5. stops the platform.
# Set TENANTCTL=/path/to/tenantctl to skip the build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${TENANTCTL:-}" ]; then
  bash "$root/scripts/setup.sh" --runtime-only
  TENANTCTL=$(bash "$root/scripts/build.sh")
fi
tc() { "$TENANTCTL" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "tenantctl $(tc --version | cut -d' ' -f2): the bundled example's configuration"
tc --cwd "$root/examples/hello" config validate
tc --cwd "$root/examples/hello" config show --env staging

step "the local platform (tenantctl dev)"
state=$root/build/quickstart
mkdir -p "$state"
export XDG_CONFIG_HOME=$state/config   # the `local` profile goes here, not into your own config
rm -f "$state/dev/dev.json"
"$TENANTCTL" dev --listen 127.0.0.1:0 --state-dir "$state/dev" >"$state/dev.log" 2>&1 &
dev_pid=$!
trap 'kill $dev_pid 2>/dev/null; wait $dev_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$state/dev/dev.json" ] && break; sleep 0.1; done
[ -s "$state/dev/dev.json" ] || { cat "$state/dev.log" >&2; exit 1; }
api=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_url"])' "$state/dev/dev.json")
echo "local platform API: $api" >&2
tc --local whoami

step "a dispatch namespace and a tenant worker in it"
tc --local dispatch-namespace get quickstart >/dev/null 2>&1 || tc --local dispatch-namespace create quickstart
# Uploading a tenant worker is the job of `tenantctl deploy --dispatch-namespace` / `tenants create`, which
# are not implemented yet; until then the upload is one API call (the same multipart form wrangler sends).
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_token"])' "$XDG_CONFIG_HOME/tenantctl/profiles/local.json")
account=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account_id"])' "$XDG_CONFIG_HOME/tenantctl/profiles/local.json")
curl -sf -X PUT -H @<(printf 'Authorization: Bearer %s\n' "$token") \
  -F 'metadata={"main_module":"index.js","compatibility_date":"2025-06-01","tags":["plan:free","managed"],"keep_bindings":["secret_text"]};type=application/json' \
  -F "index.js=@$root/examples/hello/src/index.js;type=application/javascript+module;filename=index.js" \
  "$api/accounts/$account/workers/dispatch/namespaces/quickstart/scripts/acme" >/dev/null
echo "uploaded tenant worker 'acme'" >&2
printf 'quickstart-secret-value' | tc --local secret put API_KEY --dispatch-namespace quickstart --name acme
tc --local secret list --dispatch-namespace quickstart --name acme
tc --local dispatch-namespace get quickstart

step "done"
echo "The local platform kept its state in $state/dev; run it yourself with: $TENANTCTL dev" >&2
