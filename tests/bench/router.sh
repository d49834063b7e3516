#!/usr/bin/env bash
# Tenant router benchmark (loopback only, bounded in time). Prints figures; asserts nothing.
#  1. throughput (wrk, BENCH_SECONDS each, BENCH_CONNECTIONS connections) to the same tenant-echo container:
#     directly, through nginx proxy_pass (keepalive upstream; a temp nginx.conf on 127.0.0.1, temp prefix), and
#     through the tenant router — as ratios to direct;
#  2. latency with one connection (wrk -c1): p50/p99 added by the router and by nginx over direct;
#  3. cold start: a new tenant's first request through the router (create + start + wait for the port + proxy)
#     versus `docker start` of an already created container + polling until the first byte.
# Needs: dockerd (tests/support/docker_env.sh starts one), wrk, nginx, jq, and a build dir with the
# tenant-echo and tenantctl-router-driver targets (TENANTCTL_BUILD_DIR, default ./build-router or ./build).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export TENANTCTL_SOURCE_DIR=$root
if [ -z "${TENANTCTL_BUILD_DIR:-}" ]; then
  if [ -x "$root/build-router/tests/apps/tenantctl-router-driver" ]; then TENANTCTL_BUILD_DIR=$root/build-router
  else TENANTCTL_BUILD_DIR=$root/build; fi
fi
export TENANTCTL_BUILD_DIR
secs=${BENCH_SECONDS:-5}
conns=${BENCH_CONNECTIONS:-32}
cold_runs=${BENCH_COLD_RUNS:-5}
for t in wrk nginx jq curl; do command -v $t >/dev/null || { echo "router bench: $t not found" >&2; exit 1; }; done
source "$root/tests/apps/router_test_lib.sh"

router_setup --network host --default-app echo --define name=echo,image=tenant-echo:v1,max=50,sleep=600

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# the container everyone talks to
rt_get /app/bench/ >/dev/null
cport=$(rt_get /app/bench/_status | jq -r .port)
[ "$cport" != null ] || { echo "no port in _status" >&2; exit 1; }

# nginx in front of the same container
nport=$(free_port)
ndir=$RT_DIR/nginx
mkdir -p "$ndir/logs" "$ndir/tmp"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"
cat >"$ndir/nginx.conf" <<EOF
$user_line
worker_processes 2;
daemon off;
pid $ndir/nginx.pid;
error_log $ndir/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $ndir/tmp/body;
  proxy_temp_path $ndir/tmp/proxy;
  fastcgi_temp_path $ndir/tmp/fastcgi;
  uwsgi_temp_path $ndir/tmp/uwsgi;
  scgi_temp_path $ndir/tmp/scgi;
  upstream tenant { server 127.0.0.1:$cport; keepalive 64; }
  server {
    listen 127.0.0.1:$nport;
    location / {
      proxy_pass http://tenant;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-App-Id bench;
      proxy_buffering off;
    }
  }
}
EOF
nginx -p "$ndir" -c "$ndir/nginx.conf" -e "$ndir/logs/error.log" &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null; router_cleanup' EXIT
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$nport/" && break; sleep 0.1; done

# wrk output -> "rps p50_us p99_us"
to_us() {  # 1.23ms / 850.00us / 1.2s -> microseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n }'
}
run_wrk() {  # URL THREADS CONNECTIONS
  local out rps p50 p99
  out=$(wrk -t"$2" -c"$3" -d"${secs}s" --latency "$1" 2>&1)
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(to_us "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_us "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  errs=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  [ -z "$errs" ] || echo "  ($1: $errs)" >&2
  echo "$rps $p50 $p99"
}

echo "== throughput, $conns connections, ${secs}s each (tenant-echo container on 127.0.0.1:$cport)"
read -r d_rps d_p50 d_p99 < <(run_wrk "http://127.0.0.1:$cport/" 2 "$conns")
read -r n_rps n_p50 n_p99 < <(run_wrk "http://127.0.0.1:$nport/" 2 "$conns")
read -r r_rps r_p50 r_p99 < <(run_wrk "http://127.0.0.1:$RT_PORT/app/bench/" 2 "$conns")
awk -v d="$d_rps" -v n="$n_rps" -v r="$r_rps" 'BEGIN {
  printf "direct   %10.0f req/s  (1.00)\n", d
  printf "nginx    %10.0f req/s  (%.2f of direct)\n", n, n / d
  printf "router   %10.0f req/s  (%.2f of direct, %.2f of nginx)\n", r, r / d, r / n }'

echo "== latency, 1 connection, ${secs}s each (microseconds)"
read -r d_rps d_p50 d_p99 < <(run_wrk "http://127.0.0.1:$cport/" 1 1)
read -r n_rps n_p50 n_p99 < <(run_wrk "http://127.0.0.1:$nport/" 1 1)
read -r r_rps r_p50 r_p99 < <(run_wrk "http://127.0.0.1:$RT_PORT/app/bench/" 1 1)
awk -v dp50="$d_p50" -v dp99="$d_p99" -v np50="$n_p50" -v np99="$n_p99" -v rp50="$r_p50" -v rp99="$r_p99" 'BEGIN {
  printf "direct   p50 %7.0f  p99 %7.0f\n", dp50, dp99
  printf "nginx    p50 %7.0f  p99 %7.0f  added p50 %+6.0f p99 %+6.0f\n", np50, np99, np50 - dp50, np99 - dp99
  printf "router   p50 %7.0f  p99 %7.0f  added p50 %+6.0f p99 %+6.0f\n", rp50, rp99, rp50 - dp50, rp99 - dp99 }'

echo "== cold start, $cold_runs runs each (milliseconds; image already pulled)"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
router_times=()
for i in $(seq 1 "$cold_runs"); do
  t0=$(ms)
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "http://127.0.0.1:$RT_PORT/app/cold-$i-$$/")
  t1=$(ms)
  [ "$code" = 200 ] || echo "  (cold request $i answered $code)" >&2
  router_times+=($((t1 - t0)))
done
docker_times=()
for i in $(seq 1 "$cold_runs"); do
  p=$(free_port)
  cid=$(docker create --network host -e PORT=$p -e TENANTCTL_INSTANCE_ID=raw-$i "$RT_REGISTRY/tenant-echo:v1")
  t0=$(ms)
  docker start "$cid" >/dev/null
  for _ in $(seq 1 2000); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/" && break; sleep 0.005; done
  t1=$(ms)
  docker_times+=($((t1 - t0)))
  docker rm -f "$cid" >/dev/null
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rm_=$(median "${router_times[@]}")
dm_=$(median "${docker_times[@]}")
echo "router first request   median ${rm_} ms  (runs: ${router_times[*]})"
echo "docker start + 1st byte median ${dm_} ms  (runs: ${docker_times[*]})"
awk -v r="$rm_" -v d="$dm_" 'BEGIN { if (d > 0) printf "router cold start / docker start: %.2f\n", r / d }'
