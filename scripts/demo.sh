#!/usr/bin/env bash
# npm run demo: the main job on a fresh machine. Installs what is needed, builds,
# and compiles real HIP code through hipcc and hip-clang-launcher into a real
# ccache, twice, showing the second compile served from the cache.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"
bash scripts/provision.sh
bash scripts/build.sh >/dev/null
. scripts/tools-env.sh

launcher="$repo/dist/linux-x64/hip-clang-launcher"
work="$(mktemp -d "${TMPDIR:-/tmp}/hcl-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp test/fixtures/hip/saxpy.hip "$work/"
cd "$work"

# hipcc's environment for a CPU-only Debian machine (HIP_PLATFORM=amd: an nvcc
# on PATH would otherwise make hipcc pick NVIDIA).
export HIP_PLATFORM=amd HIP_PATH=/usr ROCM_PATH=/usr DEVICE_LIB_PATH="$HCL_DEVICE_LIB_PATH"
export CCACHE_DIR="$work/ccache" HIP_CLANG_LAUNCHER_CACHE=ccache

hits() { ccache --print-stats | awk -F'\t' '$1=="direct_cache_hit"||$1=="preprocessed_cache_hit"{h+=$2} END{print h+0}'; }
compile_twice() { # label, command...
  local label="$1"; shift
  for n in 1 2; do
    local before after start ms
    before=$(hits)
    start=$(date +%s%N)
    # A clean rebuild: the same object, rebuilt (a copy of each kept to compare).
    rm -f saxpy.o
    "$@" -c saxpy.hip -o saxpy.o
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    cp saxpy.o "saxpy-$n.o"
    after=$(hits)
    printf '  %-8s compile %d: %5d ms  %s\n' "$label" "$n" "$ms" "$([ "$after" -gt "$before" ] && echo 'cache HIT' || echo 'cache miss')"
  done
  cmp -s saxpy-1.o saxpy-2.o && echo "  objects identical: yes"
}

echo "== Route 1: hipcc 7.0.2 with our HIP_CLANG_LAUNCHER patch"
hipcc7="$(bash "$here/build-hipcc.sh" patched)"
HIP_CLANG_PATH=/usr/lib/llvm-15/bin HIP_CLANG_LAUNCHER="$launcher" \
  compile_twice hipcc7 "$hipcc7" --offload-arch=gfx90a
echo

echo "== Route 2: Debian's perl hipcc 5.2.3 (cannot be patched) with the shim in a ROCm-like tree"
# A ROCm-style llvm/bin made from Debian's llvm-15 with hard links (cp -al), so
# the shim's renames never touch the system: clang++-15 -> clang++ -> clang -> clang-15.
rocm="$work/rocm"
mkdir -p "$rocm"
cp -al /usr/lib/llvm-15 "$rocm/llvm"
bin="$rocm/llvm/bin"
rm "$bin/clang-15" && mv "$bin/clang" "$bin/clang-15"
ln -s clang-15 "$bin/clang" && ln -s clang++ "$bin/clang++-15"
digest() { (cd "$rocm" && find . -printf '%p %y %m %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }
before="$(digest)"
"$launcher" install "$rocm" --names clang,clang++,clang++-15 --cache ccache | sed 's/^/  /'
rm -f saxpy-*.o
HIP_CLANG_PATH="$bin" compile_twice perl-hipcc /usr/bin/hipcc --offload-arch=gfx90a
"$launcher" uninstall "$rocm" | sed 's/^/  /'
after="$(digest)"
echo "  tree digest before install: $before, after uninstall: $after $([ "$before" = "$after" ] && echo '(restored byte for byte)' || echo '(DIFFERS)')"
[ "$before" = "$after" ]
echo
ccache --show-stats | sed -n '1,6p' | sed 's/^/  /'
echo

echo "== Route 3: the Debian sid lab (clang-21, ccache 4.14, sccache 0.17): -fgpu-rdc, one source, two objects, one link"
# clang gives every HIP object a __hip_cuid_ symbol derived from its command
# line, -o included; caches leave -o out of their key, so a bare cache hands
# b.o the object it stored for a.o and the RDC link sees the symbol twice.
# The launcher adds a per-object -cuid, so b.o is its own cache entry.
cp "$repo/test/fixtures/hip/rdc-static.hip" "$repo/test/fixtures/hip/rdc-main.hip" "$work/"
cat >"$work/rdc.sh" <<'LAB'
set -u
hip=(-x hip --offload-arch=gfx90a -fgpu-rdc -O2 -c)
link() { clang++-21 -fgpu-rdc --hip-link --offload-arch=gfx90a "$@" -o prog 2>&1 | grep -o 'duplicate symbol: __hip_cuid_[0-9a-f]*' | head -1; }
for cache in ccache sccache; do
  export CCACHE_DIR="$PWD/lab-$cache/cc" SCCACHE_DIR="$PWD/lab-$cache/sc" SCCACHE_SERVER_PORT=4226
  mkdir -p "lab-$cache" && cd "lab-$cache"
  clang++-21 "${hip[@]}" ../rdc-main.hip -o main.o
  for o in a b; do "$cache" clang++-21 "${hip[@]}" ../rdc-static.hip -o "bare-$o.o"; done
  dup="$(link bare-a.o bare-b.o main.o)"
  printf '  %-8s bare cache:       link %s\n' "$cache" "$([ -n "$dup" ] && echo "FAILED ($dup)" || echo ok)"
  for o in a b; do HIP_CLANG_LAUNCHER_CACHE="$cache" "$LAUNCHER" clang++-21 "${hip[@]}" ../rdc-static.hip -o "$o.o"; done
  dup="$(link a.o b.o main.o)"
  printf '  %-8s through launcher: link %s\n' "$cache" "$([ -n "$dup" ] && echo "FAILED ($dup)" || echo 'ok, the program links')"
  [ -z "$dup" ] || exit 1
  [ "$cache" = sccache ] && sccache --stop-server >/dev/null 2>&1
  cd ..
done
LAB
bash "$here/lab-run.sh" --ro-bind "$repo/dist/linux-x64" --bind "$work" --cwd "$work" \
  --env LAUNCHER="$launcher" -- bash "$work/rdc.sh"
