#!/usr/bin/env bash
# npm run build: bundles src/ with esbuild and packs the single executables
# with pkg, all under the pinned Node 24 (never the machine's own Node).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tools-env.sh"
if [ ! -f "$HCL_NODE.ok" ] || [ ! -f "$HCL_NODE_EXE.ok" ]; then
  bash "$here/provision.sh"
fi
exec "$HCL_NODE" "$here/build.mjs" "$@"
