import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { objectsUnder } from '../helpers/hip-objects.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { CACHED, CMAKE_SEED, cleanRebuildStats, cleanRebuildSteps, cuidsOf, DIRECT, LAB_BUILD_TIMEOUT, type LabCache, runLabBuild, symbolsOf, takeCallLog, WHOLE_CALLS, writeCmakeHipProject } from './lab-builds.js';


// One directory for the file, removed when it ends (its hook registered here, at the top level).
const root = makeTempDir('hcl-lab-cmake-hip-');

// CMake's HIP language on clang-21 (lab-builds.ts CMAKE_HIP_PROJECT), with
// CMAKE_HIP_COMPILER_LAUNCHER=<launcher>: built uncached (the reference), then
// cached, then from a clean tree.
const CONFIGURE = 'cmake -G Ninja -DCMAKE_HIP_COMPILER=clang++-21 -DCMAKE_CXX_COMPILER=clang++-21';
const src = join(root, 'src');
const seed = join(root, 'seed');

// The uncached reference, the same for both caches: built once, by the first test that
// asks, from the one source tree both caches build (the device-only objects, compiled
// straight by clang, depend on the source's path). Its configure runs CMake's compiler
// checks; the cached builds' configures reuse them (lab-builds.ts CMAKE_SEED).
let plain: string | undefined;
function plainBuild(): string {
  if (plain) return plain;
  writeCmakeHipProject(src);
  runLabBuild(root, 'ccache', [
    CMAKE_SEED,
    `${CONFIGURE} -S src -B plain >/dev/null`,
    'cmake_seed plain seed',
    'cmake --build plain >/dev/null',
    'cmake_compiles "$W/plain" > plain.compiles',
  ].join('\n'));
  plain = join(root, 'plain');
  return plain;
}

describe.each<LabCache>(['ccache', 'sccache'])('CMake HIP language, clang-21, CMAKE_HIP_COMPILER_LAUNCHER=launcher, %s (lab)', (cache) => {
  it('every target builds, the RDC link succeeds, a clean rebuild hits every compile a cache can store, objects as uncached', () => {
    const reference = objectsUnder(plainBuild());
    const dir = join(root, cache);
    mkdirSync(dir, { recursive: true });
    runLabBuild(
      dir,
      cache,
      [
        CMAKE_SEED,
        `cmake_seeded ${seed} cached ${CONFIGURE} -S ${src} -DCMAKE_HIP_COMPILER_LAUNCHER="$LAUNCHER" >/dev/null`,
        // Its compile commands, the launcher taken out.
        'cmake_compiles "$W/cached" | sed "s|$LAUNCHER ||" > cached.compiles',
        ': > calls.jsonl',
        ...cleanRebuildSteps('cached', 'cp calls.jsonl cold-calls.jsonl && : > calls.jsonl'),
      ].join('\n'),
      WHOLE_CALLS,
      [src, seed],
    );
    // The same compiles as the uncached build's, each through the launcher.
    const compiles = readFileSync(join(root, 'plain.compiles'), 'utf8');
    expect(compiles.trim().split('\n')).toHaveLength(CACHED + DIRECT.length);
    expect(readFileSync(join(dir, 'cached.compiles'), 'utf8')).toBe(compiles);
    const { configured, cold, warm } = cleanRebuildStats(dir, cache);
    expect(cold.misses - configured.misses).toBe(CACHED);
    expect(warm.hits - cold.hits).toBe(CACHED);
    expect(warm.misses).toBe(cold.misses);

    // What went direct, and why: the device-only compiles with a depfile, each build.
    const coldCalls = readFileSync(join(dir, 'cold-calls.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { route: string; reason: string });
    for (const calls of [coldCalls, takeCallLog(dir)]) {
      const direct = calls.filter((c) => c.route === 'direct');
      expect(direct).toHaveLength(DIRECT.length);
      for (const c of direct) expect(c.reason).toContain('clang (newer than 15) writes no depfile for a device-only compile');
      expect(calls.filter((c) => c.route === 'cache')).toHaveLength(CACHED);
    }

    const cached = objectsUnder(join(dir, 'cached'));
    expect([...cached.keys()].sort()).toEqual([...reference.keys()].sort());
    expect(reference.size).toBe(CACHED + DIRECT.length);
    const cuids: string[] = [];
    for (const [name, bytes] of cached) {
      if (DIRECT.includes(name)) {
        // Compiled directly in both builds: the same bytes.
        expect(bytes.equals(reference.get(name)!), name).toBe(true);
        continue;
      }
      expect(symbolsOf(join(dir, 'cached', name)), name).toBe(symbolsOf(join(plainBuild(), name)));
      cuids.push(...cuidsOf(join(dir, 'cached', name)));
    }
    // Every cached object has its own __hip_cuid_, so the RDC link could not collide.
    expect(cuids).toHaveLength(CACHED);
    expect(new Set(cuids).size).toBe(CACHED);
    expect(readFileSync(join(dir, 'app.out'), 'utf8')).toBe('hip-project ran: all kernels present\n');
  }, LAB_BUILD_TIMEOUT);
});
