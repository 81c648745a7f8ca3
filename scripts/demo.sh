#!/usr/bin/env bash
# npm run demo: the main job on a fresh machine. Installs what is needed, builds,
# and compiles real HIP code through hipcc and hip-clang-launcher into a real
# ccache, twice, showing the second compile served from the cache; then, in the
# Debian sid lab, an -fgpu-rdc link through bare caches and through the launcher.
# It states only what it saw: each compile's exit status and object are
# checked, a failure is printed as one (with its first error line) and makes
# the demo exit non-zero. Every cache directory, state directory and sccache
# port is its own (a fresh temporary directory, a port the kernel gave).
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
# Nothing of the user's caches or launcher settings reaches it: their variables
# are dropped, and ccache reads an empty config file of the demo's own (a
# remote_storage there would otherwise be used).
for v in $(compgen -e | grep -E '^(CCACHE_|SCCACHE_|HIP_CLANG_LAUNCHER)'); do unset "$v"; done
: >"$work/ccache.conf"
export HIP_PLATFORM=amd HIP_PATH=/usr ROCM_PATH=/usr DEVICE_LIB_PATH="$HCL_DEVICE_LIB_PATH"
export CCACHE_DIR="$work/ccache" CCACHE_CONFIGPATH="$work/ccache.conf" HIP_CLANG_LAUNCHER_CACHE=ccache HIP_CLANG_LAUNCHER_STATE_DIR="$work/state"

# The first line of a failed command's output that names an error, else its first line.
first_error() { grep -m1 -iE 'error|fatal|failed|cannot|no such' "$1" || head -n1 "$1"; }
# Runs a compile; on failure prints it as a failure with its first error line and stops the demo.
compile_or_fail() { # label, output, command...
  local label="$1" out="$2"; shift 2
  local status=0
  "$@" >"$work/last.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ] || [ ! -s "$out" ]; then
    printf '  %-8s FAILED: %s (exit %d): %s\n' "$label" "$out" "$status" "$(first_error "$work/last.log")"
    exit 1
  fi
}

hits() { ccache --print-stats | awk -F'\t' '$1=="direct_cache_hit"||$1=="preprocessed_cache_hit"{h+=$2} END{print h+0}'; }
compile_twice() { # label, command...
  local label="$1"; shift
  for n in 1 2; do
    local before after start ms
    before=$(hits)
    start=$(date +%s%N)
    # A clean rebuild: the same object, rebuilt (a copy of each kept to compare).
    rm -f saxpy.o
    compile_or_fail "$label" saxpy.o "$@" -c saxpy.hip -o saxpy.o
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    cp saxpy.o "saxpy-$n.o"
    after=$(hits)
    printf '  %-8s compile %d: %5d ms  %s\n' "$label" "$n" "$ms" "$([ "$after" -gt "$before" ] && echo 'cache HIT' || echo 'cache miss')"
    # The rebuild is the point of the demo: a miss there is a failure, said as one.
    if [ "$n" = 2 ] && [ "$after" -le "$before" ]; then echo "  FAILED: the rebuild was not a cache hit"; exit 1; fi
  done
  if cmp -s saxpy-1.o saxpy-2.o; then echo "  objects identical: yes"; else echo "  objects identical: NO"; exit 1; fi
}

echo "== Route 1: hipcc 7.0.2 with our HIP_CLANG_LAUNCHER patch"
hipcc7="$(bash "$here/build-hipcc.sh" patched)"
HIP_CLANG_PATH=/usr/lib/llvm-15/bin HIP_CLANG_LAUNCHER="$launcher" \
  compile_twice hipcc7 "$hipcc7" --offload-arch=gfx90a
echo

