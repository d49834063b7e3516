#!/usr/bin/env bash
# labels: integration;runtime
# timeout: 600
# Live tails against `tenantctl dev` with the workers running in workerd: a tenant's console.log and an
# uncaught exception reach `tenants tail ID --format json` (the records as the runtime's tail worker made
# them); `tenants tail --tag T` labels lines from several tenants and leaves the others out; the filters
# (--status, --search, --method, --header) select; `tenantctl tail WORKER` tails an account worker; Ctrl-C
# deletes the tail (checked on the server); a dropped connection is reported and reopened; a tail deleted on
# the server ends the command with exit 1 saying so; an unknown tenant and a tag that matches nothing exit 1;
# -v shows the WebSocket URL and never the API token. And a tenant's upload naming a tail consumer has its
# records handed to that account worker's tail() handler (which writes them to KV, read back with the CLI).
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
start_dev --test-hooks
W=$(jq -r '.workers_url // empty' "$STATE/dev.json")
check "dev.json names the workers' URL (workerd found and running)" test -n "$W"
[ -n "$W" ] || { cat "$WORK/dev.stderr"; finish; }
tc() { "$TENANTCTL" --local "$@"; }
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; cleanup' EXIT

# upload NS NAME TAGS_JSON [EXTRA_METADATA_JSON_FIELDS]: a tenant that logs and throws on /throw.
upload() {
  local ns=$1 name=$2 tags=$3 extra=${4:-}
  printf '{"main_module":"index.js","compatibility_date":"2025-01-01","tags":%s%s}' "$tags" "$extra" >"$WORK/meta.json"
  cat >"$WORK/index.js" <<EOF
export default {
  async fetch(request) {
    const url = new URL(request.url);
    console.log("hello from $name", url.pathname, { n: 1 });
    if (url.pathname === "/throw") throw new Error("boom-$name");
    if (url.pathname === "/needle") console.warn("found the needle in $name");
    return new Response("$name says hi");
  },
};
EOF
  api PUT "/accounts/$ACCT/workers/dispatch/namespaces/$ns/scripts/$name" \
    -F "metadata=@$WORK/meta.json;type=application/json" \
    -F "index.js=@$WORK/index.js;filename=index.js;type=application/javascript+module"
  [ "$STATUS" = 200 ] || { echo "upload $name: $STATUS $OUT"; exit 1; }
}
# An account worker: the dispatcher, by X-User-ID.
upload_account() {
  local name=$1 js=$2 meta=$3
  printf '%s' "$meta" >"$WORK/meta.json"
  printf '%s' "$js" >"$WORK/index.js"
  api PUT "/accounts/$ACCT/workers/scripts/$name" \
    -F "metadata=@$WORK/meta.json;type=application/json" \
    -F "index.js=@$WORK/index.js;filename=index.js;type=application/javascript+module"
  [ "$STATUS" = 200 ] || { echo "upload $name: $STATUS $OUT"; exit 1; }
}

api POST "/accounts/$ACCT/workers/dispatch/namespaces" -H 'content-type: application/json' -d '{"name":"tn"}'
kvid=$(tc --json kv namespace create tail-sink | jq -r '.result.id // .id')
upload_account collector 'export default {
  fetch() { return new Response("collector"); },
  async tail(events, env) {
    for (const e of events) await env.SINK.put("seen:" + e.scriptName, JSON.stringify(e.logs.map((l) => l.message)));
  },
};' '{"main_module":"index.js","compatibility_date":"2025-01-01","bindings":[{"type":"kv_namespace","name":"SINK","namespace_id":"'"$kvid"'"}]}'
upload tn t1 '["blue"]' ',"tail_consumers":[{"service":"collector"}]'
upload tn t2 '["blue"]'
upload tn t3 '["green"]'
upload_account disp 'export default {
  async fetch(request, env) {
    const id = request.headers.get("x-user-id");
    console.log("dispatching", id);
    try { return await env.NS.get(id).fetch(request); }
    catch (e) { return new Response(String(e), { status: 500 }); }
  },
};' '{"main_module":"index.js","compatibility_date":"2025-01-01","bindings":[{"type":"dispatch_namespace","name":"NS","namespace":"tn"}]}'

hit() { curl -sS -o /dev/null -H 'Host: disp.localhost' -H "X-User-ID: $1" "${@:3}" "$W$2" 2>/dev/null || true; }
# The dispatcher answers once the runtime has loaded it.
for _ in $(seq 1 300); do
  [ "$(curl -sS -H 'Host: disp.localhost' -H 'X-User-ID: t1' "$W/" 2>/dev/null)" = "t1 says hi" ] && break
  sleep 0.1
