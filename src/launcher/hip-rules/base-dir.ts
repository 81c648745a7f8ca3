import { pathsMustStay, relativiseForCache } from '../base-dir.js';
import { CCACHE_BASEDIR, SCCACHE_BASEDIRS } from '../env-vars.js';
import { userChoice, type Decision, type Rule } from './rule.js';

// HIP_CLANG_LAUNCHER_BASEDIR, so two checkouts at different absolute paths
// share cache entries. It applies to every compile the cache sees, C and C++
// included (the paths are the same problem). A value set on the cache itself
// (environment or config file) wins.
//
// ccache gets it as its base_dir and makes the paths relative itself. sccache
// is handed the paths already relative, the way ccache rewrites them, rather
// than its SCCACHE_BASEDIRS (0.14+), which only strips the prefix inside the
// key: with a base dir above the checkouts `a/src/k.hip` and `b/src/k.hip`
// still differ, its server reads the setting once, at start, for every
// checkout it serves, and a hit it makes hands back the other checkout's
// depfile and __FILE__ with that checkout's absolute paths in them. A call
// whose paths reach the object in other ways keeps them as written, and
// another checkout misses it.
export const baseDir: Rule = {
  name: 'base-dir',
  summary: 'HIP_CLANG_LAUNCHER_BASEDIR becomes ccache\'s base_dir; for sccache, paths under it are handed over relative to the working directory, as ccache does',
  decide(call, world): Decision | undefined {
    const dirs = world.settings.baseDirs;
    const cache = world.cache;
    if (dirs.length === 0 || !cache) return undefined;
    const { kind } = cache.facts;
    if (kind === 'ccache') {
      const chosen = userChoice(world, CCACHE_BASEDIR);
      if (chosen) return { rule: this.name, reason: chosen };
      const ignored = dirs.length > 1 ? ` (ccache takes one base dir: ${dirs.slice(1).join(', ')} not mapped)` : '';
      return { rule: this.name, env: { [CCACHE_BASEDIR]: dirs[0]! }, reason: `${CCACHE_BASEDIR}=${dirs[0]}${ignored}` };
    }
    if (kind === 'sccache') {
      const idGiven = call.explicitCuid !== undefined ? !call.explicitCuid.startsWith('-fuse-cuid=') || call.explicitCuid === '-fuse-cuid=none' : world.idAdded;
      const stay = pathsMustStay(call, dirs, world.platform, idGiven);
      if (stay) return { rule: this.name, reason: `paths kept as written, so another checkout misses this call: ${stay}` };
      const { args, changed } = relativiseForCache(call, dirs, world.cwd, world.platform);
      const theirs = userChoice(world, SCCACHE_BASEDIRS) ? ` (sccache's own basedirs, which you set, apply too)` : '';
      if (changed === 0) return { rule: this.name, reason: `no path under the base dir to make relative${theirs}` };
      return { rule: this.name, args, reason: `${changed} path${changed === 1 ? '' : 's'} under ${dirs.join(', ')} handed to sccache relative to the working directory, as ccache's base_dir does${theirs}` };
    }
    return undefined;
  },
};
