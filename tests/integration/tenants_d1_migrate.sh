#!/usr/bin/env bash
# labels: integration;tenants
# timeout: 600
# `tenants d1 migrate` against `tenantctl dev`: 200 tenants, each with its isolated D1 database (tenants apply,
# isolate: [d1]), and a migrations folder of three files. Two databases are made to fail in the second file (a
# conflicting table created through `d1 execute`), a third likewise: with --max-failures 2 the run stops starting
# work after two failures (exit 3; the summary names both tenants and FILE:LINE), and the untouched database has
# no record at all. Fixed, a rerun applies only what is missing (d1_migrations row counts, seeded rows not
# doubled); a third run applies nothing. Ctrl-C during a run: exit 130, nothing new started; the rerun finishes
# without applying anything twice. Bad input: a migration with a syntax error stops the run with FILE:LINE
# from SQLite (exit 1) and nothing of it or of later files is applied; a namespace or a tag matching nothing is
# a clear error (exit 1).
source "$(dirname "$0")/platform_common.inc"
no_cloudflare_env
unset TENANTCTL_RATE_LIMIT
start_dev --test-hooks
# sql DB SQL: the first result set of a query, as JSON rows
sql() { T --json d1 execute "$1" --command "$2" | jq -c '.[0].results'; }
export -f T sql

T dispatch-namespace create prod >/dev/null
P=$WORK/p
mkdir -p "$P/migrations"
printf 'export default { fetch() { return new Response("t") } }\n' >"$P/tenant.mjs"
printf 'name = "tenants"\n' >"$P/wrangler.toml"  # the project's config (none found in an ancestor then)
{
  printf 'namespace: prod\nscript: ./tenant.mjs\ncompatibility_date: "2026-01-01"\n'
  printf 'defaults: { plan: free, tags: [fleet], isolate: [d1] }\ntenants:\n'
  for i in $(seq -w 1 200); do printf '  - { id: t-%s }\n' "$i"; done
} >"$P/tenants.yaml"
run tenants apply -f "$P/tenants.yaml" --concurrency 16 --json
check "200 tenants with isolated D1 databases created" jq_is '"\(.created) \(.failed)"' "200 0"
cd "$P"

cat >"$P/migrations/0001_notes.sql" <<'SQL'
-- notes of a tenant
CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL);
SQL
cat >"$P/migrations/0002_tags.sql" <<'SQL'
CREATE INDEX notes_body ON notes(body);

CREATE TABLE tags(id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES notes(id), name TEXT);
SQL
cat >"$P/migrations/0003_seed.sql" <<'SQL'
INSERT INTO notes(body) VALUES ('welcome');
INSERT INTO tags(note_id, name) VALUES (1, 'hello');
SQL

# Three databases get a conflicting `tags` table: their 0002 fails at line 3.
for t in t-020 t-100 t-180; do T d1 execute "prod-$t" --command "CREATE TABLE tags(x)" >/dev/null; done

run tenants d1 migrate --namespace prod --dir migrations --max-failures 2 --concurrency 8 --json
check "first run: exit 3" [ "$RC" = 3 ]
check "two failures, the rest of the run not started" \
  jq_is '"\(.failed) \(.skipped > 0) \(.done > 0)"' "2 true true"
check "the failed ones are t-020 and t-100, each at migrations/0002_tags.sql:3" \
  jq_is '[.results[] | select(.status == "failed") | "\(.id)@\(.failed_at | sub(":[0-9]+$"; ""))"] | join(",")' \
  "t-020@migrations/0002_tags.sql:3,t-100@migrations/0002_tags.sql:3"
check "the summary on stderr names them, file:line and SQLite's message" \
  bash -c 'grep -q "t-020: migrations/0002_tags.sql:3:[0-9]*: table tags already exists" "$0" && grep -q "t-100: migrations/0002_tags.sql" "$0"' "$WORK/err"
check "t-180 was not started" jq_is '.results[] | select(.id == "t-180") | .status' skipped
check "t-020 kept 0001 only (0002 was rolled back whole: no index)" \
  bash -c '[ "$(sql prod-t-020 "SELECT name FROM d1_migrations ORDER BY id" | jq -r "map(.name) | join(\",\")")" = 0001_notes.sql ] &&
           [ "$(sql prod-t-020 "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = '"'"'notes_body'"'"'" | jq .[0].n)" = 0 ]'
check "t-180's database is untouched (no migrations table)" \
  bash -c '[ "$(sql prod-t-180 "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = '"'"'d1_migrations'"'"'" | jq .[0].n)" = 0 ]'
check "a migrated one (t-001) has all three" \
  bash -c '[ "$(sql prod-t-001 "SELECT COUNT(*) AS n FROM d1_migrations" | jq .[0].n)" = 3 ]'
first_done=$(jq -r .done <<<"$OUT")

# Fix the three and rerun: only what is missing is applied.
for t in t-020 t-100 t-180; do T d1 execute "prod-$t" --command "DROP TABLE tags" >/dev/null; done
run tenants d1 migrate --namespace prod --dir migrations --concurrency 8 --json
check "rerun: exit 0, all 200 done" bash -c '[ "$0" = 0 ] && jq -e ".done == 200 and .failed == 0" <<<"$1" >/dev/null' "$RC" "$OUT"
check "the databases finished before applied nothing again" \
  jq_is "[.results[] | select(.already_applied == 3)] | length" "$first_done"
