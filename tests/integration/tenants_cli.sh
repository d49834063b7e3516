#!/usr/bin/env bash
# labels: integration;tenants
# timeout: 300
# Every `tenantctl tenants` command against a real `tenantctl dev`: apply (plan output for create/update/delete/
# unchanged, zero writes on a second apply from the server's request log, --prune removes exactly the unlisted
# managed tenants), isolation of per-tenant resources, create/list/get/tag/secret/restart/delete, and exit 3
# with a correct report when the server fails some requests.
source "$(dirname "$0")/platform_common.inc"
no_cloudflare_env
export TENANTCTL_RATE_LIMIT=off
start_dev --test-hooks --no-containers
LOG=$STATE/requests.log
writes() { jq -s '[.[] | select(.method != "GET" and .method != "HEAD")] | length' "$LOG"; }

T dispatch-namespace create production >/dev/null
P=$WORK/p; mkdir -p "$P/dist"
printf 'export default { fetch() { return new Response("tenant") } }\n' >"$P/dist/tenant.mjs"
write_file() {  # write_file EXTRA_TENANTS…: the base file plus extra tenant entries
  cat >"$P/tenants.yaml" <<EOF
namespace: production
script: ./dist/tenant.mjs
compatibility_date: "2026-01-01"
plans:
  free: { cpu_ms: 10, subrequests: 5 }
  pro:  { cpu_ms: 50, subrequests: 50 }
defaults: { plan: free, tags: [managed] }
tenants:
  - id: acme
    plan: pro
    tags: [customer-acme]
    vars: { THEME: dark }
    secrets: { API_KEY: { env: ACME_API_KEY } }
    isolate: [kv, r2, d1]
  - id: beta
    vars: { THEME: $1 }
    isolate: [kv]
EOF
  shift
  for t in "$@"; do printf '  - id: %s\n' "$t" >>"$P/tenants.yaml"; done
}
export ACME_API_KEY=acme-secret-value-123

# --- dry run: a plan, no writes ---
write_file light gamma
W0=$(writes)
run tenants apply -f "$P/tenants.yaml" --dry-run --json
check "dry run exits 0" [ "$RC" = 0 ]
check "dry run: three creates" jq_is '[.plan[] | select(.action == "create") | .id] | join(",")' "acme,beta,gamma"
check "dry run: nothing written" [ "$(writes)" = "$W0" ]

# --- apply: creates everything ---
run tenants apply -f "$P/tenants.yaml" --json
check "apply exits 0" [ "$RC" = 0 ]
check "apply counts" jq_is '"\(.created) \(.updated) \(.deleted) \(.unchanged) \(.failed)"' "3 0 0 0 0"
check "apply: per-tenant results ok" jq_is '[.results[] | .status] | unique | join(",")' "ok"
check "apply: acme created its three resources" jq_is '.results[0].created_resources | join(",")' "kv:production-acme,r2:production-acme,d1:production-acme"
check "apply: acme = resources + one upload (4 writes)" jq_is '.results[0].writes' 4
check "apply: gamma = one upload" jq_is '.results[2].writes' 1

NSP=$A/workers/dispatch/namespaces/production/scripts
api GET "$NSP/acme/tags"
check "acme tags: user, managed, plan, digest" jq_is '.result | map(select(startswith("tcd-") | not)) | join(",")' "managed,customer-acme,tenantctl,plan-pro"
check "acme has a digest tag" jq_is '[.result[] | select(test("^tcd-[0-9a-f]{40}$"))] | length' 1
api GET "$NSP/acme/settings"
check "acme limits from plan pro" jq_is '.result.limits | "\(.cpu_ms) \(.subrequests)"' "50 50"
SETTINGS_ACME=$OUT
api GET "$NSP/beta/settings"
SETTINGS_BETA=$OUT
check "beta limits from default plan" jq_is '.result.limits.cpu_ms' 10
check "beta var" jq_is '.result.bindings[] | select(.name == "THEME") | .text' light
api GET "$NSP/acme/secrets"
check "acme secret API_KEY set" jq_is '[.result[].name] | join(",")' "API_KEY"
api GET "$NSP/beta/secrets"
check "beta has no secrets" jq_is '.result | length' 0

