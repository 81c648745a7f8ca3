import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Where the built executables and the provisioned tools are. A missing one is
// a failure with the command that fixes it: tests never skip for want of a tool.

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const toolsDir = process.env.HCL_TOOLS ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hip-clang-launcher-tools');
export const NODE_VERSION = '24.21.0';

export function requirePath(file: string, fix: string): string {
  if (!existsSync(file)) throw new Error(`missing ${file}: ${fix}`);
  return file;
}

export const built = {
  get linux(): string {
    return requirePath(join(repoRoot, 'dist/linux-x64/hip-clang-launcher'), 'run `npm run build`');
  },
  get windows(): string {
    return requirePath(join(repoRoot, 'dist/win-x64/hip-clang-launcher.exe'), 'run `npm run build`');
  },
};

const provision = 'run `npm run provision`';
export const tools = {
  get node24(): string {
    return requirePath(join(toolsDir, `node-v${NODE_VERSION}/linux-x64/node`), provision);
  },
  get sccacheHip(): string {
    return requirePath(join(toolsDir, 'sccache-hip/bin/sccache'), provision);
  },
  get hipccSrc(): string {
    return requirePath(join(toolsDir, 'hipcc-src/llvm-project-rocm-7.0.2'), provision);
  },
  // rocPRIM's Debian sid source (scripts/provision-lab.sh), for real-code builds in the lab.
  get rocprimSrc(): string {
    return requirePath(join(toolsDir, 'lab-src/rocPRIM-rocm-6.4.3/CMakeLists.txt'), provision).replace(/\/CMakeLists\.txt$/, '');
  },
  get wine(): string {
    return requirePath('/usr/lib/wine/wine64', provision);
  },
  wineEnv(): Record<string, string> {
    return { WINEPREFIX: requirePath(join(toolsDir, 'wine'), provision), WINEDEBUG: '-all' };
  },
  clangxx: '/usr/bin/clang++-15',
  clang: '/usr/bin/clang-15',
  ccache: '/usr/bin/ccache',
  sccacheDebian: '/usr/bin/sccache',
  hipccPerl: '/usr/bin/hipcc',
  deviceLibPath: '/usr/lib/x86_64-linux-gnu/amdgcn/bitcode',
};

// The environment hipcc needs for a real HIP compile on these CPU-only machines
// (see shared notes: nvcc on PATH makes hipcc pick NVIDIA unless told).
export function hipEnv(clangDir = '/usr/lib/llvm-15/bin'): Record<string, string> {
  return {
    HIP_PLATFORM: 'amd',
    HIP_CLANG_PATH: clangDir,
    DEVICE_LIB_PATH: tools.deviceLibPath,
    ROCM_PATH: '/usr',
    HIP_PATH: '/usr',
  };
}
