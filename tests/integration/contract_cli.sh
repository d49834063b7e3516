#!/usr/bin/env bash
# labels: integration;contract
# timeout: 900
# Runs every control-plane command of tenantctl against Prism's validating mock of the Cloudflare API subset
# (shared/contract) and fails on any request Prism reports as a contract violation.
set -uo pipefail
source "$(dirname "$0")/contract_common.inc"

# identity
TI "dummy-contract-token" login --profile contract
T logout --profile contract
# The subset declares GET /accounts and /memberships with X-Auth-Email + X-Auth-Key security only (the real
# API also takes tokens), so the commands that list accounts run with a global key here.
with_key() { PFX=(env "$@" -u CLOUDFLARE_API_TOKEN CLOUDFLARE_API_KEY=dummy-contract-key CLOUDFLARE_EMAIL=contract@example.com); }
with_key; T whoami
with_key; T --json whoami
# account discovery (GET /accounts, then /memberships) when no account id is given
with_key -u CLOUDFLARE_ACCOUNT_ID; T dispatch-namespace list
PFX=(env)

# dispatch namespaces
T dispatch-namespace list
T --json dispatch-namespace get my-dispatch-namespace
T dispatch-namespace create my-dispatch-namespace
T dispatch-namespace rename my-dispatch-namespace new-namespace --yes
T dispatch-namespace delete my-dispatch-namespace --yes

# secrets of a tenant worker in a namespace
TI "s3cr3t-contract-value" secret put MY_SECRET --dispatch-namespace my-dispatch-namespace --name tenant-1
T secret list --dispatch-namespace my-dispatch-namespace --name tenant-1
T secret delete MY_SECRET --dispatch-namespace my-dispatch-namespace --name tenant-1 --yes
TI '{"A":"one","GONE":null}' secret bulk --dispatch-namespace my-dispatch-namespace --name tenant-1
# secrets of an account worker
TI "s3cr3t-contract-value" secret put MY_SECRET --name worker-1
T secret list --name worker-1
T secret delete MY_SECRET --name worker-1 --yes
TI 'A=one' secret bulk --name worker-1

# KV
T kv namespace list
T kv namespace create my-namespace
T kv namespace rename 0f2ac74b498b48028cb68387c421e279 renamed
T kv namespace delete 0f2ac74b498b48028cb68387c421e279 --yes
TI "some value" kv key put my-key --namespace-id 0f2ac74b498b48028cb68387c421e279
T kv key get my-key --namespace-id 0f2ac74b498b48028cb68387c421e279
T kv key list --namespace-id 0f2ac74b498b48028cb68387c421e279 --prefix my-
T kv key delete my-key --namespace-id 0f2ac74b498b48028cb68387c421e279 --yes

# R2
T r2 bucket list
T r2 bucket list --jurisdiction eu
T r2 bucket create example-bucket --location weur --storage-class Standard
T r2 bucket create example-bucket -J eu
T r2 bucket delete example-bucket --yes

check_contract 30
