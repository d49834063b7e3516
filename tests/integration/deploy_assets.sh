#!/usr/bin/env bash
# labels: integration;deploy
# timeout: 300
# A project with routes, crons, workers.dev and static assets deployed to `tenantctl dev`; the assets as wrangler
# deploys them: the upload session, the buckets the
# platform lacks (sent with the session token, contents checked against their hashes), then the worker upload
# with metadata.assets {jwt, config}. HTML, CSS and a binary file arrive byte for byte; .assetsignore, _headers
# and _redirects are honoured; an unchanged redeploy sends no write; --force opens a session but uploads no
# bucket; one changed file is one upload of one file; a dispatch-namespace script and an assets-only worker;
# --dry-run --outdir sends nothing; bad assets configs stop the deploy before anything is sent.
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
start_dev
log=$STATE/requests.log
db=$STATE/state.db
tc() { "$TENANTCTL" --local "$@"; }
lines() { [ -f "$log" ] && wc -l <"$log" || echo 0; }
requests_since() { tail -n +"$(( $1 + 1 ))" "$log" | jq -r '.method + " " + .path'; }
writes_since() { tail -n +"$(( $1 + 1 ))" "$log" | jq -r 'select(.method != "GET" and .method != "HEAD") | .method + " " + .path'; }
count_of() { printf '%s\n' "$1" | grep -c -- "$2" || true; }
sql() { sqlite3 "$db" "$1"; }
doc_of() { sql "SELECT doc FROM objects WHERE kind='$1' AND name='$2'"; }

p=$WORK/site
mkdir -p "$p/src" "$p/public/css" "$p/public/img" "$p/public/docs"
echo 'export default { async fetch(req, env) { return env.ASSETS.fetch(req); } };' >"$p/src/index.js"
cat >"$p/wrangler.toml" <<'TOML'
name = "site"
main = "./src/index.js"
compatibility_date = "2026-01-01"
workers_dev = true
routes = [ { pattern = "site.example.com/*", zone_name = "example.com" } ]
[triggers]
crons = ["0 * * * *"]
[assets]
directory = "./public"
binding = "ASSETS"
html_handling = "auto-trailing-slash"
not_found_handling = "single-page-application"
run_worker_first = ["/api/*"]
TOML
printf '<!doctype html>\n<title>site</title><link rel="stylesheet" href="/css/site.css">\n' >"$p/public/index.html"
printf 'body { color: #333; }\n' >"$p/public/css/site.css"
head -c 200000 /dev/urandom >"$p/public/img/logo.bin"
printf '\x00\x01\x02\xff' >>"$p/public/img/logo.bin"
printf 'same bytes\n' >"$p/public/docs/a.txt"
printf 'same bytes\n' >"$p/public/docs/b.txt"
printf 'private\n' >"$p/public/secret.txt"
printf '{}' >"$p/public/app.js.map"
printf 'secret.txt\n*.map\n' >"$p/public/.assetsignore"
printf '/*\n  X-Frame-Options: DENY\n' >"$p/public/_headers"
printf '/old /new 301\n' >"$p/public/_redirects"

n=$(lines)
tc --cwd "$p" deploy >"$WORK/d1.out" 2>&1 || { cat "$WORK/d1.out"; exit 1; }
r=$(requests_since "$n")
S=/client/v4/accounts/$ACCT/workers/scripts/site
check "first deploy: one upload session, then one bucket upload, then the worker upload" \
  bash -c '[ "$(printf "%s\n" "$0" | grep -E "^(POST|PUT) " | grep -E "assets|scripts/site$" | tr "\n" "|")" = "POST $1/assets-upload-session|POST /client/v4/accounts/$2/workers/assets/upload|PUT $1|" ]' "$r" "$S" "$ACCT"
check "the report names the assets (5 files, 4 distinct contents uploaded)" grep -q "assets: 5 files.*; uploaded 4 " "$WORK/d1.out"
check "four contents stored (two files share one)" [ "$(sql "SELECT COUNT(*) FROM objects WHERE kind='asset'")" = 4 ]
for f in index.html css/site.css img/logo.bin docs/a.txt; do
  h=$(doc_of ws site | jq -r --arg k "/$f" '.assets.manifest[$k].hash')
  check "/$f is stored byte for byte" \
    [ "$(sql "SELECT lower(hex(blob)) FROM objects WHERE kind='asset' AND name='$h'")" = "$(od -An -v -tx1 "$p/public/$f" | tr -d ' \n')" ]
