#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs tenantctl's main job as far as this version goes:
#   1. installs dependencies and builds tenantctl;
#   2. validates and shows the bundled example's wrangler configuration;
#   3. starts the local platform (`tenantctl dev`) on 127.0.0.1 with its state under build/quickstart;
#   4. creates a dispatch namespace, uploads a tenant worker into it, gives it a secret, and lists it all
#      with tenantctl's own commands against the local platform;
#   5. with the platform's registry and tenant router (`--containers`; a docker daemon is started for the run
#      if none is running): pushes a FROM-scratch image of the small tenant-echo server built here, creates a
#      container application through the API, and has two tenants answer over HTTP through the router,
#      each from its own container;
#   6. stops everything it started.
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
build_dir=$(dirname "$(dirname "$TENANTCTL")")
docker_ok=0
if env_lines=$(bash "$root/tests/support/docker_env.sh" start "$state/docker" 2>"$state/docker.log"); then
  eval "$env_lines"
  docker_ok=1
else
  echo "no docker daemon could be started (see $state/docker.log): skipping the container part" >&2
fi
export DOCKER_CONFIG=$state/docker-config
export XDG_CONFIG_HOME=$state/config   # the `local` profile goes here, not into your own config
rm -f "$state/dev/dev.json"
router_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dev_args=(dev --listen 127.0.0.1:0 --state-dir "$state/dev")
[ $docker_ok = 1 ] && dev_args+=(--containers --network host --router-listen "127.0.0.1:$router_port")
"$TENANTCTL" "${dev_args[@]}" >"$state/dev.log" 2>&1 &
dev_pid=$!
cleanup() {
  kill $dev_pid 2>/dev/null; wait $dev_pid 2>/dev/null || true
  [ $docker_ok = 1 ] && bash "$root/tests/support/docker_env.sh" stop "$state/docker" >/dev/null 2>&1 || true
}
trap cleanup EXIT
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

if [ $docker_ok = 1 ] && [ -x "$build_dir/tests/apps/tenant-echo" ]; then
  step "a container per tenant, through the tenant router"
  auth=$state/auth; (umask 077; printf 'Authorization: Bearer %s\n' "$token" >"$auth")
  call() { curl -sf -H @"$auth" -H 'Content-Type: application/json' "$@"; }
  jget() { python3 -c 'import json,sys; print(eval(sys.argv[1], {"d": json.load(sys.stdin)}))' "$1"; }
  registry=$(call "$api/accounts/$account/containers/registries" | jget 'd["result"][0]["domain"]')
  creds=$(call -X POST "$api/accounts/$account/containers/registries/$registry/credentials" \
    -d '{"expiration_minutes":15,"permissions":["push","pull"]}')
  jget 'd["result"]["password"]' <<<"$creds" |
    docker login -u "$(jget 'd["result"]["username"]' <<<"$creds")" --password-stdin "$registry" >/dev/null 2>&1
  mkdir -p "$state/image" && cp "$build_dir/tests/apps/tenant-echo" "$state/image/"
  printf 'FROM scratch\nCOPY tenant-echo /tenant-echo\nENTRYPOINT ["/tenant-echo"]\n' >"$state/image/Dockerfile"
  image=$registry/$account/echo:v1
  docker build -q -t "$image" "$state/image" >/dev/null 2>&1 && docker push "$image" >/dev/null
  echo "pushed $image" >&2
  # `tenantctl deploy` will do this from the config's [[containers]]; until then it is one API call.
  # The registry gets a new port on every start, so an application kept from an earlier run is re-pointed.
  app_id=$(call "$api/accounts/$account/containers/applications" | jget '([a["id"] for a in d["result"] if a["name"]=="echo"] or [""])[0]')
  config="{\"image\":\"$image\",\"sleep_after\":\"10m\"}"
  if [ -n "$app_id" ]; then
    call -X PATCH "$api/accounts/$account/containers/applications/$app_id" -d "{\"configuration\":$config}" >/dev/null
  else
    call -X POST "$api/accounts/$account/containers/applications" \
      -d "{\"name\":\"echo\",\"scheduling_policy\":\"default\",\"instances\":0,\"max_instances\":5,\"configuration\":$config}" >/dev/null
  fi
  echo "container application 'echo' runs $image" >&2
  for tenant in acme globex; do
    echo "GET http://127.0.0.1:$router_port/app/$tenant/ ->" >&2
    curl -sf "http://127.0.0.1:$router_port/app/$tenant/" |
      jget '"  tenant %s answered from its own container %s" % (d["tenant_id"], d["instance_id"])'
  done
fi

step "done"
echo "The local platform kept its state in $state/dev; run it yourself with: $TENANTCTL dev" >&2
