#!/usr/bin/env bash
# labels: integration;contract
# timeout: 600
# `tenantctl d1 list|create|info|execute|delete` and `d1 migrations list|apply` against Prism's validating mock
# of the Cloudflare API subset (D1 list/create/get/delete from the shared subset, /raw from
# tests/contract/additions.openapi.json): zero request violations.
set -uo pipefail
source "$(dirname "$0")/contract_common.inc"

db=4e1c28a9-90e4-41da-8b4b-6cf36e5abb29
mkdir -p "$work/p/migrations"
printf 'name = "contract"\n' >"$work/p/wrangler.toml"  # the project's config (none found in an ancestor then)
printf 'CREATE TABLE t(id INTEGER PRIMARY KEY);\n' >"$work/p/migrations/0001_t.sql"
cd "$work/p"
T d1 list
T --json d1 list
T d1 create my-database
T d1 info "$db"
T d1 execute "$db" --command "SELECT 1 AS one"
T d1 execute "$db" --file migrations/0001_t.sql
T d1 migrations list "$db"
T d1 migrations apply "$db"
T d1 delete "$db" --yes

check_contract 12
