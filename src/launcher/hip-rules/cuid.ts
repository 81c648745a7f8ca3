import { pathModuleFor } from '../../host.js';
import { isUnderAnyBase, relativiseArg } from '../base-dir.js';
import { PREFIX_MAP_JOINED } from '../clang-options.js';
import { md5Hex } from '../md5.js';
import { isOffloadArchArg, type ParsedCall } from '../parse-call.js';
import type { Rule, World } from './rule.js';

// Every HIP object carries a `__hip_cuid_<id>` symbol (and `static __device__`
// variables are named after the id under -fgpu-rdc). Without `-cuid=`, clang
// derives the id from the input's real path and the command line including
// `-o`, which caches leave out of their key: the same source compiled to a.o
// and b.o is one cache entry, and the hit for b.o carries a.o's id, so an
// -fgpu-rdc link fails with a duplicate symbol (TheRock #748). An explicit id
// taken from the input and the command line the cache sees (output included)
// makes every object's id its own and part of the key: rebuilds hit, two
// objects never share an id, and a cached object is byte-identical to an
// uncached compile with that id.
//
// The input, as clang does, by its real path; two sources compiled from their
// own directories with the same relative command line (`-c k.hip -o k.o`)
// still get two ids. Under a base dir the input counts by its path relative to
// the working directory (as every other path there) and by its bytes, so
// another checkout gets the same ids and the same cache entries while two
// different files at the same relative place do not share one.
//
// The arch list is left out: a one-arch build shares the device entries of a
// many-arch build only if both carry the same -cuid. A prefix map's value is
// two paths, `old=new` split at the first `=` as clang splits it, each made
// relative on its own, so `-fdebug-prefix-map=<checkout>=.` reads the same
// from every checkout.

// What the rule needs of the call's single input (plan-launch.ts learns it).
export interface CuidInput {
  // The input's real path, absolute; undefined when it cannot be resolved (stdin, gone).
  realPath: string | undefined;
  // md5 of its bytes, learned only for an input under a base dir; undefined when unreadable.
  digest: string | undefined;
}

function portable(arg: string, world: Pick<World, 'platform' | 'cwd' | 'settings'>): string {
  const map = PREFIX_MAP_JOINED.find((flag) => arg.startsWith(flag));
  let out: string;
  if (map !== undefined && arg.includes('=', map.length)) {
    const eq = arg.indexOf('=', map.length);
    const rel = (path: string) => relativiseArg(path, world.settings.baseDirs, world.cwd, world.platform);
    out = `${map}${rel(arg.slice(map.length, eq))}=${rel(arg.slice(eq + 1))}`;
  } else {
    out = relativiseArg(arg, world.settings.baseDirs, world.cwd, world.platform);
  }
  return world.platform === 'win32' ? out.replace(/\\/g, '/') : out;
}

// The input's identity: see above. Without a known real path, its spelling in the command line stands alone.
function inputIdentity(input: CuidInput | undefined, world: Pick<World, 'platform' | 'cwd' | 'settings'>): string {
  if (input?.realPath === undefined) return '';
  if (isUnderAnyBase(input.realPath, world.settings.baseDirs, world.platform)) return `base:${portable(input.realPath, world)}:${input.digest ?? ''}`;
  return `real:${world.platform === 'win32' ? input.realPath.replace(/\\/g, '/') : input.realPath}`;
}

export function cuidFor(args: readonly string[], world: Pick<World, 'platform' | 'cwd' | 'settings'>, input?: CuidInput): string {
  // The MD5 of each part's UTF-8 followed by a NUL (md5.ts: node:crypto costs 3 ms to load).
  let text = `hip-clang-launcher cuid 2\0${inputIdentity(input, world)}\0`;
  for (let i = 0; i < args.length; i++) {
    const arch = isOffloadArchArg(args, i);
    if (arch) {
      i += arch - 1;
      continue;
    }
    text += `${portable(args[i]!, world)}\0`;
  }
  return md5Hex(Buffer.from(text, 'utf8')).slice(0, 16);
}

// One offloading input compiled to one object (or assembly): several inputs
// under one -cuid would share it, and other modes produce no object.
export function wantsCuid(call: ParsedCall, settings: World['settings']): boolean {
  return settings.cuid && call.offload && call.explicitCuid === undefined && call.inputs.length === 1 && (call.mode === 'compile' || call.mode === 'assemble');
}

// The absolute path of the call's input as written (before links are resolved).
export function inputPathOf(call: ParsedCall, cwd: string, platform: NodeJS.Platform): string | undefined {
  const file = call.inputs[0]?.file;
  return file === undefined || file === '-' ? undefined : pathModuleFor(platform).resolve(cwd, file);
}

export const cuid: Rule = {
  name: 'cuid',
  summary: 'a deterministic per-object -cuid for HIP compiles that have none (from the input and the command line, archs left out), so a hit never carries another object\'s __hip_cuid_',
  decide(call, world) {
    if (!world.idAdded) return undefined;
    const id = cuidFor(call.args, world, world.cuidInput);
    return { rule: this.name, addArgs: [`-cuid=${id}`], cuid: id, reason: `added -cuid=${id} (from the input and the command line, output included)` };
  },
};
