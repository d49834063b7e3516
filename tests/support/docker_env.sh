#!/usr/bin/env bash
# A docker daemon (and optionally a docker-registry) for tests, on 127.0.0.1 / unix sockets only.
#
#   eval "$(bash tests/support/docker_env.sh start [--registry] [DIR])"   # prints `export …` lines
#   bash tests/support/docker_env.sh stop DIR                              # stops only what `start` started
#
# start: uses $DOCKER_HOST (or /var/run/docker.sock) when `docker info` answers there; otherwise starts
# dockerd (vfs storage, no bridge, no iptables) with its socket, data and pid files under DIR. With --registry
# it also starts /usr/bin/docker-registry on 127.0.0.1:<free port> with htpasswd (bcrypt) auth, storage in DIR.
# Printed variables: DOCKER_HOST, TENANTCTL_DOCKER_ENV_DIR, and with --registry TENANTCTL_TEST_REGISTRY
# (host:port), TENANTCTL_TEST_REGISTRY_USER, TENANTCTL_TEST_REGISTRY_PASSWORD_FILE (0600; never in argv).
# Everything it started is recorded in DIR/started; `stop` kills exactly those pids.
set -euo pipefail

cmd=${1:-}
shift || true

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

docker_ok() {  # $1 = DOCKER_HOST value
  DOCKER_HOST=$1 timeout 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1
}

case "$cmd" in
start)
  want_registry=0
  dir=""
  for a in "$@"; do
    case "$a" in
      --registry) want_registry=1 ;;
      *) dir=$a ;;
    esac
  done
  [ -n "$dir" ] || dir=$(mktemp -d /tmp/tenantctl-docker.XXXXXX)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  : >>"$dir/started"

  host=""
  if [ -n "${DOCKER_HOST:-}" ] && docker_ok "$DOCKER_HOST"; then
    host=$DOCKER_HOST
  elif [ -S /var/run/docker.sock ] && docker_ok unix:///var/run/docker.sock; then
    host=unix:///var/run/docker.sock
  elif [ -S "$dir/docker.sock" ] && docker_ok "unix://$dir/docker.sock"; then
    host=unix://$dir/docker.sock
  else
    command -v dockerd >/dev/null || { echo "docker_env: dockerd not found and no usable DOCKER_HOST" >&2; exit 1; }
    mkdir -p "$dir/root" "$dir/exec"
    # setsid: the daemon survives the caller's shell; its pid is recorded for `stop`.
    setsid dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
      --host "unix://$dir/docker.sock" --data-root "$dir/root" --exec-root "$dir/exec" \
      --pidfile "$dir/dockerd.pid" >"$dir/dockerd.log" 2>&1 </dev/null &
    echo "dockerd $!" >>"$dir/started"
    host=unix://$dir/docker.sock
    for _ in $(seq 1 120); do
      docker_ok "$host" && break
      sleep 0.5
    done
    docker_ok "$host" || { echo "docker_env: dockerd did not come up; see $dir/dockerd.log" >&2; tail -5 "$dir/dockerd.log" >&2; exit 1; }
  fi
  echo "export DOCKER_HOST='$host'"
  echo "export TENANTCTL_DOCKER_ENV_DIR='$dir'"

  if [ "$want_registry" = 1 ]; then
    command -v htpasswd >/dev/null || { echo "docker_env: htpasswd (apache2-utils) not found" >&2; exit 1; }
    mkdir -p "$dir/registry/data"
    user=tenantctl
    pwfile=$dir/registry/password
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$pwfile")
    # -i: the password comes from stdin, never argv.
    (umask 077; htpasswd -iBn "$user" <"$pwfile" >"$dir/registry/htpasswd")
    port=$(free_port)
    cat >"$dir/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
auth:
  htpasswd:
    realm: tenantctl-test
    path: $dir/registry/htpasswd
EOF
    setsid docker-registry serve "$dir/registry/config.yml" >"$dir/registry/log" 2>&1 </dev/null &
    echo "registry $!" >>"$dir/started"
    for _ in $(seq 1 100); do
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
      [ "$code" = 401 ] && break
      sleep 0.1
    done
    echo "export TENANTCTL_TEST_REGISTRY='127.0.0.1:$port'"
    echo "export TENANTCTL_TEST_REGISTRY_USER='$user'"
    echo "export TENANTCTL_TEST_REGISTRY_PASSWORD_FILE='$pwfile'"
  fi
  ;;
stop)
  dir=${1:?usage: docker_env.sh stop DIR}
  [ -f "$dir/started" ] || exit 0
  while read -r what pid; do
    [ -n "${pid:-}" ] || continue
    if kill -0 "$pid" 2>/dev/null; then
      if [ "$what" = dockerd ]; then
        # containers first, so nothing keeps running without its daemon
        ids=$(DOCKER_HOST=unix://$dir/docker.sock timeout 20 docker ps -aq 2>/dev/null || true)
        [ -z "$ids" ] || DOCKER_HOST=unix://$dir/docker.sock timeout 60 docker rm -f $ids >/dev/null 2>&1 || true
      fi
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done <"$dir/started"
  if grep -q '^dockerd ' "$dir/started"; then
    # dockerd leaves its network-namespace bind mount behind; unmount what is under DIR (deepest first)
    awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
  fi
  : >"$dir/started"
  ;;
*)
  echo "usage: docker_env.sh start [--registry] [DIR] | stop DIR" >&2
  exit 2
  ;;
esac
