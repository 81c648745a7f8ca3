import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ccacheCounter } from '../helpers/caches.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot } from '../helpers/tools.js';
import { LAB_BUILD_TIMEOUT, runLabBuild, statsOf, type LabCache } from './lab-builds.js';

// The per-arch split in the sid lab: clang-21 with ccache 4.14 and sccache
// 0.17, through the built launcher. Each compile's object (and depfile) is
// compared with clang's own one-step compile given the -cuid the launcher
// added; the caches' statistics show which parts hit. Host: test/launcher/split.test.ts.

const root = makeTempDir('hcl-lab-split-');
const CXX = '/usr/lib/llvm-21/bin/clang++';

// `step NAME ARGS...`: through the launcher into k.o (the -cuid, and so the
// keys, depend on the output), kept as $O/NAME.o ($O/NAME.d), its call log as
// $O/NAME.calls, the cache's statistics after it as $O/NAME.stats; then clang's
// one-step compile with the launcher's -cuid into $O/NAME.ref.o (depfile $O/NAME.ref.d).
// A one-step command already run in this file (the same arguments and -cuid, as
// when a step repeats an earlier one, or the other cache's test made the same call)
// is not run again: its output is copied from refs/ (clang is deterministic; running
// it twice would test clang, not us).
const STEP = [
  'step() {',
  '  name=$O/$1; shift',
  '  : > calls.jsonl',
  '  rm -f k.o k.d',
  `  HIP_CLANG_LAUNCHER_SPLIT=on "$LAUNCHER" ${CXX} -x hip -O2 -c split.hip "$@" -o k.o`,
  '  cp k.o $name.o; if [ -f k.d ]; then cp k.d $name.d; fi',
  '  cp calls.jsonl $name.calls',
  '  cuid=$(grep -o \'"cuid":"[0-9a-f]*"\' calls.jsonl | head -1 | cut -d\'"\' -f4)',
  '  key=refs/step-$(echo "$* -cuid=$cuid" | md5sum | cut -c1-32); mkdir -p refs',
  '  if [ -f $key.o ]; then cp $key.o $name.ref.o; cp $key.d $name.ref.d; else',
  `  ${CXX} -x hip -O2 -c split.hip "$@" -cuid=$cuid -o $name.ref.o -MD -MF $name.ref.d -MT k.o`,
  '  cp $name.ref.o $key.o; cp $name.ref.d $key.d; fi',
  '  stats $name',
  '}',
].join('\n');

// `lnk NAME`: a one-source HIP program compiled and linked in one call
// through the launcher ($O/NAME.prog), and by clang in one step with the -cuid
// the launcher gave the source ($O/NAME.ref; once per -cuid, as in `step`).
const LNK = [
  'lnk() {',
  '  name=$O/$1',
  '  : > calls.jsonl; rm -f prog',
  `  HIP_CLANG_LAUNCHER_SPLIT=on "$LAUNCHER" ${CXX} -x hip -O2 --offload-arch=gfx90a main.hip -o prog -lamdhip64`,
  '  cp prog $name.prog; cp calls.jsonl $name.calls',
  '  cuid=$(grep -o \'"cuid":"[0-9a-f]*"\' calls.jsonl | head -1 | cut -d\'"\' -f4)',
  '  key=refs/link-$cuid; mkdir -p refs',
  `  if [ -f $key ]; then cp $key $name.ref; else ${CXX} -x hip -O2 --offload-arch=gfx90a main.hip -o $name.ref -lamdhip64 -cuid=$cuid; cp $name.ref $key; fi`,
  '  stats $name',
  '}',
].join('\n');

const archs = (...list: string[]) => list.map((a) => `--offload-arch=${a}`).join(' ');

// Both caches' tests compile in one directory (the launcher's -cuid follows the
// source's real path and the output, so the same call gets the same -cuid in either
// test, and the second finds the first's one-step outputs in refs/), each with its own
// cache directory and server, and its step outputs in out-<cache>/.
const work = join(root, 'work');
mkdirSync(join(work, 'tmp'), { recursive: true });
copyFileSync(join(repoRoot, 'test/fixtures/hip/split.hip'), join(work, 'split.hip'));
writeFileSync(join(work, 'main.hip'), '#include <hip/hip_runtime.h>\n__global__ void k(int* p) { *p = 1; }\nint main() { int* d = nullptr; if (hipMalloc(&d, 4) != hipSuccess) return 0; hipLaunchKernelGGL(k, dim3(1), dim3(1), 0, 0, d); return hipFree(d) == hipSuccess ? 0 : 1; }\n');