# --- isolation: each tenant's bindings point at its own resources only ---
api GET "$A/storage/kv/namespaces?per_page=100"
KV_ACME=$(jq -r '.result[] | select(.title == "production-acme") | .id' <<<"$OUT")
KV_BETA=$(jq -r '.result[] | select(.title == "production-beta") | .id' <<<"$OUT")
api GET "$A/d1/database"
D1_ACME=$(jq -r '.result[] | select(.name == "production-acme") | .uuid' <<<"$OUT")
check "kv namespaces exist per tenant" bash -c '[ -n "$0" ] && [ -n "$1" ] && [ "$0" != "$1" ]' "$KV_ACME" "$KV_BETA"
check "acme TENANT_KV -> acme's namespace" bash -c 'jq -e --arg id "$1" ".result.bindings[] | select(.name == \"TENANT_KV\") | .namespace_id == \$id" <<<"$0" >/dev/null' "$SETTINGS_ACME" "$KV_ACME"
check "acme TENANT_R2 -> acme's bucket" bash -c 'jq -e ".result.bindings[] | select(.name == \"TENANT_R2\") | .bucket_name == \"production-acme\"" <<<"$0" >/dev/null' "$SETTINGS_ACME"
check "acme TENANT_DB -> acme's database" bash -c 'jq -e --arg id "$1" ".result.bindings[] | select(.name == \"TENANT_DB\") | .id == \$id" <<<"$0" >/dev/null' "$SETTINGS_ACME" "$D1_ACME"
check "beta TENANT_KV -> beta's namespace (same binding name)" bash -c 'jq -e --arg id "$1" ".result.bindings[] | select(.name == \"TENANT_KV\") | .namespace_id == \$id" <<<"$0" >/dev/null' "$SETTINGS_BETA" "$KV_BETA"
check "acme's bindings never mention beta's resources" bash -c '! grep -q -e "$1" -e production-beta <<<"$0"' "$SETTINGS_ACME" "$KV_BETA"
check "beta's bindings never mention acme's resources" bash -c '! grep -q -e "$1" -e production-acme -e "$2" <<<"$0"' "$SETTINGS_BETA" "$KV_ACME" "$D1_ACME"
check "beta has no r2/d1 binding" bash -c '! jq -e ".result.bindings[] | select(.type == \"r2_bucket\" or .type == \"d1\")" <<<"$0" >/dev/null' "$SETTINGS_BETA"

# --- second apply of the unchanged file: zero writes ---
W1=$(writes); N1=$(wc -l <"$LOG")
run tenants apply -f "$P/tenants.yaml" --json
check "re-apply exits 0" [ "$RC" = 0 ]
check "re-apply: all unchanged" jq_is '"\(.created) \(.updated) \(.deleted) \(.unchanged) \(.failed)"' "0 0 0 3 0"
check "re-apply: zero writes in the server's request log" [ "$(writes)" = "$W1" ]
check "re-apply: a handful of reads only (scripts, kv, r2, d1 lists)" [ "$(($(wc -l <"$LOG") - N1))" -le 6 ]

# --- plan output: update (changed fields), create, unchanged; unlisted managed tenant not deleted without --prune ---
upload_ns_script production foreign '["other"]'   # not managed by tenantctl
write_file dark delta
run tenants apply -f "$P/tenants.yaml" --dry-run
check "human plan: update beta with the changed field" grep -q '~ update beta (vars)' <<<"$OUT"
check "human plan: create delta" grep -q '+ create delta' <<<"$OUT"
check "human plan: unchanged acme" grep -q '= unchanged acme' <<<"$OUT"
check "human plan: no delete without --prune" bash -c '! grep -q -e "- delete" <<<"$0"' "$OUT"
check "note names the unlisted managed tenant" grep -q '1 managed tenant(s) are not in .*tenants.yaml (gamma); --prune deletes them' "$WORK/err"
run tenants apply -f "$P/tenants.yaml" --dry-run --prune --json
check "json plan with --prune" jq_is '[.plan[] | "\(.action):\(.id)"] | join(",")' "unchanged:acme,update:beta,create:delta,delete:gamma"
check "json plan changed fields" jq_is '.plan[1].changes | join(",")' "vars"

