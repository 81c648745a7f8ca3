import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { MissingPrerequisite, requireFile } from './prerequisites.mjs';

// Private caches for the bench: their own directories (and, for sccache, its
// own server on its own port), read back through the caches' own statistics.

export const CCACHE = '/usr/bin/ccache';

export function sccacheHipPath() {
  const file = process.env.HCL_SCCACHE_HIP;
  if (!file) throw new MissingPrerequisite('HCL_SCCACHE_HIP is unset: run the bench through `npm run bench`');
  return requireFile(file, 'run `npm run provision` (the HIP-capable sccache)');
}

// Set only for the call that fills a warm cache. ccache stores no direct-mode
// manifest for a compile during which a header's ctime or mtime changed
// ("Include file ... ctime too new"), and a warm build then misses that unit
// (in depend mode there is no preprocessed lookup to fall back on; otherwise
// it is a slower preprocessed hit). A hard-linked copy of /usr/lib/llvm-15
// (`cp -al`, as the shim tests and the hip-hit group make) or its removal
// changes the ctime of the clang headers every HIP compile includes: under a
// loaded test run that happened during a fill. The timed calls run with
// ccache's defaults; the key is the same either way.
export const FILL_ENV = { CCACHE_SLOPPINESS: 'include_file_ctime,include_file_mtime' };

export function ccacheEnv(dir) {
  return { CCACHE_DIR: join(dir, 'ccache') };
}

export function ccacheStats(env) {
  const out = execFileSync(CCACHE, ['--print-stats'], { env, encoding: 'utf8' });
  const get = (key) => Number(new RegExp(`^${key}\\t(\\d+)$`, 'm').exec(out)?.[1] ?? 0);
  return { hits: get('direct_cache_hit') + get('preprocessed_cache_hit'), misses: get('cache_miss') };
}

// A started server, so the measured calls never pay for (or race on) its start.
// The idle timeout outlives any pause in a run, yet ends a server an interrupted run left behind.
export async function startSccache(dir, baseEnv) {
  const sccache = sccacheHipPath();
  const env = { ...baseEnv, SCCACHE_DIR: join(dir, 'sccache'), SCCACHE_SERVER_PORT: String(await freePort()), SCCACHE_IDLE_TIMEOUT: '300' };
  execFileSync(sccache, ['--start-server'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    sccache,
    env,
    stats() {
      const stats = JSON.parse(execFileSync(sccache, ['--show-stats', '--stats-format', 'json'], { env, encoding: 'utf8' })).stats;
      const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
      return { hits: sum(stats.cache_hits?.counts), misses: sum(stats.cache_misses?.counts) };
    },
    stop() {
      try {
        execFileSync(sccache, ['--stop-server'], { env, stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    },
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
