#!/usr/bin/env bash
# The modern-toolchain lab: a Debian sid root (hipcc 7.0.2, clang-21, ccache
# 4.14, sccache 0.17) built with mmdebstrap at $HCL_LAB_ROOT, next to the other
# provisioned tools. Debian 12 stays the host; the lab is a second toolchain.
#   cached      rebuilt only when the recipe (package list, suites) changes: its
#               hash is the root's stamp
#   atomic      built in a temporary directory and renamed into place when
#               complete, so a half-built root is never used
#   .debs kept  the downloaded packages are synced out to $HCL_LAB_DEBS and
#               back in, so a rebuild downloads only what changed
#   versions    the toolchain's own --version answers go to /etc/hcl-lab/versions
#   sources     rocPRIM's and rocThrust's Debian sources, for real-code builds in the lab ($HCL_LAB_SRC)
# Run by scripts/provision.sh; scripts/lab-run.sh runs commands inside it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tools-env.sh"

say() { printf 'provision-lab: %s\n' "$*" >&2; }

# What the lab holds: the toolchain, both caches, the build tools CMake projects
# need, and what `apt-get source` and the HIP libraries' own builds need
# (dpkg-dev, rocm-cmake, comgr/hsa headers, gtest).
LAB_PACKAGES=(hipcc libamdhip64-dev rocm-device-libs-21 clang-21 lld-21 ccache sccache
  cmake ninja-build make binutils file git dpkg-dev xz-utils rocm-cmake libamd-comgr-dev
  libhsa-runtime-dev libgtest-dev)
LAB_SUITE=sid
# Bump when the way the root is built changes in a way the package list does not show.
LAB_RECIPE_REVISION=2

recipe="$(printf '%s\n' "suite=$LAB_SUITE" "revision=$LAB_RECIPE_REVISION" "${LAB_PACKAGES[@]}")"
recipe_hash="$(printf '%s' "$recipe" | sha256sum | cut -d' ' -f1)"
stamp_path=etc/hcl-lab/recipe

# Real HIP code nobody here wrote, for the lab's tests: rocPRIM's and
# rocThrust's sources as Debian sid ships them (`apt-get source` inside the
# lab), each pinned by sha256.
#   fetch_source PACKAGE=VERSION TARBALL SHA256 DIR MARKER
fetch_source() {
  local pkg="$1" tarball="$2" sha="$3" dir="$4" marker="$5"
  [ -f "$HCL_LAB_SRC/$dir/$marker" ] && return 0
  say "fetching $tarball (apt-get source in the lab)"
  mkdir -p "$HCL_LAB_SRC"
  if [ ! -f "$HCL_LAB_SRC/$tarball" ]; then
    bash "$here/lab-run.sh" --bind "$HCL_LAB_SRC" --cwd "$HCL_LAB_SRC" -- \
      apt-get source --download-only --tar-only -qq "$pkg" >/dev/null 2>&1 || true
  fi
  if [ ! -f "$HCL_LAB_SRC/$tarball" ]; then
    say "error: Debian's sid no longer carries $tarball; update the pin in scripts/tools-env.sh"
    exit 1
  fi
  local got
  got="$(sha256sum "$HCL_LAB_SRC/$tarball" | cut -d' ' -f1)"
  if [ "$got" != "$sha" ]; then
    say "error: $HCL_LAB_SRC/$tarball has sha256 $got, expected $sha; delete it and run again"
    exit 1
  fi
  # Unpacked aside and renamed into place: a half-unpacked tree is never used.
  local unpack
  unpack="$(mktemp -d "$HCL_LAB_SRC/.unpack.XXXXXX")"
  tar -C "$unpack" -xzf "$HCL_LAB_SRC/$tarball"
  rm -rf "${HCL_LAB_SRC:?}/$dir"
  mv "$unpack/$dir" "$HCL_LAB_SRC/$dir"
  rm -rf "$unpack"
}

fetch_sources() {
  fetch_source "rocprim=$HCL_ROCPRIM_VERSION" "$HCL_ROCPRIM_TARBALL" "$HCL_ROCPRIM_SHA256" "$HCL_ROCPRIM_DIR" CMakeLists.txt
  # Its examples/ are the Makefile build's programs (test/fixtures/rocthrust-examples).
  fetch_source "rocthrust=$HCL_ROCTHRUST_VERSION" "$HCL_ROCTHRUST_TARBALL" "$HCL_ROCTHRUST_SHA256" "$HCL_ROCTHRUST_DIR" examples/saxpy.cu
}

