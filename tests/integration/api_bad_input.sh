#!/usr/bin/env bash
# labels: integration;api
# timeout: 120
# Bad input never reaches the control plane: missing token, malformed account id, malformed bulk file,
# destructive commands without --yes in a non-interactive run. Each fails with one error line plus a hint and
# the documented exit code (1, or 2 for usage errors), and the recording stub server gets NO request.
set -euo pipefail
source "$(dirname "$0")/api_common.inc"

unset CLOUDFLARE_API_TOKEN CLOUDFLARE_API_BASE_URL CLOUDFLARE_API_KEY CLOUDFLARE_EMAIL TENANTCTL_PROFILE CI
export CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef
fail() { echo "FAIL: $*"; exit 1; }
cases=0

# expect NAME EXIT_CODE PATTERN [--stdin FILE] ARGS...: runs tenantctl (stdin /dev/null unless given), checks the
# exit code, exactly one "error:" line matching PATTERN followed by one "hint:" line, and no request sent.
expect() {
    local name=$1 code=$2 pattern=$3; shift 3
    local input=/dev/null
    if [ "${1:-}" = "--stdin" ]; then input=$2; shift 2; fi
    cases=$((cases + 1))
    local rc=0
    "$TENANTCTL" --api-url "$url" "$@" <"$input" >"$work/out" 2>"$work/err" || rc=$?
    [ "$rc" -eq "$code" ] || { cat "$work/err"; fail "$name: exit code $rc, expected $code"; }
    [ "$(grep -c '^error: ' "$work/err")" -eq 1 ] || { cat "$work/err"; fail "$name: expected exactly one error line"; }
    grep -qE "^error: .*$pattern" "$work/err" || { cat "$work/err"; fail "$name: error does not match /$pattern/"; }
    [ "$(grep -c '^  hint: ' "$work/err")" -eq 1 ] || { cat "$work/err"; fail "$name: expected one hint line"; }
    [ "$(wc -l <"$work/err")" -eq 2 ] || { cat "$work/err"; fail "$name: expected exactly two lines on stderr"; }
    [ ! -s "$work/requests.log" ] || { cat "$work/requests.log"; fail "$name: a request reached the server"; }
    echo "ok: $name (exit $rc): $(head -n 1 "$work/err")"
}

# no credentials at all
expect "missing token" 1 "not authenticated" dispatch-namespace list
expect "missing token, secret put" 1 "not authenticated" --stdin <(printf 'value-1234') secret put K --name w
expect "missing token, --json whoami" 1 "not authenticated" --json whoami
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] is False and d["error"]["kind"], d' "$work/out" \
    || fail "whoami --json: stdout is not {\"ok\":false,...}"
expect "missing explicit profile" 1 "profile \"staging\" does not exist" --profile staging kv namespace list
expect "missing local profile" 1 "profile \"local\" does not exist" --local r2 bucket list

export CLOUDFLARE_API_TOKEN=tok-bad-input-0123456789
# a malformed account id (the unknown-account case that can be detected without asking)
expect "malformed account id" 2 "invalid account id \"not an account!\"" --account-id 'not an account!' dispatch-namespace list
expect "account id too long" 2 "invalid account id" --account-id "$(printf 'a%.0s' $(seq 1 40))" kv namespace list

# malformed bulk input: file and stdin, JSON and .env; the value must not be echoed
printf '{"A": "bulk-secret-value-1", }' >"$work/bad.json"
expect "malformed bulk JSON file" 1 "malformed JSON in .*bad.json at line 1" secret bulk "$work/bad.json" --name w
grep -q 'bulk-secret-value-1' "$work/err" && fail "the bulk error echoed a value"
printf 'GOOD=1\nthis line has no equals sign\n' >"$work/bad.env"
expect "malformed .env file" 1 "line 2 of .*bad.env is not KEY=VALUE" secret bulk "$work/bad.env" --name w
expect "malformed bulk on stdin" 1 "the value of \"A\" in stdin must be a string" --stdin <(printf '{"A": 5}') secret bulk --name w
expect "empty bulk on stdin" 1 "no secrets found in stdin" secret bulk --name w
expect "missing worker name" 2 "no worker name was given" secret list

# destructive commands in a non-interactive run without --yes
expect "namespace delete without --yes" 1 "refusing to delete dispatch namespace" dispatch-namespace delete prod
expect "namespace rename without --yes" 1 "refusing to rename dispatch namespace" dispatch-namespace rename prod prod2
expect "secret delete without --yes" 1 "refusing to delete secret K" secret delete K --name w
expect "kv namespace delete without --yes" 1 "refusing to delete KV namespace" kv namespace delete 0f2ac74b498b48028cb68387c421e279
expect "kv key delete without --yes" 1 "refusing to delete key" kv key delete k --namespace-id n1
expect "r2 bucket delete without --yes" 1 "refusing to delete bucket" r2 bucket delete my-bucket

# and the same destructive command with --yes does reach the server (the checks above could fail)
"$TENANTCTL" --api-url "$url" r2 bucket delete my-bucket --yes </dev/null >/dev/null 2>&1 || fail "r2 bucket delete --yes failed"
grep -q '"method": "DELETE", "path": "/client/v4/accounts/0123456789abcdef0123456789abcdef/r2/buckets/my-bucket"' "$work/requests.log" \
    || { cat "$work/requests.log"; fail "the confirmed delete did not reach the server"; }
echo "PASS: $cases bad-input cases, none sent a request"