W2=$(writes)
run tenants apply -f "$P/tenants.yaml" --prune --json
check "prune without --yes is refused in a non-interactive run, nothing written" bash -c '[ "$0" = 1 ] && [ "$1" = "$2" ] && jq -e ".error.kind == \"refused\"" <<<"$3" >/dev/null' "$RC" "$(writes)" "$W2" "$OUT"
run tenants apply -f "$P/tenants.yaml" --prune --yes --json --concurrency 3
check "prune apply exits 0" [ "$RC" = 0 ]
check "prune apply counts" jq_is '"\(.created) \(.updated) \(.deleted) \(.unchanged) \(.failed)"' "1 1 1 1 0"
check "prune apply: 3 writes (beta upload, delta upload, gamma delete)" [ "$(($(writes) - W2))" = 3 ]
api GET "$NSP"
check "prune removed exactly the unlisted managed tenant" jq_is '[.result[].script.id] | sort | join(",")' "acme,beta,delta,foreign"

# --- tags changed by hand are restored by a tags PUT only ---
api PUT "$NSP/beta/tags/handmade"
W3=$(writes)
run tenants apply -f "$P/tenants.yaml" --json
check "hand-added tag: one update of tags" jq_is '[.plan[] | select(.action == "update") | "\(.id):\(.changes | join("+"))"] | join(",")' "beta:tags"
check "hand-added tag: one write" [ "$(($(writes) - W3))" = 1 ]
api GET "$NSP/beta/tags"
check "hand-added tag removed" bash -c '! jq -e ".result | index(\"handmade\")" <<<"$0" >/dev/null' "$OUT"

# --- list ---
run tenants list --namespace production --json
check "list: all four scripts" jq_is 'map(.id) | sort | join(",")' "acme,beta,delta,foreign"
check "list: managed flag" jq_is 'map(select(.managed)) | map(.id) | sort | join(",")' "acme,beta,delta"
check "list: plan and user tags" jq_is '.[] | select(.id == "acme") | "\(.plan) \(.tags | join(","))"' "pro managed,customer-acme"
run tenants list --namespace production --tag customer-acme --json
check "list --tag (server-side)" jq_is 'map(.id) | join(",")' "acme"
run tenants list --namespace production --plan free --json
check "list --plan" jq_is 'map(.id) | sort | join(",")' "beta,delta"
T -vv tenants list --namespace production --plan free >/dev/null 2>"$WORK/err"
check "list --plan used the server's tag filter" grep -q 'GET .*/namespaces/production/scripts?tags=plan-free' "$WORK/err"
run tenants list -f "$P/tenants.yaml"
check "list (table, namespace from -f)" bash -c 'grep -q "^ID" <<<"$0" && grep -q "acme" <<<"$0"' "$OUT"

# --- get ---
run tenants get acme -f "$P/tenants.yaml" --json
check "get: plan, tags, secrets" jq_is '"\(.plan) \(.tags | join(",")) \(.secrets | join(","))"' "pro managed,customer-acme API_KEY"
check "get: resources" bash -c 'jq -e --arg kv "$1" ".resources.kv.namespace_id == \$kv and .resources.r2.bucket_name == \"production-acme\"" <<<"$0" >/dev/null' "$OUT" "$KV_ACME"
check "get: limits" jq_is '.limits.cpu_ms' 50
check "get: no secret value in output" bash -c '! grep -q acme-secret-value <<<"$0"' "$OUT"
run tenants get nosuch --namespace production --json
check "get unknown tenant -> exit 1, not_found" bash -c '[ "$0" = 1 ] && jq -e ".ok == false" <<<"$1" >/dev/null' "$RC" "$OUT"

