#!/usr/bin/env bash
# Regenerates completions/ and man/ from the command tree (tests/integration/docs_fresh.sh checks them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tenantctl=$(bash "$root/scripts/build.sh")
rm -f "$root"/man/*.1
"$tenantctl" completions --write-dir "$root/completions" --man-dir "$root/man" --text-dir "$root/man/src"
echo "regenerated completions/ and man/" >&2
