import { CCACHE_COMPILERCHECK, SCCACHE_CACHE_BUSTER } from '../env-vars.js';
import type { Rule } from './rule.js';

// The cache key names the toolchain by the digest of its bytes (compiler,
// its libraries, and for HIP the device libraries; see toolchain-digest.ts),
// not by mtimes: ccache's default compiler_check=mtime misses on every
// re-extracted ROCm, and no cache sees a device-library upgrade on its own
// (sccache hashes bitcode only where it guesses the directory). A value the
// user set on the cache wins. A digest that could not be taken (a file that
// cannot be read) sends the call direct: any fixed key would hide a later
// change of the files it could not see.
export const toolchainIdentity: Rule = {
  name: 'toolchain-identity',
  summary: 'the key holds a digest of the compiler and device libraries: a re-extracted ROCm hits, a changed one misses',
  decide(_call, world) {
    const cache = world.cache;
    if (world.toolchain?.unreadable) {
      return { rule: this.name, route: 'direct', reason: `the toolchain digest is unknown: ${world.toolchain.unreadable} cannot be read, and a cache key without it could hide a change` };
    }
    const digest = world.toolchain?.digest;
    if (!cache || !digest) return undefined;
    const variable = cache.facts.kind === 'ccache' ? CCACHE_COMPILERCHECK : cache.facts.kind === 'sccache' ? SCCACHE_CACHE_BUSTER : undefined;
    if (!variable) return undefined;
    if (world.userCacheVars.has(variable)) return { rule: this.name, reason: `${variable} is set: the user's value wins` };
    const value = cache.facts.kind === 'ccache' ? `string:${digest}` : digest;
    return { rule: this.name, env: { [variable]: value }, reason: `${variable}=${value} (toolchain digest)` };
  },
};
