import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { objectsUnder, valOf, writeHipccCmakeProject } from '../helpers/hip-objects.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot } from '../helpers/tools.js';
import { cleanRebuildStats, cleanRebuildSteps, CMAKE_SEED, LAB_BUILD_TIMEOUT, type LabCache, runLabBuild, shimmedLlvm21, statsOf, symbolsOf, takeCallLog, WHOLE_CALLS } from './lab-builds.js';


// One directory for the file, removed when it ends (its hook registered here, at the top level).
const root = makeTempDir('hcl-lab-hipcc-routes-');

// Debian's hipcc 7.0.2 (unpatched: it ignores HIP_CLANG_LAUNCHER) with clang-21
// in the sid lab, behind the built launcher: it runs directly, uncached and
// right; with the shim installed in a copy of /usr/lib/llvm-21 (its
// HIP_CLANG_PATH), its clang calls are cached again, still right.
const SEQUENCE = ['1', '2', '1', '2'];

// The CMake project with hipcc as its CXX compiler, built uncached (no launcher, no shim):
// the reference for both caches' builds, the same for both, so built once, by the first
// test that asks, from the one source tree both caches build. Its configure runs CMake's
// compiler checks (each a hipcc call, and through the shim each of hipcc's clang calls a
// launcher start); the cached builds' configures reuse them (lab-builds.ts CMAKE_SEED), as
// a re-run of CMake in a configured tree does, with the same compile commands, which they check.
const cmakeSrc = join(root, 'cmake-src');
const seed = join(root, 'seed');
const CONFIGURE = `cmake -S ${cmakeSrc} -G Ninja -DCMAKE_CXX_COMPILER=/usr/bin/hipcc -DCMAKE_CXX_FLAGS=--offload-arch=gfx90a`;
let plain: string | undefined;
function plainBuild(): string {
  if (plain) return plain;
  writeHipccCmakeProject(cmakeSrc);
  runLabBuild(root, 'ccache', [
    CMAKE_SEED,
    `${CONFIGURE} -B plain >/dev/null`,
    'cmake_seed plain seed',
    'cmake --build plain >/dev/null',
    'cmake_compiles "$W/plain" > plain.compiles',
  ].join('\n'));
  plain = join(root, 'plain');
  return plain;
}

describe.each<LabCache>(['ccache', 'sccache'])('Debian hipcc 7.0.2 behind the launcher in the lab, %s', (cache) => {
  let dir: string;
  let shimBin: string;
  beforeAll(() => {
    dir = mkdtempSync(join(root, `${cache}-`));
    copyFileSync(join(repoRoot, 'test/fixtures/hip/val.hip'), join(dir, 'val.hip'));
    shimBin = shimmedLlvm21(dir);
  }, LAB_BUILD_TIMEOUT);

  it('HIPCC_COMPILE_FLAGS_APPEND=-DVAL=1 then =2: never the other setting\'s object; uncached without the shim, repeats hit with it', () => {
    const compile = (tag: string, vals: string[], env = '') =>
      vals.map((v, i) => `HIPCC_COMPILE_FLAGS_APPEND=-DVAL=${v} ${env} "$LAUNCHER" hipcc --offload-arch=gfx90a -c val.hip -o val.o && cp val.o ${tag}-${i}.o`).join('\n');
    runLabBuild(dir, cache, [compile('plain', ['1', '2']), 'stats plain', compile('shim', SEQUENCE, `HIP_CLANG_PATH=${shimBin}`), 'stats shim'].join('\n'), WHOLE_CALLS);

    const vals = (tag: string, n: number) => Array.from({ length: n }, (_, i) => valOf(join(dir, `${tag}-${i}.o`)));
    expect(vals('plain', 2)).toEqual(['1', '2']);
    expect(statsOf(dir, cache, 'plain')).toEqual({ hits: 0, misses: 0 });
    expect(vals('shim', 4)).toEqual(SEQUENCE);
    expect(statsOf(dir, cache, 'shim')).toEqual({ hits: 2, misses: 2 });

    const calls = takeCallLog(dir);
    const hipccCalls = calls.filter((c) => c.compiler === '/usr/bin/hipcc');
    expect(hipccCalls).toHaveLength(6);
    for (const c of hipccCalls) {
      expect(c.route).toBe('direct');
      expect(c.reason).toContain('this hipcc ignores HIP_CLANG_LAUNCHER');
    }
    // The shim's calls: each compile went to the cache, with the setting already in its argv.
    expect(calls.filter((c) => c.route === 'cache').map((c) => c.compiler)).toEqual(SEQUENCE.map(() => join(shimBin, 'clang++-real')));
  }, LAB_BUILD_TIMEOUT);

  it('CMake: CMAKE_CXX_COMPILER=/usr/bin/hipcc, CMAKE_CXX_COMPILER_LAUNCHER=launcher, the shim in HIP_CLANG_PATH: a clean rebuild is all hits', () => {
    const reference = objectsUnder(plainBuild());
    runLabBuild(
      dir,
      cache,
      [
        CMAKE_SEED,
        `export HIP_CLANG_PATH=${shimBin}`,
        `cmake_seeded ${seed} cached ${CONFIGURE} -DCMAKE_CXX_COMPILER_LAUNCHER="$LAUNCHER" >/dev/null`,
        // Its compile commands, the launcher taken out.
        'cmake_compiles "$W/cached" | sed "s|$LAUNCHER ||" > cached.compiles',
        ...cleanRebuildSteps('cached'),
      ].join('\n'),
      WHOLE_CALLS,
      [cmakeSrc, seed],
    );
    // The same compiles as the uncached build's, each through the launcher.
    const compiles = readFileSync(join(root, 'plain.compiles'), 'utf8');
    expect(compiles.trim().split('\n')).toHaveLength(3);
    expect(readFileSync(join(dir, 'cached.compiles'), 'utf8')).toBe(compiles);
    const { configured, cold, warm } = cleanRebuildStats(dir, cache);
    expect(cold.misses - configured.misses).toBe(3);
    expect(warm.hits - cold.hits).toBe(3);
    expect(warm.misses).toBe(cold.misses);
    // Right objects: the uncached build's symbols (the per-object __hip_cuid_ id aside).
    const cached = objectsUnder(join(dir, 'cached'));
    expect([...cached.keys()].sort()).toEqual([...reference.keys()].sort());
    expect(reference.size).toBe(3);
    for (const name of reference.keys()) expect(symbolsOf(join(dir, 'cached', name)), name).toBe(symbolsOf(join(plainBuild(), name)));
    expect(readFileSync(join(dir, 'app.out'), 'utf8')).toBe('hip-project ran: all kernels present\n');
  }, LAB_BUILD_TIMEOUT);
});
