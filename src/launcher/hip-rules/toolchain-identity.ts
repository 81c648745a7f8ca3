import { CCACHE_COMPILERCHECK, SCCACHE_CACHE_BUSTER } from '../env-vars.js';
import { userChoice, type Rule } from './rule.js';

// The cache key names the toolchain by the digest of its bytes (compiler,
// its libraries, and for HIP the device libraries; see toolchain-digest.ts),
// not by mtimes: ccache's default compiler_check=mtime misses on every
// re-extracted ROCm, and no cache sees a device-library upgrade on its own
// (sccache hashes bitcode only where it guesses the directory). A value the
// user set on the cache (environment or config file) wins.
export const toolchainIdentity: Rule = {
  name: 'toolchain-identity',
  summary: 'the key holds a digest of the compiler and device libraries: a re-extracted ROCm hits, a changed one misses',
  decide(_call, world) {
    const cache = world.cache;
    const digest = world.toolchain?.digest;
    if (!cache || !digest) return undefined;
    const variable = cache.facts.kind === 'ccache' ? CCACHE_COMPILERCHECK : cache.facts.kind === 'sccache' ? SCCACHE_CACHE_BUSTER : undefined;
    if (!variable) return undefined;
    const chosen = userChoice(world, variable);
    if (chosen) return { rule: this.name, reason: chosen };
    const value = cache.facts.kind === 'ccache' ? `string:${digest}` : digest;
    return { rule: this.name, env: { [variable]: value }, reason: `${variable}=${value} (toolchain digest)` };
  },
};
