import { compareVersions, type Version } from '../cache-facts.js';
import { CCACHE_BASEDIR, SCCACHE_BASEDIRS } from '../env-vars.js';
import { userChoice, type Decision, type Rule } from './rule.js';

// The first sccache with SCCACHE_BASEDIRS (0.14.0). Older ones keep absolute
// paths where they reach the key; without its direct mode sccache hashes the
// preprocessed source without line markers (-P), so plain builds of another
// checkout hit anyway, and -g, __FILE__ and direct mode miss.
export const SCCACHE_BASEDIRS_SINCE: Version = [0, 14, 0];

// HIP_CLANG_LAUNCHER_BASEDIR, given to each cache in its own terms, so two
// checkouts at different absolute paths share cache entries. It applies to
// every compile the cache sees, C and C++ included (the paths are the same
// problem). A value set on the cache itself (environment or config file) wins.
export const baseDir: Rule = {
  name: 'base-dir',
  summary: 'HIP_CLANG_LAUNCHER_BASEDIR becomes ccache\'s base_dir or sccache\'s SCCACHE_BASEDIRS (0.14+)',
  decide(_call, world): Decision | undefined {
    const dirs = world.settings.baseDirs;
    const cache = world.cache;
    if (dirs.length === 0 || !cache) return undefined;
    const { kind, version } = cache.facts;
    if (kind === 'ccache') {
      const chosen = userChoice(world, CCACHE_BASEDIR);
      if (chosen) return { rule: this.name, reason: chosen };
      const ignored = dirs.length > 1 ? ` (ccache takes one base dir: ${dirs.slice(1).join(', ')} not mapped)` : '';
      return { rule: this.name, env: { [CCACHE_BASEDIR]: dirs[0]! }, reason: `${CCACHE_BASEDIR}=${dirs[0]}${ignored}` };
    }
    if (kind === 'sccache') {
      const chosen = userChoice(world, SCCACHE_BASEDIRS);
      if (chosen) return { rule: this.name, reason: chosen };
      if (version && compareVersions(version, SCCACHE_BASEDIRS_SINCE) < 0) {
        return { rule: this.name, reason: `sccache ${version.join('.')} has no ${SCCACHE_BASEDIRS} (0.14+): absolute paths in its key (-g, __FILE__, direct mode) miss in another checkout` };
      }
      const value = dirs.join(world.platform === 'win32' ? ';' : ':');
      // sccache reads it when its server starts: a server already running keeps what it had.
      return { rule: this.name, env: { [SCCACHE_BASEDIRS]: value }, reason: `${SCCACHE_BASEDIRS}=${value} (read when the sccache server starts)` };
    }
    return undefined;
  },
};
