#!/usr/bin/env bash
# labels: integration;api;secrets
# timeout: 120
# Secret values never reach argv, stdout or stderr: `secret put` and `secret bulk` run at -vvv and with --json
# against a recording stub server; /proc/<pid>/cmdline is captured while tenantctl is running (blocked on
# its stdin), and the value must appear in the request body the server got and nowhere else.
set -euo pipefail
source "$(dirname "$0")/api_common.inc"

unset CLOUDFLARE_API_BASE_URL CLOUDFLARE_API_KEY CLOUDFLARE_EMAIL TENANTCTL_PROFILE
token="tok-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export CLOUDFLARE_API_TOKEN=$token
export CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef

fail() { echo "FAIL: $*"; exit 1; }

# run_blocked NAME INPUT ARGS...: starts tenantctl with stdin on a FIFO, captures its cmdline while it waits
# for input, then feeds INPUT and waits for it to finish.
run_blocked() {
    local name=$1 input=$2; shift 2
    local fifo=$work/$name.fifo
    mkfifo "$fifo"
    exec 7<>"$fifo"  # hold a writer so the child's open does not block and EOF comes when we close it
    # "@FIFO@" in the arguments is replaced by the FIFO (a file argument), and stdin is then /dev/null.
    local args=() stdin=$fifo a
    for a in "$@"; do
        if [ "$a" = "@FIFO@" ]; then args+=("$fifo"); stdin=/dev/null; else args+=("$a"); fi
    done
    "$TENANTCTL" "${args[@]}" <"$stdin" >"$work/$name.out" 2>"$work/$name.err" 7>&- &
    local pid=$!
    local seen=""
    for _ in $(seq 1 200); do
        if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$TENANTCTL")" ]; then
            tr '\0' ' ' <"/proc/$pid/cmdline" >"$work/$name.cmdline" || fail "$name: the process ended before its input was given"
            cat "/proc/$pid/environ" 2>/dev/null | tr '\0' '\n' | grep -v '^CLOUDFLARE_API_TOKEN=' >"$work/$name.environ" || true
            seen=1
            break
        fi
        sleep 0.02
    done
    [ -n "$seen" ] || fail "$name: could not observe the running process"
    # Close our writer only once tenantctl has the FIFO open (else its later open would wait forever).
    for _ in $(seq 1 250); do
        if ls -l "/proc/$pid/fd" 2>/dev/null | grep -qF -- "$fifo"; then break; fi
        sleep 0.02
    done
    printf '%s' "$input" >&7
    exec 7>&-
    local rc=0
    wait "$pid" || rc=$?
    rm -f "$fifo"
    [ "$rc" -eq 0 ] || { cat "$work/$name.err"; fail "$name exited $rc"; }
}

assert_clean() {
    local name=$1 secret=$2
    for f in cmdline out err environ; do
        if grep -qF -- "$secret" "$work/$name.$f"; then fail "$name: the secret value appears in $f"; fi
        if grep -qF -- "$token" "$work/$name.$f"; then fail "$name: the API token appears in $f"; fi
    done
}

# 1. secret put, -vvv and --json, account worker
v1="sv1-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
run_blocked put "$v1"$'\n' --api-url "$url" -vvv --json secret put MY_KEY --name worker-1
assert_clean put "$v1"
grep -q '^debug: PUT .*/workers/scripts/worker-1/secrets -> 200' "$work/put.err" || { cat "$work/put.err"; fail "put: no -vv request log line"; }
python3 - "$work/put.out" <<'EOF' || fail "put: --json output is not one JSON document with ok:true"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["name"] == "MY_KEY" and d["worker"] == "worker-1", d
EOF
# the value went to the server exactly (one trailing newline stripped), with the token as a Bearer header
python3 - "$work/requests.log" "$v1" "$token" <<'EOF' || fail "put: the server did not get the expected request"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
put = [r for r in reqs if r["method"] == "PUT" and r["path"].endswith("/workers/scripts/worker-1/secrets")]
assert len(put) == 1, reqs
assert json.loads(put[0]["body"]) == {"name": "MY_KEY", "text": sys.argv[2], "type": "secret_text"}, put[0]["body"]
assert all(r["headers"].get("authorization") == "Bearer " + sys.argv[3] for r in reqs)
EOF

# 2. secret put, human output, tenant worker in a dispatch namespace
v2="sv2-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
run_blocked put2 "$v2" --api-url "$url" -vvv secret put OTHER --dispatch-namespace prod --name tenant-7
assert_clean put2 "$v2"
grep -q 'Uploaded secret OTHER to tenant worker "tenant-7"' "$work/put2.out" || fail "put2: no confirmation line"

# 3. secret bulk from stdin (JSON), -vvv and --json
v3="sv3-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
run_blocked bulk "{\"API_KEY\": \"$v3\", \"OLD\": null}" --api-url "$url" -vvv --json secret bulk --dispatch-namespace prod --name tenant-7
assert_clean bulk "$v3"
python3 - "$work/requests.log" "$v3" <<'EOF' || fail "bulk: the server did not get one merge-patch request"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
b = [r for r in reqs if r["method"] == "PATCH"]
assert len(b) == 1, b
assert b[0]["path"] == "/client/v4/accounts/0123456789abcdef0123456789abcdef/workers/dispatch/namespaces/prod/scripts/tenant-7/secrets-bulk"
assert b[0]["headers"]["content-type"] == "application/merge-patch+json"
assert json.loads(b[0]["body"]) == {"secrets": {"API_KEY": {"name": "API_KEY", "text": sys.argv[2], "type": "secret_text"}, "OLD": None}}
EOF

# 4. secret bulk from a .env file (a FIFO, so the process is observed while it reads; the path is in argv)
v4="sv4-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
env_text=$(printf '# tenant secrets\nDB_URL="%s"\nPLAIN=%s-plain\n' "$v4" "$v4")
run_blocked bulkenv "$env_text" --api-url "$url" -vvv --json secret bulk @FIFO@ --name worker-1
assert_clean bulkenv "$v4"
grep -q '"updated"' "$work/bulkenv.out" || fail "bulkenv: no updated list"

echo "PASS: secret values and the token never appeared in argv, environment (besides the token variable), stdout or stderr"
