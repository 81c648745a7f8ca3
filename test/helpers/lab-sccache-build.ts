import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInLabAsync } from './lab.js';
import { freePort } from './ports.js';
import { built } from './tools.js';

// One build of a writeParallelProject tree in the sid lab through the built
// launcher and sccache 0.17: one lab call that starts sccache's server
// (private port and cache directory), runs make -j<units>, reads the stats,
// runs `afterMake` (a shell line, while the server still runs) and stops
// the server. `startServer: false` leaves the start to the launcher's call.
export interface LabSccacheBuild {
  out: string;
  run: ReturnType<typeof runInLabAsync>;
  stats(): { cache_hits?: { counts?: Record<string, number> }; cache_misses?: { counts?: Record<string, number> } } & Record<string, unknown>;
}

export async function labSccacheBuild(dir: string, name: string, env: Record<string, string>, options: { units: number; startServer?: boolean; afterMake?: string }): Promise<LabSccacheBuild> {
  const out = join(dir, name);
  const port = String(await freePort());
  const script = [
    options.startServer === false ? 'true' : 'sccache --start-server >/dev/null 2>&1 || true',
    `make -s -j${options.units} LAUNCHER=${built.linux} OUT=${out}; s=$?`,
    `sccache --show-stats --stats-format json > ${out}.stats 2>/dev/null`,
    options.afterMake ?? 'true',
    'sccache --stop-server >/dev/null 2>&1; exit $s',
  ].join('\n');
  const run = runInLabAsync(['sh', '-c', script], {
    binds: [{ host: join(built.linux, '..'), readOnly: true }, dir],
    cwd: dir,
    env: { HIP_CLANG_LAUNCHER_CACHE: 'sccache', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), SCCACHE_SERVER_PORT: port, SCCACHE_DIR: join(dir, `${name}-cache`), ...env },
    timeout: 900_000,
  });
  return { out, run, stats: () => JSON.parse(readFileSync(`${out}.stats`, 'utf8')).stats };
}

export const sccacheHitsOf = (stats: { cache_hits?: { counts?: Record<string, number> } }) => Object.values(stats.cache_hits?.counts ?? {}).reduce((a, b) => a + b, 0);
