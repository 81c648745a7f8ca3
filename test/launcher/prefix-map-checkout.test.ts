import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheStats, loggedCuids, statsSince, type CcacheStats } from '../helpers/caches.js';
import { hipDeviceFlags, SHARED_MACHINE_CCACHE } from '../helpers/hip-projects.js';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { tools } from '../helpers/tools.js';
import { runLabBuild, statsOf, type LabCache } from '../lab/lab-builds.js';

// Issue 18, item 11: the README's recipe for debug builds from another
// checkout, HIP_CLANG_LAUNCHER_BASEDIR above the checkouts and
// `-g -fdebug-prefix-map=<checkout>=.` (or -ffile-prefix-map) per checkout,
// hits. The -cuid added for the cache used to take the map's whole value as
// one path (`<checkout>=.` made relative: `../../proj-one=.`), so checkouts
// whose directories differ in name got their own ids and missed. clang splits
// the value at its first `=` into two paths; so does the cuid rule now.
// Host: clang-15 with ccache 4.7. The HIP sccache 0.10 has no base dirs at
// all (the map's absolute path is in its key); the lab shows sccache 0.17.

const KERNEL = '#include <hip/hip_runtime.h>\n__global__ void scale(float* x) { x[threadIdx.x] *= 2.0f; }\n';
const CHECKOUTS = ['runner-1/proj-one', 'runner-2/proj-two'];

function writeCheckouts(root: string): string[] {
  return CHECKOUTS.map((rel) => {
    const checkout = join(root, rel);
    mkdirSync(join(checkout, 'build'), { recursive: true });
    writeFileSync(join(checkout, 'k.hip'), KERNEL);
    return checkout;
  });
}

describe('-g with a prefix map per checkout hits in another checkout (built executable)', () => {
  let root: string;
  beforeAll(() => {
    root = makeTempDir('hcl-prefix-map-');
  });

  for (const map of ['-fdebug-prefix-map', '-ffile-prefix-map']) {
    it(`host clang-15 + ccache 4.7, ${map}: the second checkout hits with the same -cuid`, () => {
      const dir = join(root, `host${map}`);
      const checkouts = writeCheckouts(dir);
      const log = join(dir, 'calls.log');
      const env = cleanEnv({
        HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_BASEDIR: dir, HIP_CLANG_LAUNCHER_LOG: log,
        HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), CCACHE_DIR: join(dir, 'ccache'), ...SHARED_MACHINE_CCACHE,
      });
      const after: CcacheStats[] = [];
      for (const checkout of checkouts) {
        const r = runLauncher([tools.clangxx, '-x', 'hip', '--offload-arch=gfx90a', ...hipDeviceFlags, '-g', `${map}=${checkout}=.`, '-c', '../k.hip', '-o', 'k.o'], {
          env, cwd: join(checkout, 'build'),
        });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        after.push(ccacheStats(env as Record<string, string>));
      }
      const ids = loggedCuids(log);
      expect(ids[1]).toBe(ids[0]);
      // The first checkout missed (split per arch by default: its parts too), the second is one hit.
      expect(after[0]!.hits).toBe(0);
      expect(statsSince(after[0]!, after[1]!)).toEqual({ hits: 1, misses: 0 });
    });
  }

  // The recipe in the lab (clang-21). ccache 4.14 hits. sccache 0.17 keys the
  // map's value as written, absolute path and all, SCCACHE_BASEDIRS or not:
  // bare sccache misses there too (measured), so through the launcher it
  // misses the same, and `-g` alone hits (with the first checkout's paths).
  for (const cache of ['ccache', 'sccache'] as LabCache[]) {
    it(`lab clang-21 + ${cache}: the recipe ${cache === 'ccache' ? 'hits' : 'misses as with bare sccache, and -g alone hits'} in the second checkout`, () => {
      const dir = join(root, `lab-${cache}`);
      const checkouts = writeCheckouts(dir);
      const compile = (c: string, extra: string) => `(cd ${c}/build && "$LAUNCHER" /usr/lib/llvm-21/bin/clang++ -x hip --offload-arch=gfx90a -g ${extra} -c ../k.hip -o k.o)`;
      const bare = (c: string) => `(cd ${c}/build && sccache /usr/lib/llvm-21/bin/clang++ -x hip --offload-arch=gfx90a -g -fdebug-prefix-map=${c}=. -cuid=0123456789abcdef -c ../k.hip -o bare.o)`;
      const body = [
        compile(checkouts[0]!, `-fdebug-prefix-map=${checkouts[0]}=.`),
        'stats first',
        compile(checkouts[1]!, `-fdebug-prefix-map=${checkouts[1]}=.`),
        'stats recipe',
        ...(cache === 'sccache' ? [...checkouts.map(bare), 'stats bare', ...checkouts.map((c) => compile(c, '')), 'stats plain'] : []),
      ];
      runLabBuild(dir, cache, body.join('\n'), { HIP_CLANG_LAUNCHER_BASEDIR: dir, SCCACHE_BASEDIRS: dir });
      const ids = loggedCuids(join(dir, 'calls.jsonl'));
      expect(ids[1]).toBe(ids[0]);
      if (cache === 'ccache') {
        // The first checkout missed (split per arch by default: its parts too), the second is one hit.
        expect(statsOf(dir, cache, 'first').hits).toBe(0);
        expect(statsSince(statsOf(dir, cache, 'first'), statsOf(dir, cache, 'recipe'))).toEqual({ hits: 1, misses: 0 });
      } else {
        expect(statsOf(dir, cache, 'recipe')).toEqual({ hits: 0, misses: 2 });
        expect(statsOf(dir, cache, 'bare')).toEqual({ hits: 0, misses: 4 });
        expect(statsOf(dir, cache, 'plain')).toEqual({ hits: 1, misses: 5 });
        expect(ids[3]).toBe(ids[2]);
      }
    }, 300_000);
  }
});
