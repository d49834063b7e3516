#!/usr/bin/env bash
# Benchmark of the local platform: 1,000 tenant script uploads (multipart, with tags) at concurrency 1
# (the baseline) and 16, then the server's RSS with 2,000 tenants stored. Prints figures, asserts nothing.
# usage: tests/bench/platform.sh [BUILD_DIR]   (needs tenantctl and platform_bench built there)
set -euo pipefail
build=${1:-${TENANTCTL_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build-platform}}
tc=${TENANTCTL:-$build/cli/tenantctl}
bench=$build/tests/platform_bench
work=$(mktemp -d)
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data
mkdir -p "$HOME"
"$tc" dev --no-containers --listen 127.0.0.1:0 --state-dir "$work/state" 2>"$work/dev.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do [ -s "$work/state/dev.json" ] && break; sleep 0.05; done
port=$(jq -r .port "$work/state/dev.json")
token=$(jq -r .api_token "$XDG_CONFIG_HOME/tenantctl/profiles/local.json")
acct=$(jq -r .account_id "$XDG_CONFIG_HOME/tenantctl/profiles/local.json")
for ns in bench-c1 bench-c16; do
  curl -sS -o /dev/null -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data "{\"name\":\"$ns\"}" "http://127.0.0.1:$port/client/v4/accounts/$acct/workers/dispatch/namespaces"
done
rss_idle=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
c1=$("$bench" "$port" "$token" "$acct" bench-c1 1000 1)
c16=$("$bench" "$port" "$token" "$acct" bench-c16 1000 16)
rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
hwm=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
echo "concurrency 1 : $c1"
echo "concurrency 16: $c16"
jq -rn --argjson a "$c1" --argjson b "$c16" \
  '"requests/s c1=\($a.rps|floor) c16=\($b.rps|floor) ratio c16/c1=\(($b.rps/$a.rps*100|floor)/100)\n" +
   "p50 ms c1=\($a.p50_ms*100|floor/100) c16=\($b.p50_ms*100|floor/100)   p99 ms c1=\($a.p99_ms*100|floor/100) c16=\($b.p99_ms*100|floor/100)"'
echo "server RSS: idle ${rss_idle} kB; with 2,000 tenants stored ${rss} kB (peak ${hwm} kB; target <= 65536 kB)"
echo "state.db size: $(du -k "$work/state/state.db" | cut -f1) kB + WAL $(du -k "$work/state/state.db-wal" 2>/dev/null | cut -f1 || echo 0) kB"
