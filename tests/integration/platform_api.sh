#!/usr/bin/env bash
# labels: integration;platform
# timeout: 300
# `tenantctl dev`: every endpoint family through curl, error envelopes, restart keeps state.
source "$(dirname "$0")/platform_common.inc"
start_dev --test-hooks

# --- files written on start ---
check "dev.json has api_url, pid and port" jq -e '.api_url and .pid and .port' "$STATE/dev.json" >/dev/null
check "profile is mode 0600" [ "$(stat -c %a "$XDG_CONFIG_HOME/tenantctl/profiles/local.json")" = 600 ]
check "profile has exactly api_url, api_token, account_id" \
  [ "$(jq -c 'keys' "$XDG_CONFIG_HOME/tenantctl/profiles/local.json")" = '["account_id","api_token","api_url"]' ]
check "credentials are mode 0600" [ "$(stat -c %a "$STATE/credentials.json")" = 600 ]
check "account id is 32 hex" bash -c '[[ $0 =~ ^[0-9a-f]{32}$ ]]' "$ACCT"

# --- auth ---
OUT=$(curl -sS -w '\n%{http_code}' "$BASE/user/tokens/verify"); STATUS=${OUT##*$'\n'}; OUT=${OUT%$'\n'*}
check "no token -> 401 code 10000" bash -c '[ "$0" = 401 ] && [ "$(jq -r ".errors[0].code" <<<"$1")" = 10000 ]' "$STATUS" "$OUT"
OUT=$(curl -sS -w '\n%{http_code}' -H "Authorization: Bearer wrong" "$BASE/accounts"); STATUS=${OUT##*$'\n'}
check "bad token -> 401" status_is 401
OUT=$(curl -sS -w '\n%{http_code}' -H "X-Auth-Email: a@b.c" -H "X-Auth-Key: $TOKEN" "$BASE/accounts"); STATUS=${OUT##*$'\n'}
check "X-Auth-Email + X-Auth-Key accepted" status_is 200
api GET /user/tokens/verify
check "token verify active" jq_is .result.status active
api GET /accounts
check "accounts list has our account and result_info" jq_is '"\(.result[0].id) \(.result_info.total_count)"' "$ACCT 1"
api GET "/accounts/$ACCT"
check "account details" jq_is .result.id "$ACCT"
api GET /memberships
check "memberships" jq_is '.result[0].account.id' "$ACCT"
api GET "/accounts/0123456789abcdef0123456789abcdef/workers/scripts"
check "another account -> 403" status_is 403

# --- errors ---
api GET /nope
check "unknown route -> 404 code 7003" bash -c '[ "$STATUS" = 404 ] && jq -e ".errors[0].code == 7003 and .success == false and .result == null" <<<"$OUT" >/dev/null'
api POST /user/tokens/verify
check "wrong method -> 405 envelope" bash -c '[ "$STATUS" = 405 ] && jq -e ".success == false" <<<"$OUT" >/dev/null'
api POST "$A/workers/dispatch/namespaces" -H 'Content-Type: application/json' --data '{"name":'
check "bad JSON -> 400 envelope" bash -c '[ "$STATUS" = 400 ] && jq -e ".errors[0].message | test(\"JSON\")" <<<"$OUT" >/dev/null'
head -c $((101*1024*1024)) /dev/zero >"$WORK/big"
api PUT "$A/storage/kv/namespaces/x/values/k" --data-binary "@$WORK/big"
check "oversized body -> 413 envelope" bash -c '[ "$STATUS" = 413 ] && jq -e ".errors[0].code == 10002" <<<"$OUT" >/dev/null'
rm -f "$WORK/big"
api GET /user/tokens/verify -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)"
check "oversized headers -> 431 envelope" bash -c '[ "$STATUS" = 431 ] && jq -e ".success == false" <<<"$OUT" >/dev/null'

# --- dispatch namespaces ---
api POST "$A/workers/dispatch/namespaces" -H 'Content-Type: application/json' --data '{"name":"prod"}'
check "create namespace" jq_is .result.namespace_name prod
api POST "$A/workers/dispatch/namespaces" -H 'Content-Type: application/json' --data '{"name":"prod"}'
check "duplicate namespace -> 409" status_is 409
api POST "$A/workers/dispatch/namespaces" -H 'Content-Type: application/json' --data '{"name":"tmp"}'
api PUT "$A/workers/dispatch/namespaces/tmp" -H 'Content-Type: application/json' --data '{"name":"tmp2"}'
check "rename namespace with PUT" jq_is .result.namespace_name tmp2
api PATCH "$A/workers/dispatch/namespaces/tmp2" -H 'Content-Type: application/json' --data '{"trusted_workers":true}'
check "patch namespace" jq_is .result.trusted_workers true
api GET "$A/workers/dispatch/namespaces"
check "list namespaces" jq_is '.result | length' 2
api DELETE "$A/workers/dispatch/namespaces/tmp2"
check "delete namespace" status_is 200
api GET "$A/workers/dispatch/namespaces/tmp2"
check "deleted namespace -> 404" status_is 404

# --- namespace scripts, tags, secrets ---
upload_ns_script prod alpha '["customer-1","plan-free"]' 's3cr3t-value-alpha'
check "upload with tags from metadata" bash -c '[ "$STATUS" = 200 ] && jq -e ".result.tags == [\"customer-1\",\"plan-free\"] and (.result.startup_time_ms | type) == \"number\" and .result.startup_time_ms >= 0" <<<"$OUT" >/dev/null'
upload_ns_script prod beta '["customer-2","plan-pro"]'
upload_ns_script prod gamma '["customer-3","plan-free"]'
upload_ns_script prod toomany '["a","b","c","d","e","f","g","h","i"]'
check "9 tags in metadata -> 400" status_is 400
api GET "$A/workers/dispatch/namespaces/prod/scripts/toomany"
check "refused upload stored nothing (404 code 10092)" bash -c '[ "$STATUS" = 404 ] && jq -e ".errors[0].code == 10092" <<<"$OUT" >/dev/null'
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha"
check "script details" jq_is '"\(.result.dispatch_namespace) \(.result.script.id)"' "prod alpha"
api GET "$A/workers/dispatch/namespaces/prod/scripts?tags=plan-free:yes"
check "tag filter yes" jq_is '[.result[].script.id] | sort | join(",")' "alpha,gamma"
api GET "$A/workers/dispatch/namespaces/prod/scripts?tags=plan-free:yes,customer-1:no"
check "tag filter yes+no" jq_is '[.result[].script.id] | join(",")' "gamma"
api GET "$A/workers/dispatch/namespaces/prod/scripts?tags=plan-free:maybe"
check "bad tag filter -> 400" status_is 400
api GET "$A/workers/dispatch/namespaces/prod"
check "namespace script_count" jq_is .result.script_count 3
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha/content"
check "content returns the module" bash -c '[ "$STATUS" = 200 ] && grep -q "new Response(\"alpha\")" <<<"$OUT"'
printf '{"main_module":"main.js"}' >"$WORK/m2.json"; printf 'export default {}' >"$WORK/main.js"
api PUT "$A/workers/dispatch/namespaces/prod/scripts/alpha/content" -F "metadata=@$WORK/m2.json;type=application/json" \
  -F "main.js=@$WORK/main.js;filename=main.js;type=application/javascript+module"
check "put content" status_is 200
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha/content"
check "content replaced" bash -c '[ "$OUT" = "export default {}" ]'
printf '{"compatibility_date":"2025-06-01","tags":["customer-1","plan-pro"]}' >"$WORK/settings.json"
api PATCH "$A/workers/dispatch/namespaces/prod/scripts/alpha/settings" -F "settings=@$WORK/settings.json;type=application/json"
check "patch settings (multipart)" jq_is '"\(.result.compatibility_date) \(.result.tags | join(","))"' "2025-06-01 customer-1,plan-pro"
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha/settings"
check "get settings" jq_is .result.compatibility_date 2025-06-01
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha/tags"
check "get tags (result)" jq_is '.result | join(",")' "customer-1,plan-pro"
api PUT "$A/workers/dispatch/namespaces/prod/scripts/alpha/tags" -H 'Content-Type: application/json' --data '["a","b","c","d","e","f","g","h"]'
check "put 8 tags" jq_is '.result | length' 8
api PUT "$A/workers/dispatch/namespaces/prod/scripts/alpha/tags/ninth"
check "9th tag -> 400" status_is 400
api PUT "$A/workers/dispatch/namespaces/prod/scripts/alpha/tags" -H 'Content-Type: application/json' --data '["a","b","c","d","e","f","g","h","i"]'
check "put 9 tags -> 400" status_is 400
api DELETE "$A/workers/dispatch/namespaces/prod/scripts/alpha/tags/h"
api PUT "$A/workers/dispatch/namespaces/prod/scripts/alpha/tags/customer-1"
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha/tags"
check "put one / delete one tag" jq_is '.result | join(",")' "a,b,c,d,e,f,g,customer-1"
api PUT "$A/workers/dispatch/namespaces/prod/scripts/alpha/secrets" -H 'Content-Type: application/json' \
  --data '{"name":"DB_PASSWORD","text":"hunter2-very-secret","type":"secret_text"}'
check "put secret returns name/type only" bash -c '[ "$STATUS" = 200 ] && jq -e ".result == {\"name\":\"DB_PASSWORD\",\"type\":\"secret_text\"}" <<<"$OUT" >/dev/null'
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha/secrets"
check "list secrets (upload binding + put)" jq_is '[.result[].name] | join(",")' "API_KEY,DB_PASSWORD"
check "secret values never returned (list)" bash -c '! grep -q -e hunter2 -e s3cr3t <<<"$OUT"'
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha/secrets/DB_PASSWORD"
check "get one secret" bash -c '[ "$STATUS" = 200 ] && ! grep -q hunter2 <<<"$OUT"'
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha/bindings"
check "bindings list the secret without its value" bash -c 'jq -e "[.result[].name] | index(\"DB_PASSWORD\")" <<<"$OUT" >/dev/null && ! grep -q hunter2 <<<"$OUT"'
api PATCH "$A/workers/dispatch/namespaces/prod/scripts/alpha/secrets-bulk" -H 'Content-Type: application/json' \
  --data '{"secrets":{"API_KEY":null,"NEW_ONE":{"type":"secret_text","text":"another-secret-xyz"}}}'
check "secrets-bulk merge patch" jq_is '.result | keys | join(",")' "DB_PASSWORD,NEW_ONE"
check "secrets-bulk hides values" bash -c '! grep -q another-secret <<<"$OUT"'
api DELETE "$A/workers/dispatch/namespaces/prod/scripts/alpha/secrets/NEW_ONE"
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha/secrets/NEW_ONE"
check "deleted secret -> 404" status_is 404
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha/settings"
check "settings never show secret values" bash -c '! grep -q -e hunter2 -e s3cr3t <<<"$OUT"'
# malformed multipart
api PUT "$A/workers/dispatch/namespaces/prod/scripts/bad" -H 'Content-Type: multipart/form-data; boundary=xyz' --data-binary $'--xyz\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{}'
check "unterminated multipart -> 400" bash -c '[ "$STATUS" = 400 ] && jq -e ".success == false" <<<"$OUT" >/dev/null'
api PUT "$A/workers/dispatch/namespaces/prod/scripts/bad" -H 'Content-Type: multipart/form-data' --data-binary 'x'
check "multipart without boundary -> 400" status_is 400
# bulk delete by tags
for i in 1 2 3 4 5; do upload_ns_script prod "bulk-$i" '["batch-x"]'; done
api DELETE "$A/workers/dispatch/namespaces/prod/scripts?tags=batch-x:yes&limit=3"
check "bulk delete with limit" jq_is '"\(.result.deleted_count) \(.result.has_more)"' "3 true"
api DELETE "$A/workers/dispatch/namespaces/prod/scripts?tags=batch-x:yes"
check "bulk delete rest" jq_is '"\(.result.deleted_count) \(.result.has_more)"' "2 false"
api GET "$A/workers/dispatch/namespaces/prod/scripts?tags=batch-x:yes"
check "bulk-deleted scripts are gone" jq_is '.result | length' 0
api DELETE "$A/workers/dispatch/namespaces/prod/scripts/beta?force=true"
check "delete script" status_is 200
api DELETE "$A/workers/dispatch/namespaces/prod/scripts/beta"
check "delete missing script -> 404 10092" jq_is '.errors[0].code' 10092

# --- account scripts, versions, deployments ---
printf '{"main_module":"index.js","compatibility_date":"2025-01-01"}' >"$WORK/w.json"
printf 'export default {}' >"$WORK/index.js"
api PUT "$A/workers/scripts/Bad_Name" -F "metadata=@$WORK/w.json;type=application/json" -F "index.js=@$WORK/index.js;type=application/javascript+module"
check "invalid account script name -> 400" status_is 400
api PUT "$A/workers/scripts/router" -F "metadata=@$WORK/w.json;type=application/json" -F "index.js=@$WORK/index.js;type=application/javascript+module"
check "upload account script" jq_is .result.id router
api GET "$A/workers/scripts"
check "list account scripts" jq_is '.result[0].id' router
api PUT "$A/workers/scripts/router/secrets" -H 'Content-Type: application/json' --data '{"name":"TOKEN","text":"zzz-secret-1","type":"secret_text"}'
api GET "$A/workers/scripts/router/secrets"
check "account script secrets" bash -c 'jq -e ".result == [{\"name\":\"TOKEN\",\"type\":\"secret_text\"}]" <<<"$OUT" >/dev/null'
api GET "$A/workers/scripts/router/versions"
check "upload created version 1" jq_is '.result.items[0].number' 1
VID=$(printf '%s' "$OUT" | jq -r '.result.items[0].id')
api POST "$A/workers/scripts/router/versions" -F "metadata=@$WORK/w.json;type=application/json" -F "index.js=@$WORK/index.js;type=application/javascript+module"
check "upload version 2" jq_is .result.number 2
V2=$(printf '%s' "$OUT" | jq -r .result.id)
api GET "$A/workers/scripts/router/versions/$V2"
check "get version" jq_is .result.id "$V2"
api POST "$A/workers/scripts/router/deployments" -H 'Content-Type: application/json' \
  --data "{\"strategy\":\"percentage\",\"versions\":[{\"version_id\":\"$VID\",\"percentage\":50},{\"version_id\":\"$V2\",\"percentage\":50}]}"
check "create deployment" jq_is '.result.versions | length' 2
api POST "$A/workers/scripts/router/deployments" -H 'Content-Type: application/json' --data '{"strategy":"percentage","versions":[{"version_id":"nope","percentage":100}]}'
check "deployment of unknown version -> 404" status_is 404
api GET "$A/workers/scripts/router/deployments"
check "list deployments (newest first)" jq_is '.result.deployments | length' 2
api DELETE "$A/workers/scripts/router"
api DELETE "$A/workers/scripts/router"
check "delete missing account script -> 404 10007" bash -c '[ "$STATUS" = 404 ] && jq -e ".errors[0].code == 10007" <<<"$OUT" >/dev/null'

# --- KV ---
api POST "$A/storage/kv/namespaces" -H 'Content-Type: application/json' --data '{"title":"cache"}'
KV=$(printf '%s' "$OUT" | jq -r .result.id)
check "create kv namespace" jq_is .result.title cache
api POST "$A/storage/kv/namespaces" -H 'Content-Type: application/json' --data '{"title":"cache"}'
check "duplicate kv title -> 400 10014 (as Cloudflare)" bash -c '[ "$STATUS" = 400 ] && jq -e ".errors[0].code == 10014" <<<"$OUT" >/dev/null'
for i in $(seq 1 6); do api POST "$A/storage/kv/namespaces" -H 'Content-Type: application/json' --data "{\"title\":\"ns-$i\"}"; done
api GET "$A/storage/kv/namespaces?per_page=5&page=2"
check "kv namespaces page 2" jq_is '"\(.result | length) \(.result_info.total_count) \(.result_info.page)"' "2 7 2"
api PUT "$A/storage/kv/namespaces/$KV" -H 'Content-Type: application/json' --data '{"title":"cache2"}'
api GET "$A/storage/kv/namespaces/$KV"
check "rename kv namespace" jq_is .result.title cache2
for i in $(seq -w 1 25); do
  curl -sS -o /dev/null -X PUT -H "Authorization: Bearer $TOKEN" --data-binary "value-$i" "$A/storage/kv/namespaces/$KV/values/key-$i"
done
api PUT "$A/storage/kv/namespaces/$KV/values/with%2Fslash" -F 'value=hello multipart' -F 'metadata={"a":1}'
check "multipart kv put" status_is 200
api GET "$A/storage/kv/namespaces/$KV/values/with%2Fslash"
check "raw get of multipart value" bash -c '[ "$OUT" = "hello multipart" ]'
api GET "$A/storage/kv/namespaces/$KV/values/key-07"
check "raw get" bash -c '[ "$OUT" = "value-07" ]'
api GET "$A/storage/kv/namespaces/$KV/keys?limit=10&prefix=key-"
C1=$(printf '%s' "$OUT" | jq -r .result_info.cursor)
check "keys page 1" jq_is '"\(.result | length) \(.result[0].name) \(.result_info.count)"' "10 key-01 10"
api GET "$A/storage/kv/namespaces/$KV/keys?limit=10&prefix=key-&cursor=$C1"
C2=$(printf '%s' "$OUT" | jq -r .result_info.cursor)
check "keys page 2" jq_is '"\(.result[0].name) \(.result[9].name)"' "key-11 key-20"
api GET "$A/storage/kv/namespaces/$KV/keys?limit=10&prefix=key-&cursor=$C2"
check "keys last page has empty cursor" jq_is '"\(.result | length) \(.result_info.cursor)"' "5 "
api GET "$A/storage/kv/namespaces/$KV/keys?prefix=with"
check "key metadata listed" jq_is '.result[0].metadata.a' 1
api DELETE "$A/storage/kv/namespaces/$KV/values/key-07"
api GET "$A/storage/kv/namespaces/$KV/values/key-07"
check "deleted key -> 404" status_is 404
api GET "$A/storage/kv/namespaces/$KV/keys?limit=5"
check "limit below 10 -> 400" status_is 400

# --- R2 ---
for b in assets logs media; do api POST "$A/r2/buckets" -H 'Content-Type: application/json' --data "{\"name\":\"$b\"}"; done
check "create bucket" jq_is .result.name media
api POST "$A/r2/buckets" -H 'Content-Type: application/json' --data '{"name":"Bad_Bucket"}'
check "invalid bucket name -> 400" status_is 400
api POST "$A/r2/buckets" -H 'Content-Type: application/json' --data '{"name":"logs"}'
check "duplicate bucket -> 409" status_is 409
api GET "$A/r2/buckets?per_page=2"
R2C=$(printf '%s' "$OUT" | jq -r .result_info.cursor)
check "list buckets page 1 {buckets}" jq_is '[.result.buckets[].name] | join(",")' "assets,logs"
api GET "$A/r2/buckets?per_page=2&cursor=$R2C"
check "list buckets page 2" jq_is '"\([.result.buckets[].name] | join(",")) \(.result_info.cursor // "")"' "media "
api GET "$A/r2/buckets/logs"
check "get bucket" jq_is .result.name logs
api DELETE "$A/r2/buckets/logs"
api GET "$A/r2/buckets/logs"
check "deleted bucket -> 404" status_is 404

# --- D1 ---
api POST "$A/d1/database" -H 'Content-Type: application/json' --data '{"name":"main-db"}'
D1=$(printf '%s' "$OUT" | jq -r .result.uuid)
check "create d1" jq_is .result.name main-db
api GET "$A/d1/database"
check "list d1" jq_is '.result[0].uuid' "$D1"
api GET "$A/d1/database/$D1"
check "get d1" jq_is .result.name main-db
api DELETE "$A/d1/database/$D1"
api GET "$A/d1/database/$D1"
check "deleted d1 -> 404" status_is 404

# --- containers ---
CFG='{"name":"web","scheduling_policy":"default","instances":2,"max_instances":3,"configuration":{"image":"127.0.0.1:5000/acct/web:v1","instance_type":"lite"}}'
api POST "$A/containers/applications" -H 'Content-Type: application/json' --data "$CFG"
APP=$(printf '%s' "$OUT" | jq -r .result.id)
check "create application -> 201" bash -c '[ "$STATUS" = 201 ] && jq -e ".result.version == 1" <<<"$OUT" >/dev/null'
api POST "$A/containers/applications" -H 'Content-Type: application/json' --data "$CFG"
check "duplicate application -> 409" status_is 409
api POST "$A/containers/applications" -H 'Content-Type: application/json' --data '{"name":"x","instances":1,"configuration":{}}'
check "application without image -> 400" status_is 400
for n in api worker; do api POST "$A/containers/applications" -H 'Content-Type: application/json' --data "{\"name\":\"$n\",\"instances\":1,\"configuration\":{\"image\":\"img:$n\"}}"; done
api GET "$A/containers/applications?per_page=2"
TOK=$(printf '%s' "$OUT" | jq -r .result_info.next_page_token)
check "applications page 1 has next_page_token" bash -c '[ "$(jq -r ".result | length" <<<"$OUT")" = 2 ] && [ -n "$0" ] && [ "$0" != null ]' "$TOK"
api GET "$A/containers/applications?per_page=2&page_token=$TOK"
check "applications page 2" jq_is '"\(.result | length) \(.result_info.next_page_token // "none")"' "1 none"
api GET "$A/containers/dash/applications"
check "dash applications" jq_is '.result | length' 3
api PATCH "$A/containers/applications/$APP" -H 'Content-Type: application/json' --data '{"instances":3,"configuration":{"image":"127.0.0.1:5000/acct/web:v2"}}'
check "patch application bumps version" jq_is '"\(.result.version) \(.result.configuration.image)"' "2 127.0.0.1:5000/acct/web:v2"
api POST "$A/containers/applications/$APP/rollouts" -H 'Content-Type: application/json' \
  --data '{"description":"restart","strategy":"new_instances","target_configuration":{}}'
RID=$(printf '%s' "$OUT" | jq -r .result.id)
check "rollout -> 201" status_is 201
api GET "$A/containers/applications/$APP/rollouts/$RID"
check "get rollout" jq_is .result.id "$RID"
api GET "$A/containers/applications/$APP/rollouts"
check "list rollouts" jq_is '.result | length' 1
api GET "$A/containers/applications/$APP/instances-v2"
IID=$(printf '%s' "$OUT" | jq -r '.result[0].id')
check "instances-v2 lists 3 instances" jq_is '.result | length' 3
api GET "$A/containers/dash/applications/$APP/instances"
check "dash instances" jq_is '.result.instances | length' 3
api GET "$A/containers/applications/$APP/instances/$IID"
check "get instance" jq_is .result.id "$IID"
api DELETE "$A/containers/applications/$APP/instances/$IID"
check "delete instance" status_is 200
api DELETE "$A/containers/applications/$APP/instances/nope"
check "delete unknown instance -> 404" status_is 404
api GET "$A/containers/registries"
check "registries list includes the placeholder registry" jq_is '.result[0].domain' "127.0.0.1:5000"
api POST "$A/containers/registries" -H 'Content-Type: application/json' --data '{"domain":"example.registry.local","kind":"DockerHub","is_public":true}'
check "add registry -> 201" status_is 201
api POST "$A/containers/registries/127.0.0.1:5000/credentials" -H 'Content-Type: application/json' --data '{"expiration_minutes":15,"permissions":["push","pull"]}'
check "registry credentials -> 201" bash -c '[ "$STATUS" = 201 ] && jq -e ".result.registry_host == \"127.0.0.1:5000\" and (.result.password | length) > 0 and .result.account_id == \"$0\"" <<<"$OUT" >/dev/null' "$ACCT"
api POST "$A/containers/registries/example.registry.local/credentials" -H 'Content-Type: application/json' --data '{"expiration_minutes":15,"permissions":["pull"]}'
check "credentials for a public registry -> 409" status_is 409
api POST "$A/containers/registries/unknown.example/credentials" -H 'Content-Type: application/json' --data '{"expiration_minutes":15,"permissions":["pull"]}'
check "credentials for unknown registry -> 404" status_is 404
api DELETE "$A/containers/registries/example.registry.local"
check "delete registry" jq_is .result.domain example.registry.local
api GET "$A/containers/me"
check "containers/me" jq_is .result.account_id "$ACCT"
api DELETE "$A/containers/applications/$APP"
api GET "$A/containers/applications/$APP"
check "deleted application -> 404" status_is 404

# --- fault injection (test hooks) ---
OUT=$(curl -sS -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data '{"method":"GET","path_regex":"/user/tokens/verify$","status":503,"count":2}' "http://127.0.0.1:$PORT/__dev/faults")
api GET /user/tokens/verify; S1=$STATUS
api GET /user/tokens/verify; S2=$STATUS
api GET /user/tokens/verify; S3=$STATUS
check "fault injected exactly twice" [ "$S1 $S2 $S3" = "503 503 200" ]
curl -sS -X DELETE -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/__dev/faults" >/dev/null
# hardening #7: the fault endpoint needs the token, and a pattern is at most k_max_fault_regex_bytes long
STATUS=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data '{"status":503}' "http://127.0.0.1:$PORT/__dev/faults")
check "fault endpoint without the token -> 401" status_is 401
STATUS=$(curl -sS -o "$WORK/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data "{\"path_regex\":\"$(printf 'a%.0s' $(seq 1 300))\"}" "http://127.0.0.1:$PORT/__dev/faults"); OUT=$(cat "$WORK/body")
check "a 300-byte path_regex -> 400 naming k_max_fault_regex_bytes" bash -c '[ "$STATUS" = 400 ] && grep -q k_max_fault_regex_bytes <<<"$OUT"'

# --- request log ---
check "request log has one JSON line per request with ts/method/path/status" \
  bash -c 'jq -e -s "all(.[]; has(\"ts\") and has(\"method\") and has(\"path\") and has(\"status\")) and length > 100" "$0" >/dev/null' "$STATE/requests.log"
check "request log holds no secrets or query strings" bash -c '! grep -q -e hunter2 -e s3cr3t -e "?" -e "$1" "$0"' "$STATE/requests.log" "$TOKEN"

# --- restart keeps state ---
stop_dev; RC=$?
check "SIGTERM -> exit 0" [ "$RC" = 0 ]
start_dev
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha/tags"
check "after restart: tags kept" jq_is '.result | join(",")' "a,b,c,d,e,f,g,customer-1"
api GET "$A/workers/dispatch/namespaces/prod/scripts/alpha/secrets"
check "after restart: secrets kept" jq_is '[.result[].name] | join(",")' "DB_PASSWORD"
api GET "$A/storage/kv/namespaces/$KV/values/key-08"
check "after restart: kv kept" bash -c '[ "$OUT" = "value-08" ]'
api GET "$A/containers/applications"
check "after restart: applications kept" jq_is '.result | length' 2
check "after restart: same account" [ "$(jq -r .account_id "$XDG_CONFIG_HOME/tenantctl/profiles/local.json")" = "$ACCT" ]
api GET "http://127.0.0.1:$PORT/__dev/faults"
check "test hooks are off without --test-hooks" status_is 404
finish