# --- tag ---
run tenants tag acme add vip eu --namespace production --json
check "tag add" jq_is '.tags | join(",")' "managed,customer-acme,vip,eu"
api GET "$NSP/acme/tags"
check "tag add kept the reserved tags" jq_is '[.result[] | select(. == "tenantctl" or . == "plan-pro" or startswith("tcd-"))] | length' 3
run tenants tag acme remove eu --namespace production --json
check "tag remove" jq_is '.tags | join(",")' "managed,customer-acme,vip"
W4=$(writes)
run tenants tag acme add a b c --namespace production --json
check "tag add over the limit -> exit 2" [ "$RC" = 2 ]
check "tag over the limit: message" jq_is '.error.message' 'tenant "acme" would have 9 tags; the API allows 8'
check "tag over the limit: nothing sent" [ "$(writes)" = "$W4" ]
run tenants tag acme add 1 2 3 4 5 6 --namespace production --json
check "six own tags refused before any request" bash -c '[ "$0" = 2 ]' "$RC"
run tenants tag acme set gold --namespace production --json
check "tag set" jq_is '.tags | join(",")' "gold"
run tenants tag acme add tcd-x --namespace production
check "reserved tag refused" [ "$RC" = 2 ]

# --- secret ---
RC=0; OUT=$(printf 'v4lue-one\n' | T tenants secret put beta DB_PASSWORD --namespace production --json 2>"$WORK/err") || RC=$?
check "secret put" bash -c '[ "$0" = 0 ] && jq -e ".ok" <<<"$1" >/dev/null' "$RC" "$OUT"
run tenants secret list beta --namespace production --json
check "secret list" jq_is '[.secrets[].name] | join(",")' "DB_PASSWORD"
run tenants secret delete beta DB_PASSWORD --namespace production --yes --json
check "secret delete" jq_is '.deleted' "DB_PASSWORD"
run tenants secret list beta --namespace production --json
check "secret list after delete" jq_is '.secrets | length' 0
check "secret value never in the request log" bash -c '! grep -q v4lue-one "$0"' "$LOG"

# --- create / delete --purge ---
run tenants create solo -f "$P/tenants.yaml" --script "$P/dist/tenant.mjs" --plan pro --tag t1 --isolate kv,d1 --var A=B --json
check "create exits 0" [ "$RC" = 0 ]
check "create: resources" jq_is '.created_resources | join(",")' "kv:production-solo,d1:production-solo"
check "create: tags (the file's default tag first)" jq_is '.tags[0:4] | join(",")' "managed,t1,tenantctl,plan-pro"
run tenants create dflt -f "$P/tenants.yaml" --script "$P/dist/tenant.mjs" --json
check "create: the file's defaults apply (plan free, tag managed, limits)" jq_is '"\(.plan) \(.tags[0]) \(.limits.cpu_ms)"' "free managed 10"
run tenants delete dflt -f "$P/tenants.yaml" --yes
run tenants get solo -f "$P/tenants.yaml" --json
check "created tenant: var and kv binding" jq_is '[.bindings[] | select(.name == "A" or .name == "TENANT_KV") | .name] | sort | join(",")' "A,TENANT_KV"
run tenants create solo -f "$P/tenants.yaml" --script "$P/dist/tenant.mjs" --json
check "create existing -> exit 1 conflict" bash -c '[ "$0" = 1 ] && jq -e ".error.kind == \"conflict\"" <<<"$1" >/dev/null' "$RC" "$OUT"
run tenants create bad_id --namespace production --script "$P/dist/tenant.mjs"
check "create with an invalid id -> exit 2" [ "$RC" = 2 ]
run tenants create x --namespace production --script "$P/dist/tenant.mjs" --tag 1 --tag 2 --tag 3 --tag 4 --tag 5 --tag 6
check "create with 6 own tags -> exit 2" [ "$RC" = 2 ]
run tenants delete solo -f "$P/tenants.yaml" --purge
check "delete without --yes refused (non-interactive)" [ "$RC" = 1 ]
run tenants delete solo -f "$P/tenants.yaml" --purge --yes --json
check "delete --purge" jq_is '.purged | join(",")' "kv:production-solo,d1:production-solo"
api GET "$A/storage/kv/namespaces?per_page=100"
check "purged kv namespace gone, others kept" bash -c '! jq -e ".result[] | select(.title == \"production-solo\")" <<<"$0" >/dev/null && jq -e ".result[] | select(.title == \"production-acme\")" <<<"$0" >/dev/null' "$OUT"

