#!/usr/bin/env bash
# Benchmark of `tenantctl deploy` against `tenantctl dev --containers` (real dockerd + registry, loopback only):
# the first deploy (build + push + upload + create), then the no-op redeploy (nothing changed: reads only),
# against a baseline of one read-only command (`containers list`: process start + one GET) in the same run.
# Prints figures, asserts nothing. Target: no-op deploy < 300 ms.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${TENANTCTL_BUILD_DIR:-$root/build}
tc=${TENANTCTL:-$build/cli/tenantctl}
echo_bin=$build/tests/apps/tenant-echo
work=$(mktemp -d)
export HOME=$work/home XDG_CONFIG_HOME=$work/config DOCKER_CONFIG=$work/docker-config
mkdir -p "$HOME"
pid=""
cleanup() {
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
  bash "$root/tests/support/docker_env.sh" stop "$work/docker" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
eval "$(bash "$root/tests/support/docker_env.sh" start "$work/docker")"
"$tc" dev --containers --network host --listen 127.0.0.1:0 --router-listen 127.0.0.1:0 --state-dir "$work/state" 2>"$work/dev.log" &
pid=$!
for _ in $(seq 1 200); do [ -s "$work/state/dev.json" ] && break; sleep 0.1; done
p=$work/project
mkdir -p "$p/src" "$p/app"
cp "$echo_bin" "$p/app/"
echo 'export class App {}; export default { async fetch() { return new Response("ok"); } };' >"$p/src/index.js"
printf 'FROM scratch\nCOPY tenant-echo /tenant-echo\nENTRYPOINT ["/tenant-echo"]\n' >"$p/app/Dockerfile"
printf 'name = "bench"\nmain = "./src/index.js"\ncompatibility_date = "2025-06-01"\n[[containers]]\nclass_name = "App"\nimage = "./app/Dockerfile"\n' >"$p/wrangler.toml"

ms() { python3 -c 'import sys,time,subprocess; t=time.perf_counter(); r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL); print("%.1f" % ((time.perf_counter()-t)*1000) if r.returncode==0 else "fail")' "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
first=$(ms "$tc" --local --cwd "$p" deploy)
base=$(for _ in $(seq 1 15); do ms "$tc" --local containers list; done | median)
noop=$(for _ in $(seq 1 15); do ms "$tc" --local --cwd "$p" deploy; done | median)
echo "first deploy (build + push + upload + create): $first ms"
echo "baseline (containers list: start + 1 GET), median of 15: $base ms"
echo "no-op deploy, median of 15: $noop ms  (x$(python3 -c "print(round($noop/$base,2))") the baseline; target < 300 ms)"
