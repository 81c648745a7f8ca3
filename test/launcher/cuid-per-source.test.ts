import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats, loggedCuids, sccacheEnv, sccacheStats, statsSince, stopSccache } from '../helpers/caches.js';
import { hipDeviceFlags, SHARED_MACHINE_CCACHE } from '../helpers/hip-projects.js';
import { freePort } from '../helpers/ports.js';
import { cleanEnv, run, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { tools } from '../helpers/tools.js';
import { runLabBuild, statsOf, type LabCache } from '../lab/lab-builds.js';

// Issue 18, item 9: two different sources, each compiled from its own
// directory with the same relative command line (`-fgpu-rdc -c k.hip -o
// k.o`), get two -cuid values. With one id for both, clang-21's RDC link of
// the two objects fails with `duplicate symbol: __hip_cuid_<id>` (and a
// `static __device__` variable the host refers to, `counter (.static.<id>)`);
// bare clang-21 without -cuid gives both the same id too. Debian 12's clang-15
// has no __hip_cuid_ symbol, and cannot link a host-referenced static device
// variable under RDC at all (`undefined symbol: counter`, with or without
// -cuid), so the link is proven in the sid lab with clang-21 through ccache
// 4.14 and sccache 0.17; on the host, with ccache 4.7 and the HIP sccache
// 0.10, the ids, the hits and the objects.

const source = (name: string) => `#include <hip/hip_runtime.h>
static __device__ int counter;
__global__ void bump_${name}(int v) { counter += v; }
void launch_${name}() { bump_${name}<<<1, 1>>>(1); }
`;

function writeSources(dir: string): void {
  for (const name of ['a', 'b']) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'k.hip'), source(name));
  }
}


type HostCache = { name: string; env: (dir: string) => Record<string, string>; stats: (env: Record<string, string>) => { hits: number; misses: number } };

describe('one -cuid per source file (built executable)', () => {
  let root: string;
  let port: number;
  beforeAll(async () => {
    root = makeTempDir('hcl-cuid-src-');
    port = await freePort();
  });
  afterAll(() => stopSccache(tools.sccacheHip, sccacheEnv(join(root, 'sc'), port)));

  const hostCaches: HostCache[] = [
    // Its base dir holds the sources (in root/host) as well as its own directory.
    { name: 'ccache 4.7', env: (dir) => ({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', ...ccacheEnv(dir), CCACHE_BASEDIR: root, ...SHARED_MACHINE_CCACHE }), stats: (env) => ccacheStats(env) },
    { name: 'sccache 0.10', env: () => ({ HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip, ...sccacheEnv(join(root, 'sc'), port) }), stats: (env) => sccacheStats(tools.sccacheHip, env) },
  ];

  // Both host caches compile the same sources at the same paths, so the ids
  // (and the uncached object for each id) are the same: each reference is
  // compiled once, by id.
  const references = new Map<string, Buffer>();

  for (const cache of hostCaches) {
    it(`host clang-15, ${cache.name}: a/k.hip and b/k.hip get two ids, a rebuild hits with the same ids, and each object is an uncached compile's with its id`, () => {
      const dir = join(root, cache.name.replace(/\W/g, ''));
      const sources = join(root, 'host');
      writeSources(sources);
      mkdirSync(dir, { recursive: true });
      const log = join(dir, 'calls.log');
      const env = cleanEnv({ ...cache.env(dir), HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), HIP_CLANG_LAUNCHER_LOG: log });
      const args = [tools.clangxx, '-x', 'hip', '--offload-arch=gfx90a', ...hipDeviceFlags, '-fgpu-rdc', '-O2', '-c', 'k.hip', '-o', 'k.o'];
      let cold = { hits: 0, misses: 0 };
      for (let round = 0; round < 2; round++) {
        for (const name of ['a', 'b']) {
          const r = runLauncher(args, { env, cwd: join(sources, name) });
          expect(r.stderr).toBe('');
          expect(r.status).toBe(0);
        }
        if (round === 0) cold = cache.stats(env as Record<string, string>);
      }
      const ids = loggedCuids(log);
      expect(ids).toHaveLength(4);
      expect(ids[0]).toMatch(/^[0-9a-f]{16}$/);
      expect(ids[1]).not.toBe(ids[0]);
      expect(ids.slice(2)).toEqual(ids.slice(0, 2));
      // The first round missed (split per arch with ccache: its parts too), the rebuild is two hits.
      expect(cold.hits).toBe(0);
      expect(cold.misses).toBeGreaterThanOrEqual(2);
      expect(statsSince(cold, cache.stats(env as Record<string, string>))).toEqual({ hits: 2, misses: 0 });
      for (const [i, name] of ['a', 'b'].entries()) {
        if (!references.has(ids[i]!)) {
          const bare = run(args[0]!, [...args.slice(1, -1), 'bare.o', `-cuid=${ids[i]}`], { cwd: join(sources, name) });
          expect(bare.status).toBe(0);
          references.set(ids[i]!, readFileSync(join(sources, name, 'bare.o')));
        }
        expect(readFileSync(join(sources, name, 'k.o')).equals(references.get(ids[i]!)!)).toBe(true);
      }
    });
  }

  for (const cache of ['ccache', 'sccache'] as LabCache[]) {
    it(`lab clang-21, ${cache}: an RDC link of both objects succeeds, cold and warm`, () => {
      const dir = join(root, `lab-${cache}`);
      writeSources(dir);
      const compileAndLink = [
        'for n in a b; do (cd $n && "$LAUNCHER" /usr/lib/llvm-21/bin/clang++ -x hip --offload-arch=gfx90a -fgpu-rdc -O2 -c k.hip -o k.o); done',
        '/usr/lib/llvm-21/bin/clang++ -fgpu-rdc --hip-link --offload-arch=gfx90a -shared a/k.o b/k.o -o libboth.so',
      ];
      runLabBuild(dir, cache, [...compileAndLink, 'stats cold', 'rm a/k.o b/k.o libboth.so', ...compileAndLink, 'stats warm'].join('\n'));
      const ids = loggedCuids(join(dir, 'calls.jsonl'));
      expect(ids).toHaveLength(4);
      expect(ids[1]).not.toBe(ids[0]);
      expect(statsSince(statsOf(dir, cache, 'cold'), statsOf(dir, cache, 'warm'))).toEqual({ hits: 2, misses: 0 });
    }, 300_000);
  }
});