# --- delete --tag (bulk, server-side) ---
run tenants create b1 --namespace production --script "$P/dist/tenant.mjs" --tag batch
run tenants create b2 --namespace production --script "$P/dist/tenant.mjs" --tag batch
run tenants delete --tag batch --namespace production --yes --json
check "bulk delete by tag" jq_is '.deleted | sort | join(",")' "b1,b2"
check "bulk delete was one server-side request" [ "$(jq -s '[.[] | select(.method == "DELETE" and (.path | endswith("/namespaces/production/scripts")))] | length' "$LOG")" = 1 ]
run tenants list --namespace production --json
check "bulk delete kept the others" jq_is 'map(.id) | sort | join(",")' "acme,beta,delta,foreign"

# --- restart: the instance named by the tenant id ---
api POST "$A/containers/applications" -H 'Content-Type: application/json' \
  --data '{"name":"tapp","scheduling_policy":"default","instances":2,"max_instances":3,"configuration":{"image":"127.0.0.1:5000/acct/web:v1","instance_type":"lite"}}'
run tenants restart tapp-1 --app tapp --json
check "restart: instance stopped" jq_is '"\(.restarted) \(.instance_id | test("-1$"))"' "true true"
check "restart: DELETE of the instance reached the server" [ "$(jq -s '[.[] | select(.method == "DELETE" and (.path | test("/containers/applications/[^/]+/instances/[^/]+-1$")))] | length' "$LOG")" = 1 ]
run tenants restart nosuch --app tapp --json
check "restart without an instance: exit 0, restarted false" bash -c '[ "$0" = 0 ] && jq -e ".restarted == false" <<<"$1" >/dev/null' "$RC" "$OUT"
run tenants create tapp-0 --namespace production --script "$P/dist/tenant.mjs"
run tenants get tapp-0 --namespace production --app tapp --json
check "get --app: the tenant's container instance and its state" jq_is '"\(.container.application) \(.container.state) \(.container.instance_id | test("-0$"))"' "tapp inactive true"
run tenants delete tapp-0 --namespace production --yes
run tenants restart tapp-1 --app nope --json
check "restart with an unknown app -> exit 1" [ "$RC" = 1 ]

# --- faults: exit 3 and a correct per-tenant report; a rerun converges ---
write_file dark delta f1 f2 f3
curl -sS -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data '{"method":"PUT","path_regex":"/scripts/(f1|f3)$","status":500,"count":40}' "http://127.0.0.1:$PORT/__dev/faults" >/dev/null
run tenants apply -f "$P/tenants.yaml" --json --concurrency 4
check "partial failure -> exit 3" [ "$RC" = 3 ]
# acme's own tags were changed by `tenants tag` above: this apply also restores them (a tags-only update)
check "partial: counts" jq_is '"\(.created) \(.updated) \(.failed) \(.unchanged) \(.ok)"' "1 1 2 2 false"
check "partial: the failed ones are f1 and f3" jq_is '[.results[] | select(.status == "failed") | .id] | join(",")' "f1,f3"
check "partial: errors name the server's answer" jq_is '[.results[] | select(.status == "failed") | .error | test("injected fault")] | all' "true"
check "partial: stderr says how many failed" grep -q 'error: 2 of 4 tenant change(s) failed' "$WORK/err"
curl -sS -X DELETE -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/__dev/faults" >/dev/null
run tenants apply -f "$P/tenants.yaml"
check "rerun after faults -> exit 0" [ "$RC" = 0 ]
check "rerun created only the two that failed" grep -q 'Applied: 2 created, 0 updated, 0 deleted, 4 unchanged, 0 failed' <<<"$OUT"
check "non-TTY progress: one line per finished tenant" bash -c '[ "$(grep -c "^created f" "$0")" = 2 ]' "$WORK/err"

