#!/usr/bin/env bash
# Configures and builds tenantctl into ./build (or $TENANTCTL_BUILD_DIR). Prints the binary's path last.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TENANTCTL_BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTENANTCTL_WERROR=ON "$@" >/dev/null
fi
cmake --build "$build" -j "$jobs" -- --no-print-directory >&2
echo "$build/cli/tenantctl"