done
check "the manifest has exactly the files that are not ignored" \
  [ "$(doc_of ws site | jq -c '.assets.manifest | keys')" = '["/css/site.css","/docs/a.txt","/docs/b.txt","/img/logo.bin","/index.html"]' ]
check "the asset config: html_handling, not_found_handling, run_worker_first, _headers, _redirects" \
  [ "$(doc_of ws site | jq -c '.assets.config | [.html_handling, .not_found_handling, .run_worker_first, ._headers, ._redirects]')" = '["auto-trailing-slash","single-page-application",["/api/*"],"/*\n  X-Frame-Options: DENY\n","/old /new 301\n"]' ]
check "the assets binding is uploaded" [ "$(doc_of ws site | jq -c '[.settings.bindings[] | select(.type == "assets") | .name]')" = '["ASSETS"]' ]
api GET "/accounts/$ACCT/workers/scripts"
check "the script says has_assets" jq_is '.result[] | select(.id == "site") | .has_assets' true
check "routes, crons and workers.dev are set with the assets" \
  [ "$(doc_of ws site | jq -c '[[.routes[].pattern], [.schedules[].cron], .subdomain.enabled]')" = '[["site.example.com/*"],["0 * * * *"],true]' ]

n=$(lines)
tc --cwd "$p" deploy >"$WORK/d2.out" 2>&1
check "an unchanged redeploy sends no write" bash -c '[ -z "$0" ]' "$(writes_since "$n")"
check "... and says the worker is unchanged" grep -q "unchanged, not uploaded" "$WORK/d2.out"

n=$(lines)
tc --cwd "$p" deploy --force >"$WORK/d3.out" 2>&1 || { cat "$WORK/d3.out"; exit 1; }
w=$(writes_since "$n")
check "--force: an upload session and the worker upload, but no bucket (the platform has every content)" \
  [ "$(count_of "$w" assets-upload-session):$(count_of "$w" /workers/assets/upload):$(count_of "$w" "PUT $S\$")" = 1:0:1 ]
check "... and the report says nothing was uploaded" grep -q "uploaded 0 (0 bytes): the platform had every one" "$WORK/d3.out"

printf 'body { color: #000; }\n' >"$p/public/css/site.css"
n=$(lines)
tc --cwd "$p" deploy >"$WORK/d4.out" 2>&1 || { cat "$WORK/d4.out"; exit 1; }
w=$(writes_since "$n")
check "one changed file: one bucket upload" [ "$(count_of "$w" /workers/assets/upload)" = 1 ]
check "... carrying that file alone" grep -q "uploaded 1 (22 bytes)$" "$WORK/d4.out"
h=$(doc_of ws site | jq -r '.assets.manifest["/css/site.css"].hash')
check "... and the manifest names its new content" \
  [ "$(sql "SELECT CAST(blob AS TEXT) FROM objects WHERE kind='asset' AND name='$h'")" = 'body { color: #000; }' ]

# A dispatch-namespace script: the session is the namespace script's; the account already has every content.
tc dispatch-namespace create ns1 >/dev/null
n=$(lines)
tc --cwd "$p" deploy --dispatch-namespace ns1 --name tenant-a >"$WORK/ns.out" 2>&1 || { cat "$WORK/ns.out"; exit 1; }
w=$(writes_since "$n")
check "dispatch namespace: the namespace script's upload session, no bucket" \
  [ "$(count_of "$w" "dispatch/namespaces/ns1/scripts/tenant-a/assets-upload-session"):$(count_of "$w" /workers/assets/upload)" = 1:0 ]
check "... and the namespace script has the manifest" [ "$(doc_of nss tenant-a | jq '.assets.manifest | length')" = 5 ]

# An assets-only worker (no main): metadata alone.
q=$WORK/docs
mkdir -p "$q/dist"
printf '<h1>docs</h1>\n' >"$q/dist/index.html"
printf 'name = "docs"\ncompatibility_date = "2026-01-01"\n[assets]\ndirectory = "./dist"\nnot_found_handling = "404-page"\n' >"$q/wrangler.toml"
tc --cwd "$q" deploy >"$WORK/ao.out" 2>&1 || { cat "$WORK/ao.out"; exit 1; }
check "assets-only: deployed with its manifest and config, no module" \
  [ "$(doc_of ws docs | jq -c '[(.assets.manifest | keys), .assets.config.not_found_handling, (.modules | length), .script.has_assets]')" = '[["/index.html"],"404-page",0,true]' ]
