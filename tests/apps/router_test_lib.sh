# Sourced by tests/integration/router_*.sh and tests/bench/router.sh (bash).
# router_setup DRIVER-ARGS...: a docker daemon (tests/support/docker_env.sh), the FROM-scratch tenant-echo image
# built with `docker build`, the router driver (which starts its own registry through RegistryProcess), and
# the image pushed there with `docker login --password-stdin` + `docker push`. Sets RT_DIR, RT_PORT,
# RT_REGISTRY, DOCKER_HOST, DOCKER_CONFIG. Everything is stopped by router_cleanup (installed as EXIT trap).
set -euo pipefail

RT_SRC=${TENANTCTL_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RT_BUILD=${TENANTCTL_BUILD_DIR:-$RT_SRC/build}
RT_ECHO_BIN=$RT_BUILD/tests/apps/tenant-echo
RT_DRIVER_BIN=$RT_BUILD/tests/apps/tenantctl-router-driver
RT_WS_CLIENT=$RT_SRC/tests/apps/ws_client.py
RT_FAILS=0

rt_fail() { echo "FAIL: $*" >&2; RT_FAILS=$((RT_FAILS + 1)); }
rt_pass() { echo "ok: $*" >&2; }
rt_check() {  # rt_check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then rt_pass "$1"; else rt_fail "$1: expected [$2], got [$3]"; fi
}

router_cleanup() {
  set +e
  if [ -n "${RT_DRIVER_PID:-}" ] && kill -0 "$RT_DRIVER_PID" 2>/dev/null; then
    kill "$RT_DRIVER_PID"
    for _ in $(seq 1 300); do kill -0 "$RT_DRIVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$RT_DRIVER_PID" 2>/dev/null
  fi
  if [ -n "${RT_DIR:-}" ]; then
    bash "$RT_SRC/tests/support/docker_env.sh" stop "$RT_DIR/docker" >/dev/null 2>&1
    if [ "${RT_KEEP:-0}" != 1 ]; then rm -rf "$RT_DIR"; fi
  fi
}

router_setup() {
  for f in "$RT_ECHO_BIN" "$RT_DRIVER_BIN"; do
    [ -x "$f" ] || { echo "missing $f (build the tenant-echo and tenantctl-router-driver targets)" >&2; exit 1; }
  done
  RT_DIR=$(mktemp -d /tmp/tenantctl-router-test.XXXXXX)
  trap router_cleanup EXIT
  export HOME=$RT_DIR/home XDG_CONFIG_HOME=$RT_DIR/home/.config
  mkdir -p "$HOME"
  eval "$(bash "$RT_SRC/tests/support/docker_env.sh" start "$RT_DIR/docker")"
  export DOCKER_CONFIG=$RT_DIR/docker-config
  mkdir -p "$DOCKER_CONFIG" "$RT_DIR/image"
  cp "$RT_ECHO_BIN" "$RT_DIR/image/tenant-echo"
  printf 'FROM scratch\nCOPY tenant-echo /tenant-echo\nENTRYPOINT ["/tenant-echo"]\n' >"$RT_DIR/image/Dockerfile"
  docker build -q -t tenant-echo:test "$RT_DIR/image" >/dev/null 2>"$RT_DIR/build.log" ||
    { cat "$RT_DIR/build.log" >&2; exit 1; }

  echo '[]' >"$RT_DIR/apps.json"  # for --dev-apps @RT_DIR@/apps.json
  local args=("${@//@RT_DIR@/$RT_DIR}")
  "$RT_DRIVER_BIN" --state "$RT_DIR/state" "${args[@]}" 2>"$RT_DIR/driver.log" &
  RT_DRIVER_PID=$!
  # the driver labels its containers tenantctl.platform=driver-<pid>: filters stay correct on a shared daemon
  RT_PLATFORM=driver-$RT_DRIVER_PID
  for _ in $(seq 1 300); do
    [ -f "$RT_DIR/state/ready.json" ] && break
    kill -0 "$RT_DRIVER_PID" 2>/dev/null || { cat "$RT_DIR/driver.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -f "$RT_DIR/state/ready.json" ] || { echo "router driver did not become ready" >&2; cat "$RT_DIR/driver.log" >&2; exit 1; }
  RT_PORT=$(jq -r .router_port "$RT_DIR/state/ready.json")
  RT_REGISTRY=$(jq -r .registry "$RT_DIR/state/ready.json")
  local user pwfile
  user=$(jq -r .username "$RT_DIR/state/ready.json")
  pwfile=$(jq -r .password_file "$RT_DIR/state/ready.json")
  docker login -u "$user" --password-stdin "$RT_REGISTRY" <"$pwfile" >/dev/null 2>&1 ||
    { echo "docker login to $RT_REGISTRY failed" >&2; exit 1; }
  docker tag tenant-echo:test "$RT_REGISTRY/tenant-echo:v1"
  docker push "$RT_REGISTRY/tenant-echo:v1" >"$RT_DIR/push.log" 2>&1 || { cat "$RT_DIR/push.log" >&2; exit 1; }
}

# rt_get PATH [curl args...] -> body on stdout; the status is kept for rt_status, headers for rt_header
rt_get() {
  local path=$1
  shift
  curl -s --path-as-is -o "$RT_DIR/body" -D "$RT_DIR/headers" -w '%{http_code}' --max-time 60 \
    "$@" "http://127.0.0.1:$RT_PORT$path" >"$RT_DIR/status" || true
  cat "$RT_DIR/body"
}
rt_status() { cat "$RT_DIR/status"; }
rt_header() { { grep -i "^$1:" "$RT_DIR/headers" || true; } | head -1 | cut -d: -f2- | tr -d ' \r'; }
