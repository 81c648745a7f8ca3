import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The bench's split group sets this for its cached builds (scripts/bench/groups/split.mjs).
import { SHARED_MACHINE_CCACHE } from '../../scripts/bench/groups/split.mjs';
import { ccacheCounter } from '../helpers/caches.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { LAB_BUILD_TIMEOUT, runLabBuild, statsOf } from './lab-builds.js';

// An include file's ctime moves while a split call compiles (clang-21, ccache
// 4.14, the sid lab). On this shared machine other tests hard-linked the lab's
// llvm-21 tree (`cp -al`, now only its bin/: test/shim/trees.ts), which moved
// the ctime of clang's own headers: that is what left one round of the bench's cold split build without its
// whole-call entries. ccache then stores nothing for the whole call ("had
// status change near or after invocation", modified_input_file) and runs its
// prefix, the launcher, a second time. Here the trigger is deterministic: a
// wrapper in front of clang hard-links the source's own header once, as the
// host part starts, which is always after the device parts ran, so always
// after the whole call's ccache started (its margin is 100 ms).

const root = makeTempDir('hcl-lab-split-changed-');
const CXX = '/usr/lib/llvm-21/bin/clang++';

interface Summary {
  calls: { calls: number; routes: Record<string, number>; split: { calls: number; wholeCall: { hits: number; misses: number; other: number } } };
}

function setUp(): string {
  const dir = mkdtempSync(join(root, 'case-'));
  writeFileSync(join(dir, 'k.h'), '#pragma once\n#define SCALE 3\n');
  writeFileSync(join(dir, 'k.hip'), '#include <hip/hip_runtime.h>\n#include "k.h"\n__global__ void kern(int* p) { p[threadIdx.x] = threadIdx.x * SCALE; }\nint launch(int* p) { hipLaunchKernelGGL(kern, dim3(1), dim3(64), 0, 0, p); return 0; }\n');
  // The host part of the split (given the fat binary) moves k.h's ctime, once: `bump` says when.
  writeFileSync(
    join(dir, 'clang++'),
    [
      '#!/bin/sh',
      `case " $* " in *" -fcuda-include-gpubinary "*) if [ -e ${dir}/bump ]; then rm -f ${dir}/bump; ln -f ${dir}/k.h ${dir}/k.h.link; rm -f ${dir}/k.h.link; fi ;; esac`,
      `exec ${CXX} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, 'clang++'), 0o755);
  return dir;
}

// `c`: the compile through the launcher (the split on by default with ccache);
// cold with the ctime moved, then two rebuilds; the one-step reference with the launcher's -cuid.
const BODY = [
  `c() { "$LAUNCHER" "$W/clang++" -x hip -O2 --offload-arch=gfx90a --offload-arch=gfx1030 -MD -MF k.d -c k.hip -o k.o; }`,
  'stats start',
  'touch bump; : > calls.jsonl',
  'c',
  'cp calls.jsonl cold.calls; cp k.o cold.o; stats cold',
  '"$LAUNCHER" stats --json --log cold.calls > cold.summary',
  'c; stats warm',
  'c; stats warm2',
  'cuid=$(grep -o \'"cuid":"[0-9a-f]*"\' cold.calls | head -1 | cut -d\'"\' -f4)',
  `${CXX} -x hip -O2 --offload-arch=gfx90a --offload-arch=gfx1030 -c k.hip -cuid=$cuid -o ref.o`,
].join('\n');

function delta(dir: string, from: string, to: string) {
  const a = statsOf(dir, 'ccache', from);
  const b = statsOf(dir, 'ccache', to);
  return { hits: b.hits - a.hits, misses: b.misses - a.misses };
}

const changed = (dir: string, name: string) => ccacheCounter(readFileSync(join(dir, `${name}.stats`), 'utf8'), 'modified_input_file');
const records = (dir: string) => readFileSync(join(dir, 'cold.calls'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { route: string; cacheResult?: string; ccachePrefix?: boolean });

describe('a header changes while a split call compiles (lab, clang-21 + ccache 4.14)', () => {
  it('ccache keeps no whole-call entry and runs the launcher again; the object is right, stats counts one call, the rebuild repairs it', () => {
    const dir = setUp();
    // A stats log of the user's own gets every ccache call's record, the parts' too.
    runLabBuild(dir, 'ccache', BODY, { CCACHE_STATSLOG: join(dir, 'user.statslog') });
    expect(readFileSync(join(dir, 'cold.o')).equals(readFileSync(join(dir, 'ref.o'))), 'the object equals the one-step compile').toBe(true);
    // ccache's own word: an input changed during the compile, nothing stored (the host part's own call too, if the move came late enough).
    expect(changed(dir, 'cold') - changed(dir, 'start')).toBeGreaterThanOrEqual(1);
    // The whole call's record, then ccache's prefix twice (the second run after its fall-back).
    const cold = records(dir);
    expect(cold.map((r) => r.route).sort()).toEqual(['cache', 'split', 'split']);
    expect(cold.filter((r) => r.ccachePrefix).length).toBe(2);
    // Its whole-call entry was not stored: not a miss (a part's answer, read from the stats log, before).
    expect(cold.find((r) => r.route === 'cache')!.cacheResult).toBe('not-cached');
    const summary = (JSON.parse(readFileSync(join(dir, 'cold.summary'), 'utf8')) as Summary).calls;
    expect(summary.calls).toBe(1);
    expect(summary.routes.cache).toBe(1);
    expect(summary.split.calls).toBe(2);
    expect(summary.split.wholeCall).toEqual({ hits: 0, misses: 0, other: 1 });
    // The rebuild: the whole call misses, every part hits, and ccache stores the whole call; then one lookup.
    expect(delta(dir, 'cold', 'warm')).toEqual({ hits: 3, misses: 1 });
    expect(delta(dir, 'warm', 'warm2')).toEqual({ hits: 1, misses: 0 });
    // Cold: the whole call and twice 3 parts; the rebuild: the whole call and 3 parts; then the whole call.
    const logged = readFileSync(join(dir, 'user.statslog'), 'utf8').split('\n').filter((l) => l.startsWith('#'));
    expect(logged.length).toBe(7 + 4 + 1);
  }, LAB_BUILD_TIMEOUT);

  it('with the bench\'s setting (include_file_ctime) the cold build keeps its whole-call entry: the rebuild is one lookup', () => {
    const dir = setUp();
    const [name, value] = SHARED_MACHINE_CCACHE.split('=') as [string, string];
    runLabBuild(dir, 'ccache', BODY, { [name]: value });
    expect(readFileSync(join(dir, 'cold.o')).equals(readFileSync(join(dir, 'ref.o')))).toBe(true);
    expect(changed(dir, 'cold') - changed(dir, 'start')).toBe(0);
    expect(records(dir).map((r) => r.route).sort()).toEqual(['cache', 'split']);
    expect(delta(dir, 'cold', 'warm')).toEqual({ hits: 1, misses: 0 });
  }, LAB_BUILD_TIMEOUT);
});
