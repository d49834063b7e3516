#!/usr/bin/env bash
# labels: integration;runtime
# timeout: 600
# `tenantctl d1` against `tenantctl dev`: create / list / info / execute (table, --json, --file) / delete of a
# database; `d1 migrations list|apply` by the config's binding (its migrations_dir), recorded in wrangler's
# d1_migrations table inside the database; a rerun applies nothing; a migration with a syntax error stops with
# FILE:LINE from SQLite and exit 1, applying nothing of it or of later files. Then a worker bound to the database,
# running in workerd, reads the migrated rows.
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
no_cloudflare_env
start_dev
W=$(jq -r '.workers_url // empty' "$STATE/dev.json")
P=$WORK/p
mkdir -p "$P/db/migrations"
cd "$P"
printf 'name = "d1reader"\n' >"$P/wrangler.toml"  # the project's config (none found in an ancestor then)

# --- create / list / info / execute / delete ---------------------------------------------------------------
run --json d1 create scratch
check "create: exit 0, a uuid" bash -c '[ "$0" = 0 ] && jq -e ".uuid | length == 36" <<<"$1" >/dev/null' "$RC" "$OUT"
scratch=$(jq -r .uuid <<<"$OUT")
run d1 create scratch
check "create of an existing name: exit 1, the API's conflict" bash -c '[ "$0" = 1 ] && grep -q "already exists" "$1"' "$RC" "$WORK/err"
run d1 list
check "list: a table with the database" bash -c 'grep -q "^UUID" <<<"$0" && grep -q "$1 *scratch" <<<"$0"' "$OUT" "$scratch"
run d1 execute scratch --command "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES ('x'), ('y')"
check "execute: two statements, two rows written" bash -c '[ "$0" = 0 ] && grep -q "2 statement(s) run, 2 row(s) changed" <<<"$1"' "$RC" "$OUT"
run d1 execute "$scratch" --command "SELECT v, id FROM t ORDER BY id"
check "execute SELECT by uuid: a table, columns in the query's order" \
  bash -c 'head -n 1 <<<"$0" | grep -q "^V  *ID" && grep -q "^y  *2" <<<"$0"' "$OUT"
run --json d1 execute scratch --command "SELECT COUNT(*) AS n FROM t"
check "execute --json: wrangler's shape" jq_is '.[0].results[0].n' 2
printf 'SELECT 1;\n\nSELEC v FROM t;\n' >"$WORK/bad.sql"
run d1 execute scratch --file "$WORK/bad.sql"
check "execute --file with a syntax error: exit 1, FILE:LINE:COLUMN and SQLite's message" \
  bash -c '[ "$0" = 1 ] && grep -q "bad.sql:3:1: near \"SELEC\": syntax error" "$1"' "$RC" "$WORK/err"
run d1 info scratch
check "info: the size and one table" bash -c 'grep -q "^tables: *1" <<<"$0" && grep -q "^uuid: *$1" <<<"$0"' "$OUT" "$scratch"
run d1 delete scratch
check "delete off a terminal without --yes: refused, still there" \
  bash -c '[ "$0" = 1 ] && "$1" --local d1 info scratch >/dev/null' "$RC" "$TENANTCTL"
run d1 delete scratch --yes
check "delete --yes: gone, and its file" bash -c '[ "$0" = 0 ] && ! test -e "$1/d1/$2.sqlite"' "$RC" "$STATE" "$scratch"
run d1 info scratch
check "info of a deleted database: exit 1, names it" bash -c '[ "$0" = 1 ] && grep -q "no D1 database is named \"scratch\"" "$1"' "$RC" "$WORK/err"

# --- migrations by the config's binding ------------------------------------------------------------------
run --json d1 create app-db
app=$(jq -r .uuid <<<"$OUT")
cat >"$P/wrangler.toml" <<TOML
name = "d1reader"
main = "index.js"
compatibility_date = "2026-01-01"
[[d1_databases]]
binding = "DB"
database_name = "app-db"
database_id = "$app"
migrations_dir = "db/migrations"
TOML
cat >"$P/index.js" <<'JS'
export default {
  async fetch(request, env) {
    const { results } = await env.DB.prepare("SELECT name, plan FROM users ORDER BY id").all();
    return Response.json(results);
  },
};
JS
printf -- '-- users\nCREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n' >"$P/db/migrations/0001_users.sql"
printf "INSERT INTO users(name) VALUES ('ada'), ('grace');\n" >"$P/db/migrations/0002_seed.sql"
printf "ALTER TABLE users ADD COLUMN plan TEXT DEFAULT 'free';\nUPDATE users SET plan = 'pro' WHERE name = 'ada';\n" \
  >"$P/db/migrations/10_plans.sql"
run d1 migrations list DB
check "migrations list: three pending, in number order (10 after 0002)" \
  bash -c '[ "$(grep -c pending <<<"$0")" = 3 ] && grep -n . <<<"$0" | grep -q "^4:10_plans.sql"' "$OUT"
run --json d1 migrations apply DB
check "migrations apply: the three, in order" jq_is '.applied | join(",")' "0001_users.sql,0002_seed.sql,10_plans.sql"
run --json d1 execute app-db --command "SELECT id, name FROM d1_migrations ORDER BY id"
check "recorded in wrangler's table d1_migrations(id, name, applied_at)" \
  jq_is '[.[0].results[] | "\(.id):\(.name)"] | join(",")' "1:0001_users.sql,2:0002_seed.sql,3:10_plans.sql"
run --json d1 execute app-db --command "SELECT COUNT(*) AS n FROM d1_migrations WHERE applied_at IS NOT NULL"
check "each with its applied_at" jq_is '.[0].results[0].n' 3
run --json d1 migrations apply app-db
check "a rerun (by database_name) applies nothing" jq_is '"\(.applied | length) \(.already_applied)"' "0 3"

# a broken migration: FILE:LINE from SQLite, nothing of it or later files applied
printf "CREATE TABLE audit(id INTEGER PRIMARY KEY);\n\nINSERT INTO audit(id) VALUES (1);\nCREAT TABLE oops(x);\n" \
  >"$P/db/migrations/0011_audit.sql"
printf "CREATE TABLE later(x);\n" >"$P/db/migrations/0012_later.sql"
run d1 migrations apply DB
check "a syntax error: exit 1, db/migrations/0011_audit.sql:4:1 and SQLite's message" \
  bash -c '[ "$0" = 1 ] && grep -q "db/migrations/0011_audit.sql:4:1: near \"CREAT\": syntax error" "$1"' "$RC" "$WORK/err"
run --json d1 execute app-db --command "SELECT name FROM sqlite_master WHERE name IN ('audit', 'later')"
check "nothing of the failed file (audit) nor the later one was applied" jq_is '.[0].results | length' 0
run d1 migrations list DB
check "list: 0011 and 0012 still pending" bash -c '[ "$(grep -c pending <<<"$0")" = 2 ]' "$OUT"
rm "$P/db/migrations/0011_audit.sql" "$P/db/migrations/0012_later.sql"

# --- a worker bound to the database reads the migrated rows (workerd) ----------------------------------------
check "workerd runs" test -n "$W"
if [ -n "$W" ]; then
  T deploy >"$WORK/deploy.out" 2>&1 || cat "$WORK/deploy.out"
  check "the bound worker answers with the migrated rows" \
    until_ok 60 d1reader.localhost / '[{"name":"ada","plan":"pro"},{"name":"grace","plan":"free"}]'
fi
finish
