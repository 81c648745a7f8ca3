import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
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

export async function labSccacheBuild(dir: string, name: string, env: Record<string, string>, options: { units: number; startServer?: boolean; afterMake?: string; beforeRun?: (port: string) => Promise<void> }): Promise<LabSccacheBuild> {
  const out = join(dir, name);
  const port = String(await freePort());
  // Told the server's port before anything starts (to pause Redis until an event there).
  void options.beforeRun?.(port);
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

// The objects a build wrote, by file name.
export const objectsIn = (out: string) => new Map(readdirSync(out).filter((f) => f.endsWith('.o')).map((f) => [f, readFileSync(join(out, f))]));

// The project built uncached in the lab: what every cached build must equal, byte for byte.
export async function labReference(dir: string, units: number): Promise<{ expectSame(out: string): void }> {
  const ref = await labSccacheBuild(dir, 'ref', { HIP_CLANG_LAUNCHER_CACHE: 'none' }, { units });
  expect((await ref.run).status).toBe(0);
  const reference = objectsIn(ref.out);
  expect(reference.size).toBe(units);
  return {
    expectSame(out) {
      const got = objectsIn(out);
      expect([...got.keys()].sort()).toEqual([...reference.keys()].sort());
      for (const [name, bytes] of reference) expect(got.get(name)!.equals(bytes), name).toBe(true);
    },
  };
}
