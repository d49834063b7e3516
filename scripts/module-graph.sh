#!/usr/bin/env bash
# Prints lib/'s module graph as the build enforces it: each module and the tenantctl modules in the DEPS of
# its lib/<module>/CMakeLists.txt, in the order lib/CMakeLists.txt adds them. ARCHITECTURE.md holds this
# output; the house_rules test compares the two.
set -euo pipefail
cd "$(dirname "$0")/.."
for m in $(sed -n 's/^add_subdirectory(\([a-z_]*\))$/\1/p' lib/CMakeLists.txt); do
  deps=$(tr '\n' ' ' < "lib/$m/CMakeLists.txt" | sed -n 's/.*tenantctl_module([a-z_]* DEPS \([^)]*\)).*/\1/p' |
    tr ' ' '\n' | sed -n 's/^tenantctl_\([a-z_]*\)$/\1/p' | tr '\n' ' ' | sed 's/ $//')
  printf '%-9s -> %s\n' "$m" "${deps:-(nothing)}"
done