done

# start_tail NAME ARGS…: runs `tenantctl --local ARGS` in the background, stdout/stderr to $WORK/NAME.{out,err}.
start_tail() {
  local n=$1; shift
  "$TENANTCTL" --local "$@" >"$WORK/$n.out" 2>"$WORK/$n.err" &
  TAIL_PID=$!
  PIDS+=("$TAIL_PID")
}
# until_in FILE TEXT [SECONDS] [REQUEST…]: repeats REQUEST (a command) until FILE contains TEXT.
until_in() {
  local f=$1 text=$2 secs=${3:-20}; shift 3 || shift $#
  local end=$((SECONDS + secs))
  while [ $SECONDS -lt $end ]; do
    grep -qF -- "$text" "$f" 2>/dev/null && return 0
    [ $# -gt 0 ] && "$@"
    sleep 0.2
  done
  return 1
}
tails_of() { api GET "/accounts/$ACCT/workers/dispatch/namespaces/tn/scripts/$1/tails"; printf '%s' "$OUT" | jq '.result | length'; }

# --- one tenant, json ------------------------------------------------------------------------------------
start_tail one tenants tail t1 --namespace tn --format json -v
P1=$TAIL_PID
check "the record of a request to t1 arrives (console.log, as the runtime recorded it)" \
  until_in "$WORK/one.out" '"hello from t1"' 20 hit t1 /first
t0=$(date +%s%N); hit t1 /timed; until_in "$WORK/one.out" '"/timed"' 10 || true; t1ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "     (a record reached the tail ${t1ms} ms after the request was sent)"
hit t1 /throw
check "an uncaught exception arrives with outcome exception and its message" \
  until_in "$WORK/one.out" '"boom-t1"' 10
check "each line is one JSON record with scriptName, dispatchNamespace, logs and event.request" \
  bash -c 'grep "\"/throw\"" "$0" | head -1 | jq -e ".scriptName == \"t1\" and .dispatchNamespace == \"tn\" and .outcome == \"exception\" and (.exceptions[0].message == \"boom-t1\") and (.logs[0].message[0] == \"hello from t1\") and (.event.request.method == \"GET\")" >/dev/null' "$WORK/one.out"
check "the runtime's internal limits header is not in the records" bash -c '! grep -q "x-tenantctl-limits" "$0"' "$WORK/one.out"
check "t2's records are not in t1's tail" bash -c '! grep -q "hello from t2" "$0"' "$WORK/one.out"
check "-v shows the tail's WebSocket URL" grep -q 'tail: opening ws://127.0.0.1:' "$WORK/one.err"
check "and the API token appears nowhere in the output" bash -c '! grep -qF "$0" "$1" "$2"' "$TOKEN" "$WORK/one.err" "$WORK/one.out"
n=$(tails_of t1)
check "the server lists t1's tail while it runs" [ "$n" = 1 ]

# --- the connection drops: reported and reopened --------------------------------------------------------
tport=$(grep -o 'tail: opening ws://127.0.0.1:[0-9]*' "$WORK/one.err" | head -1 | sed 's/.*://')
curl -sS -X POST "http://127.0.0.1:$tport/__dev/drop" >/dev/null
check "a dropped connection is reported" until_in "$WORK/one.err" 'reconnecting' 10
check "and reopened: records arrive again" until_in "$WORK/one.out" '"/after-drop"' 20 hit t1 /after-drop
check "it said so" grep -q 'reconnected' "$WORK/one.err"

# --- Ctrl-C deletes the tail ------------------------------------------------------------------------------
kill -INT "$P1"
rc=0; wait "$P1" || rc=$?
check "Ctrl-C ends the tail with exit 0" [ "$rc" = 0 ]
n=$(tails_of t1)
check "and the tail is deleted on the server" [ "$n" = 0 ]

# --- several tenants by tag, labelled; filters --------------------------------------------------------------
start_tail tag tenants tail --tag blue --namespace tn --format pretty
PT=$TAIL_PID
check "tenants tail --tag labels t1's lines" until_in "$WORK/tag.out" '[t1] ' 20 hit t1 /tagged
check "and t2's" until_in "$WORK/tag.out" '[t2] ' 20 hit t2 /tagged
hit t3 /tagged
until_in "$WORK/tag.out" '[t2] GET' 5 || true
check "t3 (tag green) is not tailed" bash -c '! grep -q "t3" "$0"' "$WORK/tag.out"
check "the pretty form shows the log line indented under its request" grep -q '^\[t1\]   (log) hello from t1' "$WORK/tag.out"
kill -INT "$PT"; wait "$PT" || true

start_tail err tenants tail t2 --namespace tn --format json --status error
start_tail srch tenants tail t2 --namespace tn --format json --search needle
start_tail meth tenants tail t2 --namespace tn --format json --method POST --header x-probe:yes
PF=("${PIDS[@]: -3}")
sleep 1
until_in "$WORK/err.out" '"boom-t2"' 20 hit t2 /throw
hit t2 /needle; hit t2 /plain; hit t2 /posted -X POST -H 'x-probe: yes'; hit t2 /posted-no-header -X POST
until_in "$WORK/srch.out" '"/needle"' 10 || true
until_in "$WORK/meth.out" '"/posted"' 10 || true
sleep 1
check "--status error receives the exception" grep -q '"boom-t2"' "$WORK/err.out"
check "and no successful invocation" bash -c '! grep -q "\"outcome\":\"ok\"" "$0"' "$WORK/err.out"
check "--search needle receives only the record whose log has it" \
  bash -c 'grep -q "found the needle" "$0" && [ "$(wc -l <"$0")" = 1 ]' "$WORK/srch.out"
check "--method POST --header x-probe:yes receives only that request" \
  bash -c 'grep -q "\"/posted\"" "$0" && ! grep -q "posted-no-header" "$0" && ! grep -q "/plain" "$0"' "$WORK/meth.out"
for p in "${PF[@]}"; do kill -INT "$p" 2>/dev/null || true; wait "$p" || true; done

# --- an account worker -----------------------------------------------------------------------------------------
start_tail acct tail disp --format json
PA=$TAIL_PID
check "tenantctl tail WORKER tails an account worker" until_in "$WORK/acct.out" '"dispatching"' 20 hit t3 /acct
check "its records name the worker and no namespace" \
  bash -c 'grep -m1 dispatching "$0" | jq -e ".scriptName == \"disp\" and (has(\"dispatchNamespace\") | not)" >/dev/null' "$WORK/acct.out"

# --- a tail deleted on the server ends the command ---------------------------------------------------------------
api GET "/accounts/$ACCT/workers/scripts/disp/tails"
tid=$(printf '%s' "$OUT" | jq -r '.result[0].id')
api DELETE "/accounts/$ACCT/workers/scripts/disp/tails/$tid"
rc=0; wait "$PA" || rc=$?
check "a tail the server deleted ends \`tail\` with exit 1" [ "$rc" = 1 ]
check "saying the server closed it" grep -q 'the server closed the tail (the tail was deleted)' "$WORK/acct.err"

# --- bad input ------------------------------------------------------------------------------------------------------
rc=0; tc tenants tail nosuch --namespace tn >"$WORK/bad1.out" 2>&1 || rc=$?
check "an unknown tenant: exit 1 naming it" bash -c '[ "$0" = 1 ] && grep -q "tenant \"nosuch\" does not exist" "$1"' "$rc" "$WORK/bad1.out"
rc=0; tc tenants tail --tag purple --namespace tn >"$WORK/bad2.out" 2>&1 || rc=$?
check "a tag that matches nothing: exit 1 naming it" bash -c '[ "$0" = 1 ] && grep -q "has tag \"purple\"" "$1"' "$rc" "$WORK/bad2.out"
rc=0; tc tenants tail t1 --namespace tn --sampling-rate 2 >"$WORK/bad3.out" 2>&1 || rc=$?
check "--sampling-rate 2: usage error (exit 2)" [ "$rc" = 2 ]
rc=0; tc tenants tail t1 --namespace tn --status weird >"$WORK/bad4.out" 2>&1 || rc=$?
check "--status weird: usage error (exit 2)" [ "$rc" = 2 ]
n=$(( $(tails_of t1) + $(tails_of t2) ))
check "no tail was left behind on the server" [ "$n" = 0 ]

# --- tail consumers: t1 names the account worker collector -------------------------------------------------------
check "t1's records reach its tail consumer's tail() handler (it wrote them to KV)" \
  bash -c 'for i in $(seq 1 50); do v=$("$0" --local kv key get --namespace-id "$1" seen:t1 2>/dev/null) && grep -q "hello from t1" <<<"$v" && exit 0; sleep 0.2; done; exit 1' "$TENANTCTL" "$kvid"
check "t2, which names no consumer, is not handed to it" \
  bash -c '! "$0" --local kv key get --namespace-id "$1" seen:t2 >/dev/null 2>&1' "$TENANTCTL" "$kvid"
finish
