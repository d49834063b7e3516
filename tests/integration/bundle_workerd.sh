#!/usr/bin/env bash
# labels: integration;bundle
# timeout: 600
# Run what you ship: every fixture in tests/fixtures/bundle (a TypeScript worker importing npm packages, with
# the `workerd` export condition; nodejs_compat with node:buffer, a bare built-in and require() from CommonJS;
# Text/Data/CompiledWasm modules through rules; find_additional_modules with a dynamic import; a container
# router importing @cloudflare/containers; a [build] command) is bundled by `tenantctl deploy --dry-run
# --outdir`, and the upload it wrote is run in workerd, which must answer as the worker says. Then against
# `tenantctl dev`: a deploy of a bundled TypeScript worker and an unchanged redeploy (no write), the same into a
# dispatch namespace; and bad input (a TypeScript syntax error, an unresolvable import, no esbuild, a failing
# build command, a worker without a default export) exits 1 with file:line:col or the command's last lines,
# and nothing is sent.
set -euo pipefail
source "$(dirname "$0")/bundle_common.inc"
tc() { "$TENANTCTL" "$@"; }

for f in "${FIXTURES[@]}"; do
  out=$WORK/out-$f
  if tc --cwd "$FIX/$f" deploy --dry-run --outdir "$out" --containers-rollout none >"$WORK/$f.out" 2>"$WORK/$f.err"; then
    ok "$f: deploy --dry-run --outdir bundles"
  else
    bad "$f: deploy --dry-run --outdir bundles"; sed 's/^/    /' "$WORK/$f.err"; continue
  fi
  mapfile -t reqs < <(requests_for "$f")
  run_bundle "$f" "$out/upload.multipart" "${reqs[@]}"
  for r in "${reqs[@]}"; do
    got=$(answer "$f" "$r")
    want=${EXPECT["$f $r"]}
    if [ "$got" = "$want" ]; then ok "$f: GET $r -> $want"; else bad "$f: GET $r -> want '$want', got '$got'"; fi
  done
done

# What the uploads contain.
meta() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$WORK/out-$1/metadata.json" "$2"; }
check "ts-npm: the main module is the bundle index.js" '[ "$(meta ts-npm "d[\"main_module\"]")" = index.js ]'
check "ts-npm: no TypeScript and no bare import left in the bundle" \
  '! grep -qE "from \"(hono|cond-pkg)\"|: string" "$WORK/out-ts-npm/modules/index.js"'
check "ts-npm: the source map is uploaded as index.js.map" '[ -s "$WORK/out-ts-npm/modules/index.js.map" ]'
check "rules: text/wasm/data modules are named by content, as wrangler names them" \
  'ls "$WORK/out-rules/modules/" | grep -qE "^[0-9a-f]{40}-add\.wasm$"'
check "additional: lang modules uploaded as they are" \
  'cmp -s "$WORK/out-additional/modules/lang/fr.js" "$FIX/additional/src/lang/fr.js"'
check "custom-build: the build command's output is shown" 'grep -q "custom build ran" "$WORK/custom-build.err"'
check "node-compat: node built-ins stay runtime imports" 'grep -q "from \"node:events\"" "$WORK/out-node-compat/modules/index.js"'

# --no-bundle keeps today's behaviour: main as it is.
tc --cwd "$FIX/rules" deploy --dry-run --no-bundle --outdir "$WORK/nobundle" --containers-rollout none >/dev/null 2>&1
check "--no-bundle uploads main as written" 'cmp -s "$WORK/nobundle/modules/index.js" "$FIX/rules/src/index.js"'

