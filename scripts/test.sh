#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds with warnings as errors, runs every ctest test
# (unit, integration, conformance, contract, docker end-to-end), then the unit tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer. Exit status is non-zero when anything failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)

start=$(date +%s)
echo "== setup" >&2
bash scripts/setup.sh

echo "== build" >&2
TENANTCTL_BUILD_TARGETS="" bash scripts/build.sh >/dev/null

# One docker daemon for every docker test: the one already running, or one started here (and stopped at
# the end — only what this script started).
docker_dir=$root/build/docker-env
if [ "${TENANTCTL_SKIP_DOCKER:-0}" != 1 ]; then
  if env_lines=$(bash tests/support/docker_env.sh start "$docker_dir"); then
    eval "$env_lines"
    trap 'bash tests/support/docker_env.sh stop "$docker_dir" >/dev/null 2>&1 || true' EXIT
  else
    echo "warning: no docker daemon could be started; docker tests will fail" >&2
  fi
fi

# Prism (the contract tests' validating mock/proxy) is installed once, before tests run in parallel.
shared=${TENANTCTL_SHARED_DIR:-$root/../shared}
if [ -x "$shared/contract/prism.sh" ] || [ -f "$shared/contract/prism.sh" ]; then
  PRISM_CACHE=$root/build/prism-cache bash "$shared/contract/prism.sh" bin >/dev/null ||
    echo "warning: Prism could not be installed; contract tests will fail" >&2
fi

echo "== tests" >&2
status=0
(cd build && ctest --output-on-failure -j "$jobs" ${TENANTCTL_CTEST_ARGS:-}) || status=1

if [ "${TENANTCTL_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== unit tests under address,undefined sanitizers" >&2
  if [ ! -f build-asan/CMakeCache.txt ]; then
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTENANTCTL_SANITIZE=ON -DTENANTCTL_WERROR=ON >/dev/null
  fi
  cmake --build build-asan -j "$jobs" --target tenantctl_unit -- --no-print-directory >/dev/null
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 LSAN_OPTIONS=suppressions=$root/tests/sanitizers/lsan.supp \
    build-asan/tests/tenantctl_unit --no-version || status=1
fi

echo "== done in $(( $(date +%s) - start ))s (status $status)" >&2
exit $status
