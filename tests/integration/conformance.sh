#!/usr/bin/env bash
# labels: integration;conformance
# timeout: 600
# Scores `tenantctl config show --json` against wrangler 4.164's own readings of the conformance corpus
# (shared/conformance). Passes only when at least 95% of the cases pass; prints the score line either way.
set -euo pipefail
: "${TENANTCTL:?set TENANTCTL to the tenantctl binary}"
shared="${TENANTCTL_SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}"
compare="$shared/conformance/compare.py"
[ -f "$compare" ] || { echo "conformance: $compare not found" >&2; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# compare.py exits 1 when any case fails; the threshold below decides.
python3 "$compare" --tenantctl "$TENANTCTL" | tee "$out" || true
line=$(tail -n 1 "$out")
if ! [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  echo "conformance: unexpected last line from compare.py: $line" >&2
  exit 1
fi
passed=${BASH_REMATCH[1]}
failed=${BASH_REMATCH[2]}
total=$((passed + failed))
[ "$total" -gt 0 ] || { echo "conformance: no cases ran" >&2; exit 1; }
pct=$((passed * 100 / total))
echo "conformance: $passed/$total cases pass (${pct}%)"
if [ $((passed * 100)) -lt $((total * 95)) ]; then
  echo "conformance: below the 95% threshold" >&2
  exit 1
fi
