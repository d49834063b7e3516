#!/usr/bin/env bash
# Configures and builds tenantctl into ./build (or $TENANTCTL_BUILD_DIR). Prints the binary's path last.
# Builds every target (tests and benchmarks included) unless TENANTCTL_BUILD_TARGETS names some, e.g.
# TENANTCTL_BUILD_TARGETS=tenantctl (the binary, the staged templates and the tenant-echo app they carry).
# Extra arguments go to the first cmake configure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TENANTCTL_BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTENANTCTL_WERROR=ON "$@" >/dev/null
fi
targets=()
for t in ${TENANTCTL_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j "$jobs" "${targets[@]}" -- --no-print-directory >&2
echo "$build/cli/tenantctl"
