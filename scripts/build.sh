#!/usr/bin/env bash
# npm run build: bundles src/ with esbuild and packs the single executables
# with pkg, all under the pinned Nodes (never the machine's own Node).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tools-env.sh"
# Only what the build needs (npm packages, the pinned Nodes): quiet when present.
# The tests, the demo and the benchmark provision the rest themselves.
bash "$here/provision.sh" --build
# Each target is packed under the Node of its own version (pkg generates the
# SEA blob with the running Node; blob and base must match).
"$HCL_NODE" "$here/build.mjs" --target linux "$@"
"$HCL_NODE_WIN_GEN" "$here/build.mjs" --target win --no-bundle "$@"