echo "== Route 2: Debian's perl hipcc 5.2.3 (cannot be patched) with the shim in a ROCm-like tree"
# A ROCm-style llvm/bin made from Debian's llvm-15 with hard links (cp -al), so
# the shim's renames never touch the system: clang++-15 -> clang++ -> clang -> clang-15.
# The rest of llvm-15 is linked, not hard-linked: a hard link moves the ctime of
# clang's headers, and ccache keeps nothing from a compile (yours too) that read
# one meanwhile (scripts/llvm-tree.mjs).
rocm="$work/rocm"
mkdir -p "$rocm/llvm"
for entry in /usr/lib/llvm-15/*; do
  if [ "${entry##*/}" = bin ]; then cp -al "$entry" "$rocm/llvm/bin"; else ln -s "$entry" "$rocm/llvm/${entry##*/}"; fi
done
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
# The lab shares the host's network: its sccache gets a port the kernel says is free now.
port="$("$HCL_NODE" -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
cat >"$work/rdc.sh" <<'LAB'
set -u
hip=(-x hip --offload-arch=gfx90a -fgpu-rdc -O2 -c)
first_error() { grep -m1 -iE 'error|fatal|failed|cannot|no such' "$1" || head -n1 "$1"; }
failed=0
# compile <label> <object> <command...>: the object must come out, else say so.
compile() {
  local label="$1" out="$2"; shift 2
  local status=0
  "$@" >"$out.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ] || [ ! -s "$out" ]; then
    printf '  %-8s %-17s FAILED to compile %s (exit %d): %s\n' "$cache" "$label:" "$out" "$status" "$(first_error "$out.log")"
    return 1
  fi
}
# link <label> <objects...>: prints what the link did, with its first error line.
link() {
  local label="$1"; shift
  local status=0
  clang++-21 -fgpu-rdc --hip-link --offload-arch=gfx90a "$@" -o prog >link.log 2>&1 || status=$?
  if [ "$status" -eq 0 ] && [ -s prog ]; then
    printf '  %-8s %-17s link ok, the program links\n' "$cache" "$label:"
    return 0
  fi
  printf '  %-8s %-17s link FAILED (exit %d): %s\n' "$cache" "$label:" "$status" "$(grep -m1 -o 'duplicate symbol: __hip_cuid_[0-9a-f]*' link.log || first_error link.log)"
  return 1
}
for cache in ccache sccache; do
  export CCACHE_DIR="$PWD/lab-$cache/cc" SCCACHE_DIR="$PWD/lab-$cache/sc" SCCACHE_SERVER_PORT="$PORT"
  mkdir -p "lab-$cache" && cd "lab-$cache"
  if compile uncached main.o clang++-21 "${hip[@]}" ../rdc-main.hip -o main.o &&
    compile "bare cache" bare-a.o "$cache" clang++-21 "${hip[@]}" ../rdc-static.hip -o bare-a.o &&
    compile "bare cache" bare-b.o "$cache" clang++-21 "${hip[@]}" ../rdc-static.hip -o bare-b.o; then
    # A bare cache hands b.o the object it stored for a.o: the link is expected to fail.
    link "bare cache" bare-a.o bare-b.o main.o || true
    rm -f prog
    if compile "through launcher" a.o env HIP_CLANG_LAUNCHER_CACHE="$cache" "$LAUNCHER" clang++-21 "${hip[@]}" ../rdc-static.hip -o a.o &&
      compile "through launcher" b.o env HIP_CLANG_LAUNCHER_CACHE="$cache" "$LAUNCHER" clang++-21 "${hip[@]}" ../rdc-static.hip -o b.o; then
      link "through launcher" a.o b.o main.o || failed=1
    else
      failed=1
    fi
  else
    failed=1
  fi
  [ "$cache" = sccache ] && sccache --stop-server >/dev/null 2>&1
  cd ..
done
exit "$failed"
LAB
bash "$here/lab-run.sh" --ro-bind "$repo/dist/linux-x64" --bind "$work" --cwd "$work" \
  --env LAUNCHER="$launcher" --env PORT="$port" -- bash "$work/rdc.sh"
