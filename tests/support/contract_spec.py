#!/usr/bin/env python3
"""Writes the contract the tests check against: the shared Cloudflare API subset plus tenantctl's additions
(tests/contract/additions.openapi.json: operations tenantctl uses that the subset lacks, each with its
provenance). An operation in both is an error (the addition must go once the subset has it).
usage: contract_spec.py SHARED_SUBSET ADDITIONS OUT"""
import json
import sys

base = json.load(open(sys.argv[1]))
add = json.load(open(sys.argv[2]))
for path, ops in add["paths"].items():
    target = base["paths"].setdefault(path, {})
    for method, op in ops.items():
        if method in target:
            sys.exit("contract_spec: %s %s is in the shared subset already; drop it from the additions" %
                     (method.upper(), path))
        target[method] = op
with open(sys.argv[3], "w") as f:
    json.dump(base, f)
