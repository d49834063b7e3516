#!/usr/bin/env bash
# labels: integration;docker;router
# timeout: 600
# The tenant router end to end with a real dockerd and a real registry: a FROM-scratch image of tenant-echo is
# built with `docker build`, pushed with `docker login --password-stdin` + `docker push` to the registry that
# lib/router's RegistryProcess started, and requests go through the router (tenantctl-router-driver).
set -euo pipefail
source "${TENANTCTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/apps/router_test_lib.sh"

router_setup --network host --default-app echo --start-timeout-ms 5000 \
  --define name=echo,image=tenant-echo:v1,max=20,sleep=8,pool=3 \
  --define name=capped,image=tenant-echo:v1,max=2,sleep=300 \
  --define name=broken,image=tenant-echo:v1,env.ECHO_EXIT_AT_START=1 \
  --define name=silent,image=tenant-echo:v1,env.ECHO_NEVER_LISTEN=1 \
  --define name=envy,image=tenant-echo:v1,env.GREETING=hello

# 1. the first request starts a container for tenant a
body=$(rt_get /app/a/hello?x=1)
rt_check "first request to /app/a/ answers 200" 200 "$(rt_status)"
rt_check "tenant a is served by a container for tenant a" a "$(jq -r .tenant_id <<<"$body")"
rt_check "the /app/a prefix is stripped" /hello "$(jq -r .path <<<"$body")"
rt_check "the container sees X-App-Id" a "$(jq -r '.headers["x-app-id"]' <<<"$body")"
rt_check "the container sees X-Original-URL" "http://127.0.0.1:$RT_PORT/app/a/hello?x=1" "$(jq -r '.headers["x-original-url"]' <<<"$body")"
a1=$(jq -r .instance_id <<<"$body")
rt_check "X-Served-By names the instance" "$a1" "$(rt_header X-Served-By)"
rt_check "docker has one container labelled tenantctl.tenant=a" 1 \
  "$(docker ps -q --filter label=tenantctl.platform=$RT_PLATFORM --filter label=tenantctl.tenant=a --filter label=tenantctl.app=echo | wc -l)"

# 2. repeated requests hit the same instance
for i in 1 2 3; do
  rt_check "request $i to /app/a/ hits the same instance" "$a1" "$(rt_get /app/a/ | jq -r .instance_id)"
done

# 3. another tenant gets another instance
body=$(rt_get /app/b/)
b1=$(jq -r .instance_id <<<"$body")
rt_check "tenant b is served by tenant b" b "$(jq -r .tenant_id <<<"$body")"
[ "$b1" != "$a1" ] && rt_pass "tenant b has its own instance" || rt_fail "tenant b shares instance $a1"

# 4. _restart gives a new instance
body=$(rt_get /app/a/_restart -X POST)
rt_check "_restart answers 200" 200 "$(rt_status)"
a2=$(jq -r .instance_id <<<"$body")
[ -n "$a2" ] && [ "$a2" != "$a1" ] && rt_pass "_restart started a new instance" || rt_fail "_restart kept instance $a1 ($a2)"
rt_check "after _restart requests go to the new instance" "$a2" "$(rt_get /app/a/ | jq -r .instance_id)"
rt_check "_status counts 2 starts" 2 "$(rt_get /app/a/_status | jq -r .start_count)"
rt_check "_status says running" true "$(rt_get /app/a/_status | jq -r .running)"
rt_check "_restart with GET is refused" 405 "$(rt_get /app/a/_restart >/dev/null; echo "$(rt_status)")"

# 5. sleep_after (8 s; 2 s was shorter than steps 1-4 take on a loaded 2-core machine): the instance is stopped, the next request starts it again
state=""
for _ in $(seq 1 150); do
  state=$(rt_get /app/a/_status | jq -r .state)
  [ "$state" = stopped ] && break
  sleep 0.2
done
rt_check "after 8 s idle tenant a's instance is stopped" stopped "$state"
rt_check "its container is gone" 0 "$(docker ps -q --filter label=tenantctl.platform=$RT_PLATFORM --filter label=tenantctl.tenant=a --filter label=tenantctl.app=echo | wc -l)"
body=$(rt_get /app/a/)
a3=$(jq -r .instance_id <<<"$body")
rt_check "the next request after sleep answers 200" 200 "$(rt_status)"
[ "$a3" != "$a2" ] && rt_pass "a new instance was started after sleep" || rt_fail "instance $a2 reused after sleep"

# 6. max_instances (capped: 2) is enforced by refusing with 503 + Retry-After
rt_get / -H "Host: x.capped.localhost" >/dev/null
rt_check "capped: tenant x starts" 200 "$(rt_status)"
rt_get / -H 'Host: y.capped.localhost' >/dev/null
rt_check "capped: tenant y starts" 200 "$(rt_status)"
body=$(rt_get / -H 'Host: z.capped.localhost')
rt_check "capped: a third tenant is refused" 503 "$(rt_status)"
retry=$(rt_header Retry-After)
[ -n "$retry" ] && [ "$retry" -ge 1 ] && rt_pass "the refusal carries Retry-After: $retry" || rt_fail "no Retry-After header"
grep -q max_instances <<<"$body" && rt_pass "the refusal names max_instances" || rt_fail "refusal body: $body"
rt_check "capped: running tenants keep working" y "$(rt_get / -H 'Host: y.capped.localhost' | jq -r .tenant_id)"
rt_check "capped: exactly two containers" 2 "$(docker ps -q --filter label=tenantctl.platform=$RT_PLATFORM --filter label=tenantctl.app=capped | wc -l)"

