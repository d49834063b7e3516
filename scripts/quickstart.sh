#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs tenantctl's main job as far as this version goes:
#   1. installs dependencies and builds tenantctl;
#   2. validates and shows the bundled example's wrangler configuration;
#   3. starts the local platform (`tenantctl dev`) on 127.0.0.1 with its state under build/quickstart;
#   4. scaffolds the tenant-worker template and deploys it into a dispatch namespace as tenant "acme", gives
#      it a secret and lists it, all with tenantctl's own commands against the local platform;
#   5. with the platform's registry and tenant router (`--containers`; a docker daemon is started for the run
#      if none is running): scaffolds the container-platform template and runs `tenantctl deploy` (docker
#      build of a FROM-scratch image, push with API-issued credentials, worker upload, container
#      application), deploys again (nothing changed: nothing sent but reads), and has two tenants answer over
#      HTTP through the router, each from its own container;
#   6. scaffolds the dispatcher template and deploys a dispatcher and two customer workers, which run in
#      workerd: each customer's request (X-User-ID) reaches its own worker with its own KV data;
#   7. stops everything it started.
# Set TENANTCTL=/path/to/tenantctl to skip the build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
if [ -z "${TENANTCTL:-}" ]; then
  step "dependencies (scripts/setup.sh --runtime-only)"
  bash "$root/scripts/setup.sh" --runtime-only
  step "build (tenantctl only; scripts/test.sh builds the tests)"
  TENANTCTL=$(TENANTCTL_BUILD_TARGETS=tenantctl bash "$root/scripts/build.sh")
fi
tc() { "$TENANTCTL" "$@"; }

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
rm -rf "$state/dev"   # every run starts from a fresh local platform
router_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dev_args=(dev --listen 127.0.0.1:0 --state-dir "$state/dev")
if [ $docker_ok = 1 ]; then
  dev_args+=(--containers --network host --router-listen "127.0.0.1:$router_port" --app platform-tenantapp)
else
  dev_args+=(--no-containers)
fi
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

step "a tenant worker in a dispatch namespace (tenantctl init + deploy --dispatch-namespace)"
rm -rf "$state/tenant-worker"
tc init "$state/tenant-worker" --template tenant-worker --name tenant-worker
tc --local dispatch-namespace get quickstart >/dev/null 2>&1 || tc --local dispatch-namespace create quickstart
tc --local --cwd "$state/tenant-worker" deploy --dispatch-namespace quickstart --name acme
printf 'quickstart-secret-value' | tc --local secret put API_KEY --dispatch-namespace quickstart --name acme
tc --local secret list --dispatch-namespace quickstart --name acme
tc --local dispatch-namespace get quickstart

if [ $docker_ok = 1 ]; then
  step "a container per tenant behind the router (tenantctl init --template container-platform + deploy)"
  rm -rf "$state/platform"
  tc init "$state/platform" --template container-platform --name platform
  # deploy: docker build (linux/amd64, FROM scratch) -> push with API-issued registry credentials ->
  # worker upload -> container application; the second deploy finds nothing changed and sends only reads.
  tc --local --cwd "$state/platform" deploy
  tc --local --cwd "$state/platform" deploy
  jget() { python3 -c 'import json,sys; print(eval(sys.argv[1], {"d": json.load(sys.stdin)}))' "$1"; }
  for tenant in acme globex; do
    echo "GET http://127.0.0.1:$router_port/app/$tenant/ ->" >&2
    curl -sf "http://127.0.0.1:$router_port/app/$tenant/" |
      jget '"  tenant %s answered from its own container %s" % (d["tenant_id"], d["instance_id"])'
  done
  tc --local containers list
fi

step "a dispatcher and two customer workers, running in workerd (tenantctl init --template dispatcher)"
workers=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("workers_url", ""))' "$state/dev/dev.json")
if [ -z "$workers" ]; then
  echo "workers do not run: workerd was not found (scripts/setup.sh installs it); see $state/dev.log" >&2
  exit 1
fi
rm -rf "$state/dispatcher"
tc init "$state/dispatcher" --template dispatcher --name dispatcher
tc --local dispatch-namespace get customers >/dev/null 2>&1 || tc --local dispatch-namespace create customers
# The template names KV namespaces and buckets that do not exist here: the platform creates them.
for user in user1 user2; do
  tc --local --cwd "$state/dispatcher/customer-worker" deploy --env "$user" --dispatch-namespace customers
done
tc --local --cwd "$state/dispatcher" deploy
call() { curl -s -H 'Host: dispatcher.localhost' "$@"; }
for _ in $(seq 1 100); do call -o /dev/null -f -H 'X-User-ID: user1' "$workers/" && break; sleep 0.1; done
for user in user1 user2; do
  call -X POST -H "X-User-ID: $user" -H 'content-type: application/json' \
    -d "{\"key\":\"greeting\",\"value\":\"hello from $user\"}" "$workers/data" >/dev/null
done
for user in user1 user2 user3; do
  echo "GET $workers/data?key=greeting (Host: dispatcher.localhost, X-User-ID: $user) ->" >&2
  call -H "X-User-ID: $user" "$workers/data?key=greeting" >&2
done

step "done"
echo "The local platform kept its state in $state/dev; run it yourself with: $TENANTCTL dev --containers" >&2