# --- schema errors: all at once, before any request ---
cat >"$P/bad.yaml" <<'EOF'
namespace: production
script: ./dist/tenant.mjs
tenants:
  - id: Bad
    plan: nope
  - id: ok
    isolate: [kv, s3]
EOF
N0=$(wc -l <"$LOG")
run tenants apply -f "$P/bad.yaml"
check "bad file -> exit 1" [ "$RC" = 1 ]
check "diagnostic 1 with position and path" grep -q 'bad.yaml:4:9: error: invalid tenant id "Bad"' "$WORK/err"
check "diagnostic 2" grep -q 'bad.yaml:5:11: error: unknown plan "nope"' "$WORK/err"
check "diagnostic 3" grep -q 'bad.yaml:7:19: error: unknown resource kind "s3"' "$WORK/err"
check "no request was sent" [ "$(wc -l <"$LOG")" = "$N0" ]
unset ACME_API_KEY
run tenants apply -f "$P/tenants.yaml" --json
check "missing secret env -> diagnostic in JSON, nothing sent" bash -c '[ "$0" = 1 ] && jq -e ".error.diagnostics[0].line == 13 and .error.diagnostics[0].path == \"tenants[0].secrets.API_KEY.env\"" <<<"$1" >/dev/null' "$RC" "$OUT"
check "still no request" [ "$(wc -l <"$LOG")" = "$N0" ]


# --- a wrangler config as the source: its main, vars and shared bindings are every tenant's base ---
T dispatch-namespace create staging >/dev/null
mkdir -p "$P/cfg/src"
printf 'export default { fetch() { return new Response("cfg") } }\n' >"$P/cfg/src/index.js"
cat >"$P/cfg/wrangler.toml" <<'EOF2'
name = "tenant-base"
main = "./src/index.js"
compatibility_date = "2026-02-01"
[vars]
SHARED = "yes"
THEME = "base"
[[kv_namespaces]]
binding = "ROUTING"
id = "0f2ac74b498b48028cb68387c421e279"
EOF2
cat >"$P/cfg/tenants.yaml" <<'EOF2'
namespace: staging
config: ./wrangler.toml
tenants:
  - { id: one, vars: { THEME: own }, isolate: [kv] }
EOF2
run tenants apply -f "$P/cfg/tenants.yaml" --json
check "apply from a wrangler config" jq_is '.created' 1
api GET "$A/workers/dispatch/namespaces/staging/scripts/one/settings"
check "config: shared var, tenant var overrides, shared and isolated kv bindings" \
  jq_is '[.result.bindings[] | "\(.name)=\(.text // .namespace_id | tostring | .[0:8])"] | sort | join(",")' \
  "ROUTING=0f2ac74b,SHARED=yes,TENANT_KV=$(cut -c1-8 <<<"$(T kv namespace list --json | jq -r '.[] | select(.title == "staging-one") | .id')"),THEME=own"
check "config: compatibility date from the config" jq_is '.result.compatibility_date' "2026-02-01"
run tenants apply -f "$P/cfg/tenants.yaml" --json
check "config source: re-apply unchanged" jq_is '.unchanged' 1
cat >"$P/cfg/other.yaml" <<'EOF2'
namespace: nosuch
config: ./wrangler.toml
tenants: [ { id: one } ]
EOF2
run tenants apply -f "$P/cfg/other.yaml" --json
check "missing namespace -> exit 1 with a hint" bash -c '[ "$0" = 1 ] && jq -e ".error.hint | test(\"dispatch-namespace create nosuch\")" <<<"$1" >/dev/null' "$RC" "$OUT"

