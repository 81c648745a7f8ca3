#!/usr/bin/env bash
# npm test: everything, on the built executables, with real toolchains.
# Provisioning is quiet when all is there; nothing is skipped for want of a tool.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
bash scripts/provision.sh
bash scripts/build.sh
npx tsc --noEmit
npx vitest run "$@"