# 7. a crash: the request gets 502, the next one starts a new container
a_before=$(rt_get /app/a/ | jq -r .instance_id)
rt_get /app/a/crash >/dev/null
rt_check "a request that crashes the app answers 502" 502 "$(rt_status)"
body=$(rt_get /app/a/)
rt_check "the request after the crash answers 200" 200 "$(rt_status)"
[ "$(jq -r .instance_id <<<"$body")" != "$a_before" ] && rt_pass "a new instance replaced the crashed one" ||
  rt_fail "crashed instance $a_before still answering"

# 8. apps that exit or never listen: clear 503 / 504, their logs in the platform log
body=$(rt_get / -H 'Host: t.broken.localhost')
rt_check "an app that exits at start gives 503" 503 "$(rt_status)"
grep -q "exited with code 3" <<<"$body" && rt_pass "503 names the exit code" || rt_fail "503 body: $body"
grep -q "ECHO_EXIT_AT_START is set" "$RT_DIR/driver.log" && rt_pass "its last log line reached the platform log" ||
  rt_fail "no container log line in the platform log"
body=$(rt_get / -H 'Host: t.silent.localhost')
rt_check "an app that never listens gives 504" 504 "$(rt_status)"
grep -q "ECHO_NEVER_LISTEN is set" "$RT_DIR/driver.log" && rt_pass "its log line reached the platform log" ||
  rt_fail "no log line of the silent app in the platform log"
rt_check "_status of a failed app says failed" failed "$(rt_get /app/t/_status -H 'Host: t.broken.localhost' | jq -r .state)"

# 9. application env and tenant env reach the container
rt_check "app env vars and TENANTCTL_TENANT_ID reach the container" e1 \
  "$(rt_get / -H 'Host: e1.envy.localhost' | jq -r .tenant_id)"

# 10. websockets through the router
a_now=$(rt_get /app/a/ | jq -r .instance_id)
ws=$(python3 "$RT_WS_CLIENT" "$RT_PORT" /app/a/ws || true)
rt_check "websocket text/binary/ping echo through the router" true \
  "$(jq -r '.status == 101 and .text_ok and .binary_ok and .pong_ok' <<<"$ws")"
rt_check "the websocket is served by tenant a's instance" "$a_now" "$(jq -r .served_by <<<"$ws")"

# 11. large bodies both ways (streamed)
head -c 20000000 /dev/urandom >"$RT_DIR/upload.bin"
curl -s --max-time 120 -o "$RT_DIR/echoed.bin" --data-binary @"$RT_DIR/upload.bin" -H 'Content-Type: application/octet-stream' \
  "http://127.0.0.1:$RT_PORT/app/a/echo"
rt_check "a 20 MB request body comes back unchanged" "$(sha256sum <"$RT_DIR/upload.bin")" "$(sha256sum <"$RT_DIR/echoed.bin")"
curl -s --max-time 120 -T "$RT_DIR/upload.bin" -H 'Transfer-Encoding: chunked' -o "$RT_DIR/echoed2.bin" \
  "http://127.0.0.1:$RT_PORT/app/a/echo"
rt_check "a chunked 20 MB upload comes back unchanged" "$(sha256sum <"$RT_DIR/upload.bin")" "$(sha256sum <"$RT_DIR/echoed2.bin")"
size=$(curl -s --max-time 120 -o /dev/null -w '%{size_download}' "http://127.0.0.1:$RT_PORT/app/a/big?bytes=100000000")
rt_check "a 100 MB response arrives whole" 100000000 "$size"

# 12. pools: round robin over 3 interchangeable instances
for i in $(seq 1 6); do rt_get /pool/echo/ | jq -r .instance_id; done >"$RT_DIR/pool.txt"
rt_check "/pool/echo/ spreads over 3 instances" 3 "$(sort -u "$RT_DIR/pool.txt" | wc -l)"
rt_check "each pool instance got 2 of 6 requests" 2 "$(sort "$RT_DIR/pool.txt" | uniq -c | awk '{print $1}' | sort -u | tr -d '\n')"

# 13. concurrent first requests are coalesced into one start
pids=()
for i in $(seq 1 10); do
  curl -s --max-time 60 "http://127.0.0.1:$RT_PORT/app/burst/" -o "$RT_DIR/burst.$i" &
  pids+=($!)
done
wait "${pids[@]}"
rt_check "10 concurrent first requests see one instance" 1 "$(cat "$RT_DIR"/burst.* | jq -r .instance_id | sort -u | wc -l)"
rt_check "exactly one container was started for tenant burst" 1 "$(grep -c 'started container .* for tenant "burst"' "$RT_DIR/driver.log")"

# 14. metadata is persisted
rt_get /app/a/_metadata -X PUT -H 'Content-Type: application/json' -d '{"plan":"pro","seats":3}' >/dev/null
rt_check "PUT _metadata answers 200" 200 "$(rt_status)"
rt_check "GET _metadata returns it" pro "$(rt_get /app/a/_metadata | jq -r .plan)"
rt_check "metadata is on disk" 3 "$(jq -r .seats "$RT_DIR/state/metadata/echo/a.json")"
rt_get /app/a/_metadata -X PUT -d '[1,2]' >/dev/null
rt_check "PUT _metadata with a non-object is refused" 400 "$(rt_status)"

# 15. stopping the driver removes every container it started
kill "$RT_DRIVER_PID"
for _ in $(seq 1 300); do kill -0 "$RT_DRIVER_PID" 2>/dev/null || break; sleep 0.1; done
rt_check "no tenantctl containers are left after shutdown" 0 "$(docker ps -aq --filter label=tenantctl.platform=$RT_PLATFORM | wc -l)"

[ "$RT_FAILS" = 0 ] || { echo "$RT_FAILS check(s) failed; driver log:" >&2; tail -40 "$RT_DIR/driver.log" >&2; exit 1; }
echo "router_e2e: all checks passed" >&2
