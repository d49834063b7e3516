#!/usr/bin/env bash
# labels: integration;api;hostile
# timeout: 300
# The token rule (README, "Where a token goes"): every combination of --api-url / --profile / --local,
# CLOUDFLARE_API_TOKEN, CLOUDFLARE_API_BASE_URL, TENANTCTL_PROFILE and a stored default profile (none, with
# its own URL, with no URL), run against logging listeners on 127.0.0.1; asserts which listener got which
# token, or that the run was refused before anything was sent. The default URL (api.cloudflare.com) is
# reached only through a logging https proxy on 127.0.0.1 that refuses every CONNECT.
set -euo pipefail
: "${TENANTCTL:?}" "${TENANTCTL_SOURCE_DIR:?}"
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
python3 "$TENANTCTL_SOURCE_DIR/tests/integration/token_listener.py" "$work/ports" "$work/log" \
    FLAG ENVURL DEFPROF PROF LOCAL PROXY &
pid=$!
for _ in $(seq 1 100); do [ -s "$work/ports" ] && break; sleep 0.05; done
[ -s "$work/ports" ] || { echo "FAIL: listeners did not start"; exit 1; }
touch "$work/log"
python3 - "$TENANTCTL" "$work" <<'PYEOF'
import itertools, json, os, subprocess, sys

tenantctl, work = sys.argv[1], sys.argv[2]
ports = dict(l.split() for l in open(os.path.join(work, "ports")))
url = {n: "http://127.0.0.1:%s/client/v4" % p for n, p in ports.items()}
DEFAULT = "DEFAULT"  # https://api.cloudflare.com/client/v4, seen as a CONNECT on the PROXY listener
TOK = {"env": "tok-env-0123456789", "default": "tok-defprof-0123456789", "p": "tok-prof-p-0123456789",
       "local": "tok-local-0123456789"}
logfile = os.path.join(work, "log")

def write_profile(cfg, name, api_url, token):
    d = os.path.join(cfg, "tenantctl", "profiles")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name + ".json")
    doc = {"api_token": token}
    if api_url:
        doc["api_url"] = api_url
    with open(path, "w") as f:
        json.dump(doc, f)
    os.chmod(path, 0o600)

def oracle(flag, et, eu, tp, sd):
    """(listener, token) or ("refused", exit code) by the documented table."""
    explicit = flag in ("profile", "local", "profile+url")
    pname = "p" if flag.startswith("profile") else "local" if flag == "local" else (tp or "default")
    stored = {"p": ("PROF", TOK["p"]), "local": ("LOCAL", TOK["local"])}
    if sd == "url":
        stored["default"] = ("DEFPROF", TOK["default"])
    elif sd == "nourl":
        stored["default"] = (DEFAULT, TOK["default"])
    prof = stored.get(pname)
    given = "FLAG" if flag in ("url", "profile+url") else "ENVURL" if eu else DEFAULT
    if prof and (explicit or not et):
        other = "FLAG" if flag in ("url", "profile+url") else ("ENVURL" if (not explicit and eu) else None)
        if other and other != prof[0]:
            return ("refused", 2)
        return prof
    if not et:
        return ("refused", 1)  # not authenticated: nothing is sent
    return (given, TOK["env"])

failures, n = [], 0
for flag, et, eu, tp, sd in itertools.product(["none", "url", "profile", "local", "profile+url"], [False, True],
                                              [False, True], [None, "local"], ["none", "url", "nourl"]):
    n += 1
    home = os.path.join(work, "case%d" % n)
    cfg = os.path.join(home, "cfg")
    os.makedirs(home)
    write_profile(cfg, "p", url["PROF"], TOK["p"])
    write_profile(cfg, "local", url["LOCAL"], TOK["local"])
    if sd == "url":
        write_profile(cfg, "default", url["DEFPROF"], TOK["default"])
    elif sd == "nourl":
        write_profile(cfg, "default", "", TOK["default"])
    env = {"PATH": os.environ["PATH"], "HOME": home, "XDG_CONFIG_HOME": cfg, "https_proxy": url["PROXY"].rsplit("/client", 1)[0],
           "HTTPS_PROXY": url["PROXY"].rsplit("/client", 1)[0], "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}
    if et:
        env["CLOUDFLARE_API_TOKEN"] = TOK["env"]
    if eu:
        env["CLOUDFLARE_API_BASE_URL"] = url["ENVURL"]
    if tp:
        env["TENANTCTL_PROFILE"] = tp
    args = [tenantctl, "-v"]
    if flag in ("url", "profile+url"):
        args += ["--api-url", url["FLAG"]]
    if flag.startswith("profile"):
        args += ["--profile", "p"]
    if flag == "local":
        args += ["--local"]
    args += ["--json", "whoami"]
    before = sum(1 for _ in open(logfile))
    r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    reqs = [json.loads(l) for l in open(logfile).readlines()[before:]]
    want = oracle(flag, et, eu, tp, sd)
    case = "flag=%s CLOUDFLARE_API_TOKEN=%s CLOUDFLARE_API_BASE_URL=%s TENANTCTL_PROFILE=%s default-profile=%s" % (
        flag, et, eu, tp, sd)
    try:
        json.loads(r.stdout)  # --json: exactly one document either way
    except ValueError:
        failures.append(case + ": stdout is not one JSON document: " + r.stdout[:200])
    if want[0] == "refused":
        if r.returncode != want[1] or reqs:
            failures.append("%s: expected refusal (exit %d, nothing sent), got exit %d and %s" % (
                case, want[1], r.returncode, reqs))
        continue
    listener, token = want
    if listener == DEFAULT:
        ok = reqs and all(q["listener"] == "PROXY" and q["method"] == "CONNECT" and
                          q["path"].startswith("api.cloudflare.com:") for q in reqs)
        source = {TOK["env"]: "CLOUDFLARE_API_TOKEN", TOK["default"]: 'profile "default"'}[token]
        ok = ok and ("credentials from " + source) in r.stderr
    else:
        ok = r.returncode == 0 and reqs and all(
            q["listener"] == listener and q["authorization"] == "Bearer " + token for q in reqs)
    if not ok:
        failures.append("%s: expected %s with %s, got exit %d, requests %s, stderr %s" % (
            case, listener, token, r.returncode, reqs, r.stderr[-300:]))
    # no token ever reaches a listener other than its own
    for q in reqs:
        for name, t in TOK.items():
            if t in q["authorization"] and q["listener"] != {"env": listener, "default": "DEFPROF", "p": "PROF",
                                                             "local": "LOCAL"}[name]:
                failures.append("%s: token %s went to %s" % (case, name, q["listener"]))
for f in failures:
    print("FAIL:", f)
print("%d combinations, %d failures" % (n, len(failures)))
sys.exit(1 if failures else 0)
PYEOF
echo PASS