n=$(lines)
tc --cwd "$q" deploy >/dev/null 2>&1
check "assets-only: an unchanged redeploy sends no write" bash -c '[ -z "$0" ]' "$(writes_since "$n")"

# --dry-run --outdir: nothing sent; the metadata (no assets field: the token comes from a session) and the
# upload session's body are written.
n=$(lines)
tc --cwd "$p" deploy --dry-run --outdir "$WORK/out" >"$WORK/dry.out" 2>&1 || { cat "$WORK/dry.out"; exit 1; }
check "--dry-run sends nothing" bash -c '[ -z "$0" ]' "$(requests_since "$n")"
check "--dry-run: the metadata has the assets binding and no assets field (as wrangler's dry run)" \
  [ "$(jq -c '[([.bindings[] | select(.type == "assets") | .name]), has("assets")]' "$WORK/out/metadata.json")" = '[["ASSETS"],false]' ]
check "--dry-run: assets-manifest.json is the upload session's body" \
  [ "$(jq -c '.manifest | keys' "$WORK/out/assets-manifest.json")" = '["/css/site.css","/docs/a.txt","/docs/b.txt","/img/logo.bin","/index.html"]' ]
check "--dry-run: the report counts the assets" grep -q "assets: 5 files" "$WORK/dry.out"

refused() {  # NAME REGEX DIR: deploy (and its dry run) exits 1 with the message, and sends nothing
  local n rc rc2; n=$(lines)
  set +e; tc --cwd "$3" deploy >"$WORK/r.out" 2>&1; rc=$?; tc --cwd "$3" deploy --dry-run >/dev/null 2>&1; rc2=$?; set -e
  check "$1: exit 1 (dry run too), the message, nothing sent" \
    bash -c '[ "$0" = 1 ] && [ "$4" = 1 ] && grep -qE "$1" "$2" && [ -z "$3" ]' "$rc" "$2" "$WORK/r.out" "$(requests_since "$n")" "$rc2"
}
b=$WORK/bad
mkdir -p "$b/src" && cp "$p/src/index.js" "$b/src/"
printf 'name = "bad"\nmain = "./src/index.js"\ncompatibility_date = "2026-01-01"\n[assets]\ndirectory = "./nowhere"\n' >"$b/wrangler.toml"
refused "a missing assets directory" 'assets.directory.*does not exist' "$b"
mkdir -p "$b/nowhere" && echo 'export default {}' >"$b/nowhere/_worker.js"
refused "a _worker.js asset without .assetsignore" '_worker.js' "$b"
printf 'name = "bad"\ncompatibility_date = "2026-01-01"\n[assets]\ndirectory = "./public"\nbinding = "A"\n' >"$b/wrangler.toml"
mkdir -p "$b/public" && echo x >"$b/public/x.txt"
refused "an assets binding on an assets-only worker" 'binding in an assets-only Worker' "$b"

# The platform checks what it is sent: a bucket upload needs the session token, and contents must hash to
# their names.
api POST "/accounts/$ACCT/workers/assets/upload?base64=true" -F "0123456789abcdef0123456789abcdef=eA=="
check "a bucket upload with the API token instead of a session token: 401" status_is 401
h=$(printf 'new content' | base64)  # not the hash below: the platform recomputes it
api POST "$A/workers/scripts/site/assets-upload-session" -H 'Content-Type: application/json' \
  --data '{"manifest":{"/n.txt":{"hash":"00112233445566778899aabbccddeeff","size":11}}}'
check "an upload session for a content the platform lacks: one bucket with its hash" \
  jq_is '.result.buckets | tostring' '[["00112233445566778899aabbccddeeff"]]'
jwt=$(printf '%s' "$OUT" | jq -r .result.jwt)
curl -sS -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $jwt" \
  -F "00112233445566778899aabbccddeeff=$h;filename=00112233445566778899aabbccddeeff;type=text/plain" \
  "$A/workers/assets/upload?base64=true" >"$WORK/code"
STATUS=$(cat "$WORK/code"); OUT=$(cat "$WORK/body")
check "a content that does not hash to its name is refused (400)" \
  bash -c '[ "$STATUS" = 400 ] && printf "%s" "$OUT" | grep -q "does not hash to its name"'
finish
