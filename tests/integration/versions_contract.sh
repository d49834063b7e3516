#!/usr/bin/env bash
# labels: integration;contract
# timeout: 600
# versions upload|list|view|deploy, deployments list|status and rollback against Prism's validating mock of the
# Cloudflare API subset (GET …/versions/{id} is in tests/contract/additions.openapi.json): zero request
# violations. Prism is stateless, so the ids are made up or taken from its examples; behaviour is tested on
# `tenantctl dev` (versions_runtime.sh).
set -uo pipefail
source "$(dirname "$0")/contract_common.inc"

p=$work/project
mkdir -p "$p/src"
echo 'export default { async fetch() { return new Response("v"); } };' >"$p/src/index.js"
cat >"$p/wrangler.toml" <<'TOML'
name = "versioned"
main = "./src/index.js"
compatibility_date = "2025-06-01"
[vars]
THEME = "dark"
TOML
a=bcf48806-b317-4351-9ee7-36e7d557d4de
b=18f97339-c287-4872-9bdd-e2135c07ec12

# Prism's script list example names its own worker: upload a version of that one.
worker=$(curl -sS -H "Authorization: Bearer $CLOUDFLARE_API_TOKEN" "$url/accounts/$CLOUDFLARE_ACCOUNT_ID/workers/scripts" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(r[0]["id"] if r else "")')
[ -n "$worker" ] || { echo "FAIL: Prism's script list gave no worker"; exit 1; }
# versions upload: the subset declares the multipart `metadata` part of POST …/versions as an object with no
# `encoding`, and Prism reads every form part as a string, so it refuses any upload (422) with exactly this
# violation (as platform_contract.sh notes; wrangler and the SDK send the same JSON part and Cloudflare takes
# it). The upload must reach Prism, be refused for that reason alone, and say so.
KNOWN_REQUEST='Violation: request\.body\.metadata Request body property metadata must be object'
out=$("$TENANTCTL" --api-url "$url" --cwd "$p" versions upload --name "$worker" --message "contract run" --tag v1 2>&1 </dev/null)
rc=$?
printf '[%s] tenantctl versions upload (expected: 422 for the subset defect)\n' "$rc"
if [ "$rc" -ne 1 ] || ! grep -q "POST .*/workers/scripts/$worker/versions failed with HTTP 422" <<<"$out" ||
    ! grep -q "metadata must be object" <<<"$out"; then
    echo "FAIL: versions upload did not reach POST …/versions or failed otherwise:"; printf '%s\n' "$out" | head -n 6; exit 1
fi
[ "$(grep -c 'Violation: request' "$log")" = "$(grep 'Violation: request' "$log" | grep -cE "$KNOWN_REQUEST")" ] ||
    { echo "FAIL: versions upload broke the contract beyond the known defect"; grep 'Violation: request' "$log"; exit 1; }
T --cwd "$p" --json versions list
T --cwd "$p" versions view "$a"
T --cwd "$p" versions deploy "$a" --yes --message "all of it"
T --cwd "$p" versions deploy "$a@50%" "$b@50" --yes
T --cwd "$p" deployments list
T --cwd "$p" --json deployments status
T --cwd "$p" rollback "$b" --yes -m "contract rollback"
must=("${failed_cmds[@]}")
# rollback without an id needs an earlier deployment in Prism's example: it may find none (exit 1, no request).
T --cwd "$p" rollback --yes

[ ${#must[@]} -eq 0 ] || { echo "FAIL: commands exited non-zero: ${must[*]}"; exit 1; }
check_contract 12
