import { relativiseArg } from '../base-dir.js';
import { md5Hex } from '../md5.js';
import { isOffloadArchArg } from '../parse-call.js';
import type { ParsedCall } from '../parse-call.js';
import type { Rule, World } from './rule.js';

// Every HIP object carries a `__hip_cuid_<id>` symbol. Without `-cuid=`,
// clang derives the id from the command line including `-o`, which caches
// leave out of their key: the same source compiled to a.o and b.o is one
// cache entry, and the hit for b.o carries a.o's id, so an -fgpu-rdc link
// fails with a duplicate symbol (TheRock #748). An explicit id taken from the
// same command line the cache sees (output included) makes every object's id
// its own and part of the key: rebuilds hit, two objects never share an id,
// and a cached object is byte-identical to an uncached compile with that id.
//
// Paths under a base directory are hashed relative to the working directory,
// and backslashes as slashes, so another checkout (or Windows) gets the same
// ids and the same cache entries. clang hashes the same command line, so two
// calls that would get one id from us would get one id from clang too.
//
// The --offload-arch list is left out: a split call (split.ts) gives every
// per-arch device part the whole call's id, so the gfx90a entry a build for
// gfx90a+gfx942 stores is the one a build for gfx90a alone looks up.

export function cuidFor(args: readonly string[], world: Pick<World, 'platform' | 'cwd' | 'settings'>): string {
  // The MD5 of each argument's UTF-8 followed by a NUL (md5.ts: node:crypto costs 3 ms to load).
  let text = 'hip-clang-launcher cuid 1\0';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const arch = isOffloadArchArg(args, i);
    if (arch) {
      i += arch - 1;
      continue;
    }
    const portable = relativiseArg(arg, world.settings.baseDirs, world.cwd, world.platform);
    text += `${world.platform === 'win32' ? portable.replace(/\\/g, '/') : portable}\0`;
  }
  return md5Hex(Buffer.from(text, 'utf8')).slice(0, 16);
}

function wantsCuid(call: ParsedCall): boolean {
  // One offloading input compiled to one object (or assembly): several inputs
  // under one -cuid would share it, and other modes produce no object.
  return call.offload && call.explicitCuid === undefined && call.inputs.length === 1 && (call.mode === 'compile' || call.mode === 'assemble');
}

export const cuid: Rule = {
  name: 'cuid',
  summary: 'a deterministic per-object -cuid for HIP compiles that have none, so a hit never carries another object\'s __hip_cuid_',
  decide(call, world) {
    if (!world.settings.cuid || !wantsCuid(call)) return undefined;
    // Only for the cache: a direct compile keeps clang's own id.
    if (!world.cache) return undefined;
    const id = cuidFor(call.args, world);
    return { rule: this.name, addArgs: [`-cuid=${id}`], cuid: id, reason: `added -cuid=${id} (from the command line, output included)` };
  },
};