check "t-020 got 0002 and 0003 only" jq_is '.results[] | select(.id == "t-020") | .applied | join(",")' "0002_tags.sql,0003_seed.sql"
check "t-180 got all three" jq_is '.results[] | select(.id == "t-180") | .applied | length' 3
for t in t-001 t-020 t-150 t-180 t-200; do
  check "$t: three d1_migrations rows (ids 1..3), one seeded note" \
    bash -c '[ "$(sql "prod-$0" "SELECT group_concat(id) AS ids FROM d1_migrations" | jq -r .[0].ids)" = "1,2,3" ] &&
             [ "$(sql "prod-$0" "SELECT COUNT(*) AS n FROM notes" | jq .[0].n)" = 1 ]' "$t"
done
run tenants d1 migrate --namespace prod --dir migrations --json
check "a third run applies nothing" jq_is '[.results[] | .applied | length] | add' 0
run d1 execute prod-t-042 --command "SELECT n.body, t.name FROM notes n JOIN tags t ON t.note_id = n.id"
check "d1 execute reads the rows back" bash -c 'grep -q "^welcome  *hello" <<<"$0"' "$OUT"

# --- Ctrl-C: every query waits 100 ms at the server, so the run is still going when SIGINT arrives ---------------
printf "INSERT INTO notes(body) VALUES ('second');\n" >"$P/migrations/0004_more.sql"
curl -sS -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data '{"method":"POST","path_regex":"/d1/database/[^/]+/raw$","status":0,"delay_ms":100,"count":100000}' \
  "http://127.0.0.1:$PORT/__dev/faults" >/dev/null
raws() { jq -s '[.[] | select(.method == "POST" and (.path | endswith("/raw")))] | length' "$STATE/requests.log"; }
before=$(raws)
"$TENANTCTL" --local tenants d1 migrate --namespace prod --dir migrations --concurrency 4 --json >"$WORK/int.json" 2>"$WORK/int.err" &
MPID=$!
for _ in $(seq 1 400); do [ "$(raws)" -ge $((before + 24)) ] && break; sleep 0.05; done
kill -INT "$MPID"
RC=0; wait "$MPID" || RC=$?
check "Ctrl-C: exit 130, one JSON document, some done and some not started" \
  bash -c '[ "$0" = 130 ] && jq -e ".ok == false and .done > 0 and .skipped > 0" "$1" >/dev/null' "$RC" "$WORK/int.json"
curl -sS -X DELETE -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/__dev/faults" >/dev/null
run tenants d1 migrate --namespace prod --dir migrations --concurrency 8 --json
check "the rerun: exit 0, 0004 applied where it was missing, nowhere twice" \
  bash -c '[ "$0" = 0 ] && jq -e "([.results[] | .applied | length] | add) == 200 - ([.results[] | select(.already_applied == 4)] | length)" <<<"$1" >/dev/null' \
  "$RC" "$OUT"
for t in t-001 t-099 t-200; do
  check "$t: four d1_migrations rows, two notes" \
    bash -c '[ "$(sql "prod-$0" "SELECT COUNT(*) AS n FROM d1_migrations" | jq .[0].n)" = 4 ] &&
             [ "$(sql "prod-$0" "SELECT COUNT(*) AS n FROM notes" | jq .[0].n)" = 2 ]' "$t"
done

# --- bad input ---------------------------------------------------------------------------------------------
printf 'CREATE TABLE audit(id INTEGER PRIMARY KEY);\n\nCREAT TABLE oops(x);\n' >"$P/migrations/0005_audit.sql"
printf 'CREATE TABLE later(x);\n' >"$P/migrations/0006_later.sql"
run tenants d1 migrate --namespace prod --dir migrations
check "a syntax error: exit 1, migrations/0005_audit.sql:3:1 from SQLite" \
  bash -c '[ "$0" = 1 ] && grep -q "migrations/0005_audit.sql:3:1: near \"CREAT\": syntax error" "$1"' "$RC" "$WORK/err"
check "nothing of 0005 or 0006 anywhere it started (audit, later absent; 4 rows)" \
  bash -c 'for t in t-001 t-002 t-003; do
             [ "$(sql "prod-$t" "SELECT COUNT(*) AS n FROM sqlite_master WHERE name IN ('"'"'audit'"'"', '"'"'later'"'"')" | jq .[0].n)" = 0 ] || exit 1
             [ "$(sql "prod-$t" "SELECT COUNT(*) AS n FROM d1_migrations" | jq .[0].n)" = 4 ] || exit 1
           done'
run --json tenants d1 migrate --namespace prod --dir migrations
check "with --json: one document, the error with file:line" \
  bash -c '[ "$(jq -s length <<<"$0")" = 1 ] && jq -e ".ok == false and (.error.message | test(\"0005_audit.sql:3:1\"))" <<<"$0" >/dev/null' "$OUT"
rm "$P/migrations/0005_audit.sql" "$P/migrations/0006_later.sql"
run tenants d1 migrate --namespace nosuch --dir migrations
check "an unknown namespace: exit 1, says so" bash -c '[ "$0" = 1 ] && grep -qi "nosuch" "$1"' "$RC" "$WORK/err"
run tenants d1 migrate --namespace prod --tag nosuch --dir migrations
check "a tag matching nothing: exit 1, names it" bash -c '[ "$0" = 1 ] && grep -q "is tagged nosuch" "$1"' "$RC" "$WORK/err"
run tenants d1 migrate --namespace prod --dir nowhere
check "a missing folder: exit 1, names it" bash -c '[ "$0" = 1 ] && grep -q "no migrations folder at .*nowhere" "$1"' "$RC" "$WORK/err"
finish
