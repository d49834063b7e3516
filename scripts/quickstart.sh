#!/usr/bin/env bash
# Sets up a fresh machine and runs tenantctl's main job.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh" --runtime-only
tenantctl=$(bash "$root/scripts/build.sh")
"$tenantctl" --version
