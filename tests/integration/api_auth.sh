#!/usr/bin/env bash
# labels: integration;api
# timeout: 120
# login (token on stdin, verified, stored 0600 with --api-url), whoami (--json), logout, and --profile/--local
# selection against a recording stub server.
set -euo pipefail
source "$(dirname "$0")/api_common.inc"
unset CLOUDFLARE_API_TOKEN CLOUDFLARE_API_BASE_URL CLOUDFLARE_API_KEY CLOUDFLARE_EMAIL CLOUDFLARE_ACCOUNT_ID TENANTCTL_PROFILE CI
fail() { echo "FAIL: $*"; exit 1; }
token="tok-login-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"

printf '%s\n' "$token" | "$TENANTCTL" login --api-url "$url" --json >"$work/login.json" 2>"$work/login.err" \
    || { cat "$work/login.err"; fail "login failed"; }
prof=$XDG_CONFIG_HOME/tenantctl/profiles/default.json
[ -f "$prof" ] || fail "no profile file"
[ "$(stat -c %a "$prof")" = 600 ] || fail "profile mode is $(stat -c %a "$prof"), not 600"
python3 - "$prof" "$token" "$url" "$work/login.json" <<'EOF' || fail "profile or login output is wrong"
import json, sys
p = json.load(open(sys.argv[1]))
assert p == {"api_url": sys.argv[3], "api_token": sys.argv[2]}, p
out = json.load(open(sys.argv[4]))
assert out["ok"] is True and out["profile"] == "default" and sys.argv[2] not in json.dumps(out), out
EOF
grep -q "$token" "$work/login.err" "$work/login.json" && fail "the token was printed"
grep -q '"path": "/client/v4/user/tokens/verify"' "$work/requests.log" || fail "login did not verify the token"

# whoami uses the stored profile (URL and token) without any environment
"$TENANTCTL" --json whoami >"$work/who.json" 2>/dev/null || fail "whoami failed with a stored profile"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and d["authenticated"] and d["token"]["status"]=="active", d' "$work/who.json" \
    || fail "whoami --json output"
python3 - "$work/requests.log" "$token" <<'EOF' || fail "requests did not carry the stored token"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) >= 3 and all(r["headers"]["authorization"] == "Bearer " + sys.argv[2] for r in reqs)
assert all(r["headers"]["user-agent"].startswith("tenantctl/") for r in reqs)
EOF

# a second profile; --profile selects it
printf 'other-token-abcdef\n' | "$TENANTCTL" login --api-url "$url" --profile staging >/dev/null 2>&1 || fail "login --profile staging"
[ -f "$XDG_CONFIG_HOME/tenantctl/profiles/staging.json" ] || fail "no staging profile"
"$TENANTCTL" --profile staging whoami >/dev/null 2>&1 || fail "whoami --profile staging"
tail -n 1 "$work/requests.log" | grep -q 'Bearer other-token-abcdef' || fail "--profile staging did not use its token"

# logout removes the file; whoami --json then exits 1 with ok:false
"$TENANTCTL" logout >/dev/null 2>&1 || fail "logout"
[ ! -e "$prof" ] || fail "logout left the profile file"
rc=0
"$TENANTCTL" --json whoami >"$work/who2.json" 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "whoami after logout exited $rc, expected 1"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] is False and d["error"]["kind"]=="auth", d' "$work/who2.json" \
    || fail "whoami --json after logout"

# an empty token on stdin is refused without a request
n=$(wc -l <"$work/requests.log")
rc=0
printf '' | "$TENANTCTL" login --api-url "$url" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "empty token: exit $rc"
[ "$(wc -l <"$work/requests.log")" -eq "$n" ] || fail "empty token: a request was sent"
echo "PASS"
