#!/usr/bin/env bash
# Builds hipcc 7.0.2 from the provisioned source, as is or with patches applied,
# and prints the absolute path of the built hipcc on stdout (nothing else).
#
#   bash scripts/build-hipcc.sh <variant> [--windows]
#
# Variants:
#   unpatched       the source as Debian ships it (no HIP_CLANG_LAUNCHER)
#   patched         + our backport (patches/backport)
#   upstream        + a TEST FIXTURE reproducing upstream's HIP_CLANG_LAUNCHER
#                     (llvm-project PR #1490), Windows quoting bug included
#   upstream-fixed  upstream + our Windows quoting fix (patches/windows-quoting-fix)
# --windows cross-builds hipcc.exe with mingw-w64 (static, so wine needs no DLLs).
#
# Each build lives in $HCL_TOOLS/hipcc-build/<variant>[-windows]-<hash of inputs>/ and
# is reused while its inputs (source pin, patches, this script, compiler) are unchanged.
# A lock per build lets parallel test workers and scripts share one build.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/scripts/tools-env.sh"

die() { echo "build-hipcc: $*" >&2; exit 1; }

[[ $# -ge 1 && $# -le 2 ]] || die "usage: build-hipcc.sh <unpatched|patched|upstream|upstream-fixed> [--windows]"
variant=$1
windows=0
if [[ $# -eq 2 ]]; then
  [[ $2 == --windows ]] || die "unknown option '$2' (only --windows)"
  windows=1
fi

# One patch per directory; the file name is git format-patch's, from the subject.
one_patch() {
  local found=("$repo/$1"/*.patch)
  [[ ${#found[@]} == 1 && -f ${found[0]} ]] || die "expected exactly one patch in $1"
  echo "${found[0]}"
}
backport=$(one_patch patches/backport)
winfix=$(one_patch patches/windows-quoting-fix)
fixture=$repo/test/fixtures/hipcc/fixture-upstream-hip-clang-launcher.patch
case $variant in
  unpatched) patches=() ;;
  patched) patches=("$backport") ;;
  upstream) patches=("$fixture") ;;
  upstream-fixed) patches=("$fixture" "$winfix") ;;
  *) die "unknown variant '$variant': use unpatched, patched, upstream or upstream-fixed" ;;
esac
for p in "${patches[@]}"; do [[ -f $p ]] || die "missing $p (variant $variant needs it)"; done

src=$HCL_HIPCC_SRC/amd/hipcc
[[ -f $src/src/hipBin_amd.h ]] || die "no hipcc source at $src: run 'npm run provision'"
if [[ $windows == 1 ]]; then
  cxx=x86_64-w64-mingw32-g++ cc=x86_64-w64-mingw32-gcc exe=hipcc.exe suffix=-windows
else
  cxx=g++ cc=gcc exe=hipcc suffix=
fi
command -v "$cxx" >/dev/null || die "$cxx not found: run 'npm run provision'"
for tool in cmake ninja git flock; do command -v $tool >/dev/null || die "$tool not found: run 'npm run provision'"; done

# Everything that changes the binary goes into the hash.
hash=$(
  {
    echo "$HCL_ROCM_LLVM_SHA256 windows=$windows"
    cat "${BASH_SOURCE[0]}"
    for p in "${patches[@]}"; do cat "$p"; done
    "$cxx" --version | head -1
  } | sha256sum | cut -c1-16
)
root=$HCL_TOOLS/hipcc-build
out=$root/$variant$suffix-$hash
mkdir -p "$root"

exec 9>"$out.lock"
flock 9
if [[ ! -f $out/complete ]]; then
  rm -rf "$out"
  mkdir -p "$out/llvm-project/amd"
  cp -R "$src" "$out/llvm-project/amd/hipcc"
  for p in "${patches[@]}"; do
    # Same strictness as TheRock's git am: no fuzz, only line offsets.
    (cd "$out/llvm-project" && git apply --whitespace=nowarn "$p") >&2 || die "$(basename "$p") does not apply to hipcc 7.0.2"
  done
  args=(-S "$out/llvm-project/amd/hipcc" -B "$out/build" -G Ninja -DCMAKE_BUILD_TYPE=Release
        -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx")
  if [[ $windows == 1 ]]; then
    args+=(-DCMAKE_SYSTEM_NAME=Windows -DCMAKE_EXE_LINKER_FLAGS=-static)
  fi
  cmake "${args[@]}" >"$out/cmake.log" 2>&1 || die "cmake failed, see $out/cmake.log"
  ninja -C "$out/build" hipcc >"$out/ninja.log" 2>&1 || die "build failed, see $out/ninja.log"
  [[ -f $out/build/$exe ]] || die "build finished without $out/build/$exe"
  touch "$out/complete"
fi
echo "$out/build/$exe"