function routes(dir: string, name: string): string[] {
  return readFileSync(join(dir, `${name}.calls`), 'utf8').trim().split('\n').map((l) => JSON.parse(l).route as string);
}

function expectSameAsOneStep(dir: string, name: string): void {
  expect(readFileSync(join(dir, `${name}.o`)).equals(readFileSync(join(dir, `${name}.ref.o`))), `${name}.o equals the one-step object`).toBe(true);
}

function delta(dir: string, cache: LabCache, from: string, to: string): { hits: number; misses: number } {
  const a = statsOf(dir, cache, from);
  const b = statsOf(dir, cache, to);
  return { hits: b.hits - a.hits, misses: b.misses - a.misses };
}

describe.each<LabCache>(['ccache', 'sccache'])('per-arch split in the lab, clang-21 + %s', (cache) => {
  it('objects and depfiles equal the one-step compile; shared archs hit; unproven shapes stay whole', () => {
    // This test's outputs (read below as `dir`), beside the other cache's.
    const dir = join(work, `out-${cache}`);
    mkdirSync(dir);
    const steps =
      cache === 'ccache'
        ? [
            `step two ${archs('gfx90a', 'gfx1030')}`,
            `step again ${archs('gfx90a', 'gfx1030')}`,
            `step three ${archs('gfx90a', 'gfx1030', 'gfx942')}`,
            `step one ${archs('gfx1030')}`,
            `step rdc2 -fgpu-rdc ${archs('gfx90a', 'gfx942')}`,
            `step rdc1 -fgpu-rdc ${archs('gfx942')}`,
            `step dep ${archs('gfx90a', 'gfx1030')} -MD`,
            `step dep3 ${archs('gfx90a', 'gfx1030', 'gfx942')} -MD`,
            `step deprdc -fgpu-rdc ${archs('gfx90a', 'gfx1030')} -MD`,
            `step compress --offload-compress ${archs('gfx90a', 'gfx1030')}`,
          ]
        : [
            `step rdc2 -fgpu-rdc ${archs('gfx90a', 'gfx942')}`,
            `step rdc1 -fgpu-rdc ${archs('gfx942')}`,
            `step deprdc -fgpu-rdc ${archs('gfx90a', 'gfx1030')} -MD`,
            `step two ${archs('gfx90a', 'gfx1030')}`,
          ];
    // `stats` on the one-arch RDC call's own log, as the lab's launcher prints it (cache counters included).
    const summary = '"$LAUNCHER" stats --log $O/rdc1.calls --json > $O/rdc1.summary';
    runLabBuild(work, cache, [`O=out-${cache}`, STEP, LNK, 'stats $O/start', ...steps, summary, 'stats $O/prelink', 'lnk link1', 'rm -f prog', 'lnk link2', 'ls "$TMPDIR" > $O/tmp.list'].join('\n'), { TMPDIR: join(work, 'tmp') });

    const names = steps.map((s) => s.split(' ')[1]!);
    for (const name of names) expectSameAsOneStep(dir, name);
    for (const name of ['dep', 'dep3', 'deprdc'].filter((n) => names.includes(n))) {
      expect(readFileSync(join(dir, `${name}.d`), 'utf8'), `${name}.d equals the one-step depfile`).toBe(readFileSync(join(dir, `${name}.ref.d`), 'utf8'));
    }
    expect(readdirSync(work).filter((f) => f.endsWith('.hipfb') || f.endsWith('.hcl.d'))).toEqual([]);
    // Compile-and-link (issue 20 item 1): the program is the one-step build's; the rebuild's compile is a hit.
    for (const name of ['link1', 'link2']) {
      expect(routes(dir, name)).toEqual(['split']);
      expect(readFileSync(join(dir, `${name}.prog`)).equals(readFileSync(join(dir, `${name}.ref`))), `${name}: program equals the one-step build`).toBe(true);
    }
    expect(delta(dir, cache, 'prelink', 'link1')).toEqual({ hits: 0, misses: 1 });
    expect(delta(dir, cache, 'link1', 'link2')).toEqual({ hits: 1, misses: 0 });
    expect(readFileSync(join(dir, 'tmp.list'), 'utf8')).not.toContain('hcl-split-');
    // After the two-arch RDC build, the one-arch one: its device part and the host part hit, by the log
    // (ccache: its stats log per part; sccache: its counters around each part, one call at a time here).
    const parts = (JSON.parse(readFileSync(join(dir, 'rdc1.summary'), 'utf8')) as { calls: { split: { calls: number; parts: Record<string, { hits: number; misses: number; unknown: number }> } } }).calls.split;
    expect(parts.calls).toBe(1);
    expect(parts.parts['device gfx942']).toEqual(expect.objectContaining({ hits: 1, misses: 0, unknown: 0 }));
    expect(parts.parts.host).toEqual(expect.objectContaining({ hits: 1, misses: 0, unknown: 0 }));

    if (cache === 'ccache') {
      // A miss of the whole call runs the launcher as ccache's prefix_command, which splits.
      expect(routes(dir, 'two').sort()).toEqual(['cache', 'split']);
      expect(delta(dir, cache, 'start', 'two')).toEqual({ hits: 0, misses: 4 });
      // clang-21 has -fhip-emit-relocatable: each device part is one -cc1 job (run in the
      // driver's own process) into a relocatable object, and the driver's own device link
      // makes the code object, a tool step like the bundler. The object is still the one-step one.
      const split = readFileSync(join(dir, 'two.calls'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { route: string; parts?: { name: string; route: string }[] }).find((r) => r.route === 'split')!;
      expect(split.parts!.map((p) => `${p.name}:${p.route}`)).toEqual(['device gfx90a:cache', 'device gfx1030:cache', 'link gfx90a:tool', 'link gfx1030:tool', 'bundle:tool', 'host:cache']);
      expect(routes(dir, 'again')).toEqual(['cache']);
      expect(delta(dir, cache, 'two', 'again')).toEqual({ hits: 1, misses: 0 });
      expect(delta(dir, cache, 'again', 'three')).toEqual({ hits: 2, misses: 3 });
      expect(delta(dir, cache, 'three', 'one')).toEqual({ hits: 1, misses: 2 });
      expect(delta(dir, cache, 'one', 'rdc2')).toEqual({ hits: 0, misses: 4 });
      // gfx942's bitcode and the host part (no archs in it) hit.
      expect(delta(dir, cache, 'rdc2', 'rdc1')).toEqual({ hits: 2, misses: 1 });
      // With a depfile every part is in ccache's depend mode: clang-21's driver
      // passes no -MF to a device -cc1, so the launcher tells the -cc1 itself,
      // under a name that does not change between calls: the old archs still hit.
      const preprocessorRuns = (name: string) => ccacheCounter(readFileSync(join(dir, `${name}.stats`), 'utf8'), 'preprocessed_cache_miss');
      expect(preprocessorRuns('deprdc') - preprocessorRuns('rdc1')).toBe(0);
      expect(delta(dir, cache, 'dep', 'dep3')).toEqual({ hits: 2, misses: 3 });
      // --offload-compress: not proven, so whole (ccache 4.14 caches it whole).
      expect(routes(dir, 'compress')).toEqual(['cache']);
      expect(readFileSync(join(dir, 'compress.calls'), 'utf8')).toContain('not split: --offload-compress');
    } else {
      // No prefix_command in sccache: the split runs at once, each part its own entry.
      expect(routes(dir, 'rdc2')).toEqual(['split']);
      expect(delta(dir, cache, 'start', 'rdc2')).toEqual({ hits: 0, misses: 3 });
      expect(delta(dir, cache, 'rdc2', 'rdc1')).toEqual({ hits: 2, misses: 0 });
      expect(routes(dir, 'two')).toEqual(['cache']);
      expect(readFileSync(join(dir, 'two.calls'), 'utf8')).toContain('sccache cannot cache the host part');
    }
  }, LAB_BUILD_TIMEOUT);
});