# ---- against tenantctl dev: deploy, unchanged redeploy, dispatch namespace ----
STATE=$WORK/state
"$TENANTCTL" dev --listen 127.0.0.1:0 --state-dir "$STATE" --no-containers 2>"$WORK/dev.err" &
DEV_PID=$!
CLEANUP_EXTRA+=("kill $DEV_PID 2>/dev/null; wait $DEV_PID 2>/dev/null")
for _ in $(seq 1 200); do [ -s "$STATE/dev.json" ] && break; sleep 0.05; done
log=$STATE/requests.log
writes() { python3 -c '
import json,sys
n=int(sys.argv[2]); w=[l for l in (json.loads(x) for x in open(sys.argv[1]).read().splitlines()[n:] if x.strip()) if l["method"] not in ("GET","HEAD")]
print(len(w))' "$log" "$1"; }
lines() { [ -f "$log" ] && wc -l <"$log" || echo 0; }

check "ts-npm: deploy to tenantctl dev" 'tc --local --cwd "$FIX/ts-npm" deploy >"$WORK/d1.out" 2>&1'
n=$(lines)
check "ts-npm: a redeploy of the unchanged project sends no write" \
  'tc --local --cwd "$FIX/ts-npm" deploy >"$WORK/d2.out" 2>&1 && [ "$(writes "$n")" = 0 ] && grep -q "unchanged" "$WORK/d2.out"'
acct=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account_id"])' "$XDG_CONFIG_HOME/tenantctl/profiles/local.json")
tc --local dispatch-namespace create fixtures >/dev/null
check "ts-npm: deploy --dispatch-namespace bundles too" \
  'tc --local --cwd "$FIX/ts-npm" deploy --dispatch-namespace fixtures --name acme >"$WORK/d3.out" 2>&1'
# The stored upload is the bundle: read it back through the API and run it.
tok=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_token"])' "$XDG_CONFIG_HOME/tenantctl/profiles/local.json")
port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$STATE/dev.json")
curl -s -D "$WORK/content.h" -o "$WORK/content.body" -H "Authorization: Bearer $tok" \
  "http://127.0.0.1:$port/client/v4/accounts/$acct/workers/dispatch/namespaces/fixtures/scripts/acme/content"
if grep -qi '^content-type: multipart/form-data' "$WORK/content.h"; then
  run_bundle stored "$WORK/content.body" --main index.js /condition 2>"$WORK/stored.err" || cat "$WORK/stored.err"
  [ -f "$WORK/stored.run.json" ] && [ "$(answer stored /condition)" = "200 condition workerd" ] &&
    ok "the uploaded tenant worker, read back from the platform, runs in workerd" ||
    bad "the uploaded tenant worker, read back from the platform, runs in workerd ($(answer stored /condition 2>/dev/null))"
else
  echo "note: the platform's content endpoint answered $(head -1 "$WORK/content.h"); not run"
fi

# ---- bad input: exit 1, a position or the command's last lines, nothing sent ----
bad_case() {  # NAME DIR EXPECT_REGEX [env…]
  local name=$1 dir=$2 re=$3; shift 3
  local n; n=$(lines)
  set +e
  env "$@" "$TENANTCTL" --local --cwd "$dir" deploy >"$WORK/bad.out" 2>"$WORK/bad.err"
  local rc=$?
  set -e
  if [ $rc = 1 ] && grep -qE "$re" "$WORK/bad.err" && [ "$(writes "$n")" = 0 ]; then
    ok "$name: exit 1, names the problem, nothing sent"
  else
    bad "$name: rc=$rc, writes=$(writes "$n")"; sed 's/^/    /' "$WORK/bad.err"
  fi
}
mkdir -p "$WORK/syntax/src"
printf 'name = "bad-syntax"\nmain = "src/index.ts"\ncompatibility_date = "2026-01-01"\n' >"$WORK/syntax/wrangler.toml"
printf 'export default {\n  fetch(req: Request) {\n    const x: number = ;\n    return new Response("x");\n  },\n};\n' >"$WORK/syntax/src/index.ts"
bad_case "a TypeScript syntax error" "$WORK/syntax" 'src/index\.ts:3:23: error: Unexpected ";"'
mkdir -p "$WORK/unresolved/src"
printf 'name = "bad-import"\nmain = "src/index.js"\ncompatibility_date = "2026-01-01"\n' >"$WORK/unresolved/wrangler.toml"
printf 'import { x } from "no-such-package";\nexport default { fetch() { return new Response(x); } };\n' >"$WORK/unresolved/src/index.js"
bad_case "an unresolvable import" "$WORK/unresolved" 'src/index\.js:1:19: error: Could not resolve "no-such-package"'
bad_case "no esbuild anywhere" "$FIX/node-compat" 'esbuild was not found' PATH=/usr/bin:/bin TENANTCTL_ESBUILD=
bad_case "TENANTCTL_ESBUILD pointing nowhere" "$FIX/node-compat" 'TENANTCTL_ESBUILD=.*is not an executable' TENANTCTL_ESBUILD=/nonexistent/esbuild
mkdir -p "$WORK/buildfail/src"
printf 'name = "bad-build"\nmain = "src/index.js"\ncompatibility_date = "2026-01-01"\n[build]\ncommand = "echo compiling; echo the compiler broke >&2; exit 3"\n' >"$WORK/buildfail/wrangler.toml"
echo 'export default { fetch() { return new Response("x"); } };' >"$WORK/buildfail/src/index.js"
bad_case "a failing build command" "$WORK/buildfail" 'the compiler broke'
grep -q 'exit 3' "$WORK/bad.err" && ok "the failing build's exit status is named" || bad "the failing build's exit status is named"
mkdir -p "$WORK/sw/src"
printf 'name = "sw"\nmain = "src/index.js"\ncompatibility_date = "2026-01-01"\n' >"$WORK/sw/wrangler.toml"
echo 'addEventListener("fetch", (e) => e.respondWith(new Response("sw")));' >"$WORK/sw/src/index.js"
bad_case "a service-worker format worker" "$WORK/sw" 'has no default export'

finish
