#!/usr/bin/env bash
# npm run build: bundles src/ with esbuild and packs the single executables
# with pkg, all under the pinned Nodes (never the machine's own Node).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tools-env.sh"
if [ ! -f "$HCL_NODE.ok" ] || [ ! -f "$HCL_NODE_EXE.ok" ] || [ ! -f "$HCL_NODE_WIN_GEN.ok" ]; then
  bash "$here/provision.sh"
fi
# Each target is packed under the Node of its own version (pkg generates the
# SEA blob with the running Node; blob and base must match).
"$HCL_NODE" "$here/build.mjs" --target linux "$@"
"$HCL_NODE_WIN_GEN" "$here/build.mjs" --target win --no-bundle "$@"
