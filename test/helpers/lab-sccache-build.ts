import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { writeParallelProject } from './hip-projects.js';
import { runInLabAsync } from './lab.js';
import { freePort } from './ports.js';
import { runOnce } from './run-once.js';
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

// The project (writeParallelProject with clang++-21) built uncached in the lab: what every cached
// build must equal, byte for byte. Built once per run, in a directory of its own, for the most
// units any file uses (each unit's source and command line depend on its number only, and the
// objects on no directory), so the Redis and WebDAV files share it.
const REFERENCE_UNITS = 8;

export async function labReference(units: number): Promise<{ expectSame(out: string): void }> {
  expect(units).toBeLessThanOrEqual(REFERENCE_UNITS);
  const dir = await runOnce(`lab-parallel-reference-${REFERENCE_UNITS}`, async (d) => {
    writeParallelProject(d, REFERENCE_UNITS, 'clang++-21', []);
    const ref = await labSccacheBuild(d, 'ref', { HIP_CLANG_LAUNCHER_CACHE: 'none' }, { units: REFERENCE_UNITS });
    expect((await ref.run).status).toBe(0);
  });
  const all = objectsIn(join(dir, 'ref'));
  expect(all.size).toBe(REFERENCE_UNITS);
  const reference = new Map([...all].filter(([name]) => Number(/^unit(\d+)\.o$/.exec(name)?.[1]) < units));
  expect(reference.size).toBe(units);
  return {
    expectSame(out) {
      const got = objectsIn(out);
      expect([...got.keys()].sort()).toEqual([...reference.keys()].sort());
      for (const [name, bytes] of reference) expect(got.get(name)!.equals(bytes), name).toBe(true);
    },
  };
}
