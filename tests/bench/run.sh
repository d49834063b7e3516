#!/usr/bin/env bash
# Runs every benchmark in tests/bench (bounded in time, loopback only) and prints their figures.
# Each figure is reported against a baseline measured in the same run. Usage: tests/bench/run.sh [NAME…]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export TENANTCTL=${TENANTCTL:-$(bash "$root/scripts/build.sh")}
export TENANTCTL_BUILD_DIR=${TENANTCTL_BUILD_DIR:-$root/build}
export TENANTCTL_SOURCE_DIR=$root TENANTCTL_SHARED_DIR=${TENANTCTL_SHARED_DIR:-$root/../shared}
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(config config_wrangler platform router deploy tenants pacing bundle tail)
for n in "${names[@]}"; do
  echo "== bench: $n"
  bash "$here/$n.sh" || echo "bench $n failed (exit $?)"
done
