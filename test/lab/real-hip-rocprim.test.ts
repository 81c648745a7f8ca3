import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { statsSince } from '../helpers/caches.js';
import { runInLab, type LabOptions } from '../helpers/lab.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';

// Real HIP code nobody here wrote: rocPRIM 6.4.3 from Debian sid's sources,
// built by its own CMake (hip::device: clang++ -x hip, the CXX compiler
// launcher) in the sid lab. The slice is its two examples, sized for 2 cores.
// Uncached, then through the launcher with ccache 4.14: cold (all misses),
// cleaned and rebuilt warm (all hits, the same bytes as cold).

const TARGETS = ['example_temporary_storage', 'example_type_traits_interface'];
const OBJECTS = TARGETS.map((t) => `example/CMakeFiles/${t}.dir/${t}.cpp.o`);
const EXES = TARGETS.map((t) => `example/${t}`);

const work = makeTempDir('hcl-rocprim-');

describe('rocPRIM (Debian sid source) through the launcher in the lab', () => {
  let src: string;
  let options: LabOptions;
  beforeAll(() => {
    src = tools.rocprimSrc;
    options = {
      binds: [{ host: src, readOnly: true }, { host: join(repoRoot, 'dist/linux-x64'), readOnly: true }, work],
      cwd: work,
      env: { HIP_CLANG_LAUNCHER_CACHE: 'ccache', CCACHE_DIR: join(work, 'ccache') },
    };
  });

  const configure = (dir: string, launcher?: string) =>
    runInLab(
      [
        'cmake', '-G', 'Ninja', '-S', src, '-B', dir,
        '-DCMAKE_BUILD_TYPE=Release', '-DBUILD_EXAMPLE=ON', '-DGPU_TARGETS=gfx90a',
        '-DCMAKE_CXX_COMPILER=/usr/lib/llvm-21/bin/clang++',
        ...(launcher ? [`-DCMAKE_CXX_COMPILER_LAUNCHER=${launcher}`] : []),
      ],
      options,
    );
  const build = (dir: string) => runInLab(['ninja', '-C', dir, ...TARGETS], options);
  const stats = () => {
    const out = runInLab(['ccache', '--print-stats'], options).stdout.toString('utf8');
    const get = (k: string) => Number(new RegExp(`^${k}\\t(\\d+)$`, 'm').exec(out)?.[1] ?? 0);
    return { hits: get('direct_cache_hit') + get('preprocessed_cache_hit'), misses: get('cache_miss') };
  };
  const expectOk = (r: { status: number | null; stderr: string; stdout: Buffer }) => {
    if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr.slice(-2000)}${r.stdout.toString('utf8').slice(-2000)}`);
  };

  it('builds uncached, cold through the launcher (all misses), and warm (all hits, the same objects)', () => {
    const uncached = join(work, 'uncached');
    expectOk(configure(uncached));
    expectOk(build(uncached));
    for (const exe of EXES) expect(existsSync(join(uncached, exe))).toBe(true);

    const cached = join(work, 'cached');
    expectOk(configure(cached, built.linux));
    expectOk(build(cached));
    // Every object missed (split per arch by default: its parts too).
    const coldStats = stats();
    expect(coldStats.hits).toBe(0);
    expect(coldStats.misses).toBeGreaterThanOrEqual(OBJECTS.length);
    const cold = OBJECTS.map((o) => readFileSync(join(cached, o)));
    for (const exe of EXES) expect(existsSync(join(cached, exe))).toBe(true);

    expectOk(runInLab(['ninja', '-C', cached, '-t', 'clean'], options));
    expect(existsSync(join(cached, OBJECTS[0]!))).toBe(false);
    expectOk(build(cached));
    expect(statsSince(coldStats, stats())).toEqual({ hits: OBJECTS.length, misses: 0 });
    OBJECTS.forEach((o, i) => expect(readFileSync(join(cached, o)).equals(cold[i]!)).toBe(true));
    for (const exe of EXES) expect(existsSync(join(cached, exe))).toBe(true);
  }, 1_500_000);
});
