import { copyFileSync, cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCcacheStats } from '../helpers/caches.js';
import { labRoot, runInLab } from '../helpers/lab.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot } from '../helpers/tools.js';
import { replaceKeepingMtime } from '../helpers/upgrade-file.js';
import { WHOLE_CALLS } from './lab-builds.js';


// Debian sid's clang-21 finds rocm-device-libs-21 in its resource directory
// (lib/clang/21/amdgcn/bitcode), not in any ROCm-style place: the digest must
// cover it there, or an upgraded device library gives a hit with the old
// object. The directory is a copy bound over the real one, so the lab's own
// tree is never changed.
const BITCODE = '/usr/lib/llvm-21/lib/clang/21/amdgcn/bitcode';
const dist = join(built.linux, '..');

describe('device libraries in clang-21\'s resource directory (sid lab, ccache 4.14)', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-lab-devlibs-');
    cpSync(join(labRoot, BITCODE), join(dir, 'bitcode'), { recursive: true });
    copyFileSync(join(repoRoot, 'test/fixtures/hip/saxpy.hip'), join(dir, 'saxpy.hip'));
  });

  const compile = () => {
    const script = [
      `${built.linux} clang++-21 -x hip --offload-arch=gfx90a -O2 -c saxpy.hip -o k.o -cuid=0123456789abcdef 2>/dev/null || exit 9`,
      'ccache --print-stats > stats.txt',
    ].join('\n');
    const r = runInLab(['sh', '-c', script], {
      binds: [{ host: dist, readOnly: true }, dir, { host: join(dir, 'bitcode'), inside: BITCODE }],
      cwd: dir,
      env: { HIP_CLANG_LAUNCHER_CACHE: 'ccache', CCACHE_DIR: join(dir, 'ccache'), HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), ...WHOLE_CALLS },
    });
    expect(r.status, r.stderr).toBe(0);
    const { hits, misses } = parseCcacheStats(readFileSync(join(dir, 'stats.txt'), 'utf8'));
    return [hits, misses];
  };

  it('a device library changed under its old mtime misses', () => {
    expect(compile()).toEqual([0, 1]);
    expect(compile()).toEqual([1, 1]);
    // A library this arch never links: the object stays the same, only the key must move.
    replaceKeepingMtime(join(dir, 'bitcode', 'oclc_isa_version_1030.bc'));
    expect(compile()).toEqual([1, 2]);
  }, 300_000);
});
