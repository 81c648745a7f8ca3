import { CCACHE_COMPILERCHECK, SCCACHE_CACHE_BUSTER } from '../env-vars.js';
import { userChoice, type Rule } from './rule.js';

// The cache key names the toolchain by the digest of its bytes (compiler,
// its libraries, and for HIP the device libraries; see toolchain-digest.ts),
// not by mtimes: ccache's default compiler_check=mtime misses on every
// re-extracted ROCm, and no cache sees a device-library upgrade on its own
// (sccache hashes bitcode only where it guesses the directory). A value the
// user set on the cache (environment or config file) wins. A digest that
// could not be taken (a file that cannot be read) sends the call direct: any
// fixed key would hide a later change of the files it could not see.
export const toolchainIdentity: Rule = {
  name: 'toolchain-identity',
  summary: 'the key holds a digest of the compiler and device libraries: a re-extracted ROCm hits, a changed one misses',
  decide(_call, world) {
    const cache = world.cache;
    if (!cache) return undefined;
    const variable = cache.facts.kind === 'ccache' ? CCACHE_COMPILERCHECK : cache.facts.kind === 'sccache' ? SCCACHE_CACHE_BUSTER : undefined;
    if (!variable) return undefined;
    // The user's own compiler check owns the key: the digest is not used, so it cannot hide a change.
    const chosen = userChoice(world, variable);
    if (chosen) return { rule: this.name, reason: chosen };
    if (world.toolchain?.unreadable) {
      return { rule: this.name, route: 'direct', reason: `the toolchain digest is unknown: ${world.toolchain.unreadable} cannot be read, and a cache key without it could hide a change` };
    }
    const digest = world.toolchain?.digest;
    if (!digest) return undefined;
    const value = cache.facts.kind === 'ccache' ? `string:${digest}` : digest;
    return { rule: this.name, env: { [variable]: value }, reason: `${variable}=${value} (toolchain digest)` };
  },
};