if [ -f "$HCL_LAB_ROOT/$stamp_path" ] && [ "$(cat "$HCL_LAB_ROOT/$stamp_path")" = "$recipe_hash" ]; then
  fetch_sources
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  say "error: building the sid lab needs root (mmdebstrap, chroot); run scripts/provision.sh as root"
  exit 1
fi
if ! command -v mmdebstrap >/dev/null; then
  say "error: mmdebstrap is missing; run scripts/provision.sh (it installs it) or apt-get install mmdebstrap"
  exit 1
fi

# The machine's own Debian mirror, from its deb822 or one-line sources.
mirror="$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v -- '-security' | head -n1 || true)"
if [ -z "$mirror" ]; then
  mirror="$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v -- '-security' | head -n1 || true)"
fi
if [ -z "$mirror" ]; then
  say "error: no Debian mirror found in /etc/apt/sources.list{,.d}; add one (a 'deb <uri> <suite> main' line) and run again"
  exit 1
fi

mkdir -p "$HCL_TOOLS"
# Several clones provision at once on a shared machine: one builds, the others
# wait and then find the stamp.
exec 9>"$HCL_TOOLS/sid-root.lock"
flock 9
if [ -f "$HCL_LAB_ROOT/$stamp_path" ] && [ "$(cat "$HCL_LAB_ROOT/$stamp_path")" = "$recipe_hash" ]; then
  fetch_sources
  exit 0
fi

tmp="$HCL_LAB_ROOT.tmp"
old="$HCL_LAB_ROOT.old"
rm -rf "$tmp" "$old"
mkdir -p "$HCL_LAB_DEBS"
say "building the Debian $LAB_SUITE lab at $HCL_LAB_ROOT (${#LAB_PACKAGES[@]} packages)"
start=$(date +%s)

include="$(IFS=,; echo "${LAB_PACKAGES[*]}")"
# The hook writes what the toolchain itself reports, for tests to check the lab
# is the toolchain they expect.
versions_hook='set -e
v() { chroot "$1" sh -c "$2" 2>/dev/null | head -n1 | tr -d "\r"; }
mkdir -p "$1/etc/hcl-lab"
{
  printf "hipcc\t%s\n" "$(chroot "$1" dpkg-query -W -f="\${Version}" hipcc)"
  printf "hip\t%s\n" "$(v "$1" "hipcc --version" | sed -n "s/.*HIP version: *//p")"
  printf "clang\t%s\n" "$(v "$1" "clang++-21 --version" | sed -n "s/.*clang version \([^ ]*\).*/\1/p")"
  printf "ccache\t%s\n" "$(v "$1" "ccache --version" | sed -n "s/^ccache version //p")"
  printf "sccache\t%s\n" "$(v "$1" "sccache --version" | sed -n "s/^sccache //p")"
  printf "cmake\t%s\n" "$(v "$1" "cmake --version" | sed -n "s/^cmake version //p")"
} >"$1/etc/hcl-lab/versions"'

# essential/unlink keeps the essential .debs in the archive cache, so the
# sync-out below sees every package; the cache dir is emptied first so it holds
# exactly this recipe's set. apt's lists stay, for `apt-get source` inside.
mmdebstrap --mode=root --variant=apt --quiet \
  --aptopt='Acquire::Check-Valid-Until "false"' \
  --skip=essential/unlink --skip=cleanup/apt/lists \
  --include="$include" \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
  --setup-hook="sync-in '$HCL_LAB_DEBS' /var/cache/apt/archives/" \
  --customize-hook="find '$HCL_LAB_DEBS' -maxdepth 1 -name '*.deb' -delete" \
  --customize-hook="sync-out /var/cache/apt/archives '$HCL_LAB_DEBS'" \
  --customize-hook="$versions_hook" \
  "$LAB_SUITE" "$tmp" "deb $mirror $LAB_SUITE main" "deb-src $mirror $LAB_SUITE main" >&2

for tool in hipcc clang ccache sccache; do
  if ! grep -q "^$tool	[0-9]" "$tmp/etc/hcl-lab/versions"; then
    say "error: the new lab has no working $tool (see $tmp/etc/hcl-lab/versions); fix the package list in scripts/provision-lab.sh"
    exit 1
  fi
done
# The stamp is written last: only a complete root carries it.
printf '%s\n' "$recipe_hash" >"$tmp/$stamp_path"
if [ -e "$HCL_LAB_ROOT" ]; then mv "$HCL_LAB_ROOT" "$old"; fi
mv "$tmp" "$HCL_LAB_ROOT"
rm -rf "$old"
say "built the lab in $(( $(date +%s) - start )) s: $(tr '\t\n' '= ' <"$HCL_LAB_ROOT/etc/hcl-lab/versions")"
fetch_sources
