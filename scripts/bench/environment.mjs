// The machine's environment less anything that would steer a launcher or a
// cache, so each case states exactly what it sets.
const OURS = /^(HIP_CLANG_LAUNCHER|CCACHE_|SCCACHE_|HIPCC_|HIP_)/;

export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!OURS.test(k)) env[k] = v;
  return { ...env, ...extra };
}

// What hipcc needs to compile real HIP on these CPU-only machines (nvcc on
// PATH would otherwise make it pick NVIDIA).
export function hipEnv(clangDir = '/usr/lib/llvm-15/bin') {
  return {
    HIP_PLATFORM: 'amd',
    HIP_CLANG_PATH: clangDir,
    DEVICE_LIB_PATH: '/usr/lib/x86_64-linux-gnu/amdgcn/bitcode',
    ROCM_PATH: '/usr',
    HIP_PATH: '/usr',
  };
}
