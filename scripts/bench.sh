#!/usr/bin/env bash
# npm run bench [-- --quick --out <dir> ...]: runs scripts/bench/bench.mjs on
# the pinned Node 24 (the runtime the executable embeds), provisioning, and
# building the executable first if it is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tools-env.sh"
bash "$here/provision.sh"   # the toolchains and caches it measures (quiet when present)
if [ ! -x "$here/../dist/linux-x64/hip-clang-launcher" ] || [ ! -f "$here/../build/main.cjs" ]; then
  bash "$here/build.sh"
fi
exec "$HCL_NODE" "$here/bench/bench.mjs" "$@"