# --- secrets_digest_key: a changed secret value is visible from reads (one upload), an unchanged one is not ---
cat >"$P/keyed.yaml" <<'EOF2'
namespace: staging
script: ./dist/tenant.mjs
secrets_digest_key: { env: TENANTS_DIGEST_KEY }
tenants:
  - { id: k1, secrets: { TOKEN: { env: K1_TOKEN } } }
  - { id: k2, secrets: { TOKEN: { env: K2_TOKEN } } }
EOF2
export TENANTS_DIGEST_KEY=0123456789abcdef-digest-key K1_TOKEN=first-token-value K2_TOKEN=k2-token-value
run tenants apply -f "$P/keyed.yaml" --json
check "keyed: created" jq_is '.created' 2
W5=$(writes)
run tenants apply -f "$P/keyed.yaml" --json
check "keyed: same values -> unchanged, zero writes" bash -c '[ "$(jq .unchanged <<<"$0")" = 2 ] && [ "$1" = "$2" ]' "$OUT" "$(writes)" "$W5"
export K1_TOKEN=second-token-value
run tenants apply -f "$P/keyed.yaml" --json
check "keyed: a changed value -> update of k1 (secrets) only" jq_is '[.plan[] | select(.action != "unchanged") | "\(.id):\(.changes | join("+"))"] | join(",")' "k1:secrets"
check "keyed: one write" [ "$(($(writes) - W5))" = 1 ]
check "keyed: no secret value or key in the request log or the tags" bash -c '! grep -q -e second-token -e first-token -e digest-key "$0"' "$LOG"
unset TENANTS_DIGEST_KEY
run tenants apply -f "$P/keyed.yaml" --json
check "keyed: missing key -> diagnostic, exit 1" bash -c '[ "$0" = 1 ] && jq -e ".error.diagnostics[0].path == \"secrets_digest_key.env\"" <<<"$1" >/dev/null' "$RC" "$OUT"

# --- a terminal gets a progress bar ---
cat >"$P/tty.yaml" <<'EOF2'
namespace: staging
script: ./dist/tenant.mjs
tenants: [ { id: p1 }, { id: p2 }, { id: p3 } ]
EOF2
script -qec "\"$TENANTCTL\" --local tenants apply -f \"$P/tty.yaml\"" /dev/null >"$WORK/tty.out" 2>&1 </dev/null || true
check "TTY: progress bar drawn to the end" grep -q '\[##############################\] 3/3' "$WORK/tty.out"
check "TTY: no per-tenant lines" bash -c '! grep -q "^created p" "$0"' "$WORK/tty.out"

# --- --prune --purge: the pruned tenants' resources go too, the kept tenant's stay ---
write_file dark
sed -i '/^  - id: beta/,$d' "$P/tenants.yaml"
export ACME_API_KEY=acme-secret-value-123
run tenants apply -f "$P/tenants.yaml" --prune --purge --yes --json
check "prune --purge exits 0" [ "$RC" = 0 ]
check "prune --purge deleted every other managed tenant" jq_is '[.results[] | select(.action == "delete") | .id] | sort | join(",")' "beta,delta,f1,f2,f3"
api GET "$A/storage/kv/namespaces?per_page=100"
check "beta's kv namespace purged, acme's kept" bash -c '! jq -e ".result[] | select(.title == \"production-beta\")" <<<"$0" >/dev/null && jq -e ".result[] | select(.title == \"production-acme\")" <<<"$0" >/dev/null' "$OUT"
api GET "$NSP"
check "only acme and the unmanaged script remain" jq_is '[.result[].script.id] | sort | join(",")' "acme,foreign"

# --- help works everywhere ---
for sub in create list get tag restart delete apply "secret put" "secret list" "secret delete"; do
  # shellcheck disable=SC2086
  check "tenants $sub --help" bash -c "\"$TENANTCTL\" tenants $sub --help >/dev/null"
done
finish
