#!/usr/bin/env bash
# labels: integration;platform;durability
# timeout: 900
# Uploads 500 tenant scripts (tags + a secret each), SIGKILLs `tenantctl dev` in the middle of a second
# batch, restarts it and checks that every acknowledged upload is present with its tags and secret, that
# no tenant is half-written, and that PRAGMA integrity_check says ok.
source "$(dirname "$0")/platform_common.inc"
start_dev
api POST "$A/workers/dispatch/namespaces" -H 'Content-Type: application/json' --data '{"name":"tenants"}'
check "namespace created" status_is 200

# One curl process per upload is slow; a curl config file with many requests reuses the connection.
make_batch() {  # make_batch FROM TO CONFIG
  : >"$3"
  for i in $(seq "$1" "$2"); do
    printf '{"main_module":"index.js","tags":["customer-%d","plan-free","batch"],"bindings":[{"type":"secret_text","name":"KEY","text":"secret-%d"}]}' "$i" "$i" >"$WORK/meta-$i.json"
    {
      echo "next"
      echo "url = \"$A/workers/dispatch/namespaces/tenants/scripts/tenant-$i\""
      echo "request = \"PUT\""
      echo "header = \"Authorization: Bearer $TOKEN\""
      echo "form = \"metadata=@$WORK/meta-$i.json;type=application/json\""
      echo "form = \"index.js=@$WORK/index.js;type=application/javascript+module\""
      echo "write-out = \"tenant-$i %{http_code}\\n\""
      echo "output = \"/dev/null\""
    } >>"$3"
  done
  sed -i '1d' "$3"  # no leading "next"
}
printf 'export default { fetch() { return new Response("hi") } }' >"$WORK/index.js"

make_batch 1 500 "$WORK/batch1.cfg"
curl -sS -K "$WORK/batch1.cfg" >"$WORK/acked1.txt" || true
check "first batch: 500 uploads acknowledged" [ "$(grep -c ' 200$' "$WORK/acked1.txt")" = 500 ]

# Second batch in the background; kill -9 the server once ~100 of it are acknowledged.
make_batch 501 1000 "$WORK/batch2.cfg"
curl -sS -K "$WORK/batch2.cfg" >"$WORK/acked2.txt" 2>/dev/null &
CURL_PID=$!
for _ in $(seq 1 600); do
  [ "$(grep -c ' 200$' "$WORK/acked2.txt" 2>/dev/null || true)" -ge 100 ] && break
  sleep 0.05
done
kill -9 "$DEV_PID"
wait "$DEV_PID" 2>/dev/null || true
DEV_PID=""
wait "$CURL_PID" 2>/dev/null || true
grep ' 200$' "$WORK/acked1.txt" "$WORK/acked2.txt" -h | cut -d' ' -f1 | sort >"$WORK/acked.txt"
N2=$(grep -c ' 200$' "$WORK/acked2.txt" || true)
echo "second batch: $N2 uploads acknowledged before SIGKILL"
check "the kill happened in the middle of the second batch" [ "$N2" -ge 1 ] && [ "$N2" -lt 500 ]

check "integrity_check after SIGKILL (sqlite3 CLI)" [ "$(sqlite3 "$STATE/state.db" 'PRAGMA integrity_check')" = ok ]
start_dev
check "integrity_check after restart" [ "$(sqlite3 "$STATE/state.db" 'PRAGMA integrity_check')" = ok ]
api GET "$A/workers/dispatch/namespaces/tenants/scripts"
printf '%s' "$OUT" | jq -r '.result[].script.id' | sort >"$WORK/present.txt"
MISSING=$(comm -23 "$WORK/acked.txt" "$WORK/present.txt" | wc -l)
check "every acknowledged upload is present ($(wc -l <"$WORK/acked.txt") acknowledged, $(wc -l <"$WORK/present.txt") present)" [ "$MISSING" = 0 ]
BADTAGS=$(printf '%s' "$OUT" | jq '[.result[] | select((.script.tags | length) != 3 or (.script.tags[0] != ("customer-" + (.script.id | ltrimstr("tenant-")))))] | length')
check "every present tenant has its 3 tags" [ "$BADTAGS" = 0 ]
# A script and its secret are written in one transaction: no script without its secret, no orphan secret.
NS_ID=$(sqlite3 "$STATE/state.db" "SELECT json_extract(doc,'\$.namespace_id') FROM objects WHERE kind='ns' AND name='tenants'")
SCRIPTS=$(sqlite3 "$STATE/state.db" "SELECT COUNT(*) FROM objects WHERE kind='nss' AND parent='$NS_ID'")
SECRETS=$(sqlite3 "$STATE/state.db" "SELECT COUNT(*) FROM objects WHERE kind='sec' AND parent LIKE 'nss/$NS_ID/%'")
check "no half-written tenant: $SCRIPTS scripts, $SECRETS secrets" [ "$SCRIPTS" = "$SECRETS" ]
api GET "$A/workers/dispatch/namespaces/tenants/scripts/tenant-250/secrets"
check "a secret survives, value not returned" bash -c '[ "$(jq -r ".result[0].name" <<<"$OUT")" = KEY ] && ! grep -q secret-250 <<<"$OUT"'
finish
