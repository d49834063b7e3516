#!/usr/bin/env bash
# labels: integration;docs
# timeout: 60
# The checked-in completions/ and man/ are what the current command tree generates (run
# scripts/gen-docs.sh after changing commands), and every man page renders without groff warnings.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$TENANTCTL_SOURCE_DIR
"$TENANTCTL" completions --write-dir "$tmp/completions" --man-dir "$tmp/man" --text-dir "$src/man/src"
fail=0
for f in "$tmp"/completions/* "$tmp"/man/*.1; do
  rel=${f#"$tmp"/}
  if ! cmp -s "$f" "$src/$rel"; then
    echo "FAIL: $rel is stale (run scripts/gen-docs.sh)" >&2
    diff -u "$src/$rel" "$f" | head -20 >&2 || true
    fail=1
  fi
done
for f in "$src"/man/*.1; do
  [ -e "$tmp/man/$(basename "$f")" ] || { echo "FAIL: man/$(basename "$f") is no longer generated" >&2; fail=1; }
  warnings=$(groff -t -man -Tutf8 -ww -z "$f" 2>&1 || true)
  if [ -n "$warnings" ]; then echo "FAIL: groff warnings in $(basename "$f"):" >&2; echo "$warnings" >&2; fail=1; fi
done
n=$(ls "$src"/man/*.1 | wc -l)
[ "$n" -ge 5 ] || { echo "FAIL: only $n man pages" >&2; fail=1; }
[ $fail = 0 ] && echo "docs: completions and $n man pages are fresh and render cleanly"
exit $fail
