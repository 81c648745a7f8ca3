#!/usr/bin/env bash
# npm test: everything, on the built executables, with real toolchains.
# Provisioning is quiet when all is there; nothing is skipped for want of a tool.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
bash scripts/provision.sh
bash scripts/build.sh
npx tsc --noEmit
# Each test printed as it ends (vitest's default prints a file only when it
# ends); a --reporter given on the command line (CI's) replaces this one.
if printf '%s\n' "$@" | grep -q '^--reporter'; then
  npx vitest run "$@"
else
  npx vitest run --reporter=verbose "$@"
fi
