import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats } from '../helpers/caches.js';
import { cleanEnv, run, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';

// `stats` and `doctor` on the split's parts (issue 19 item 5), on the built
// executable with clang-15 and ccache 4.7: a two-arch
// build, then a one-arch build of the same source; the call log records each
// part's cache result, `stats` shows them by arch and `doctor` counts them.

const source = join(repoRoot, 'test/fixtures/hip/split.hip');
const hip = ['-x', 'hip', '--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`, '-O2'];
const archs = (...list: string[]) => list.map((a) => `--offload-arch=${a}`);
const root = makeTempDir('hcl-stats-split-');

interface PartCount {
  runs: number;
  hits: number;
  misses: number;
  unknown: number;
  uncached: number;
}
interface SplitSummary {
  calls: number;
  parts: Record<string, PartCount>;
  wholeCall: { hits: number; misses: number; other: number };
}

function setUp(name: string, cache: string, cacheEnv: Record<string, string>) {
  const dir = join(root, name);
  mkdirSync(dir);
  const log = join(dir, 'calls.jsonl');
  writeFileSync(log, '');
  const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache, HIP_CLANG_LAUNCHER_SPLIT: 'on', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), HIP_CLANG_LAUNCHER_LOG: log, ...cacheEnv });
  const compile = (args: string[]) => {
    const r = runLauncher([tools.clangxx, ...hip, ...args, '-c', source, '-o', 'k.o'], { env, cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  };
  const stats = () => {
    const r = run(built.linux, ['stats', '--json'], { env, cwd: dir });
    expect(r.status).toBe(0);
    return (JSON.parse(r.stdout.toString()) as { calls: { split: SplitSummary } }).calls.split;
  };
  const statsText = () => run(built.linux, ['stats'], { env, cwd: dir }).stdout.toString();
  const doctorSplit = () => {
    const r = run(built.linux, ['doctor', '--json'], { env: { ...env, PATH: join(dir, 'no-bin') }, cwd: dir });
    return (JSON.parse(r.stdout.toString()) as { findings: { check: string; status: string; found: string }[] }).findings.find((f) => f.check === 'split')!;
  };
  const lastRecord = () => JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1)!) as { route: string; cacheResult?: string };
  return { dir, env, compile, stats, statsText, doctorSplit, lastRecord };
}

// One row of the text table: `  device gfx1030   2   1   1   0`.
const row = (text: string, part: string) => text.split('\n').find((l) => l.trimStart().startsWith(`${part} `))?.trim().split(/\s+/).slice(part.split(' ').length);

describe('stats and doctor show the split by arch, clang-15 + ccache 4.7', () => {
  const cacheEnv = ccacheEnv(join(root, 'ccache-cache'));
  const ws = setUp('ccache', 'ccache', cacheEnv);

  it('two archs then one: the one-arch build\'s device part is a hit, its host part a miss, each recorded in the log', () => {
    ws.compile(archs('gfx90a', 'gfx1030'));
    // ccache's whole-call entry missed, and its prefix split the call: 4 misses, each part's recorded.
    expect(ws.lastRecord()).toMatchObject({ route: 'cache', cacheResult: 'miss' });
    let split = ws.stats();
    expect(split.calls).toBe(1);
    expect(split.parts['device gfx90a']).toMatchObject({ runs: 1, hits: 0, misses: 1, unknown: 0 });
    expect(split.parts['device gfx1030']).toMatchObject({ runs: 1, hits: 0, misses: 1, unknown: 0 });
    expect(split.parts.host).toMatchObject({ runs: 1, hits: 0, misses: 1 });
    expect(split.parts.bundle).toMatchObject({ runs: 1, uncached: 1 });

    const before = ccacheStats(cacheEnv);
    ws.compile(archs('gfx1030'));
    const after = ccacheStats(cacheEnv);
    // The cache's own counters agree: one hit (the device part), two misses (the whole call, the host part).
    expect({ hits: after.hits - before.hits, misses: after.misses - before.misses }).toEqual({ hits: 1, misses: 2 });
    split = ws.stats();
    expect(split.calls).toBe(2);
    expect(split.parts['device gfx1030']).toMatchObject({ runs: 2, hits: 1, misses: 1, unknown: 0 });
    expect(split.parts['device gfx90a']).toMatchObject({ runs: 1, hits: 0, misses: 1 });
    expect(split.parts.host).toMatchObject({ runs: 2, hits: 0, misses: 2 });
    expect(split.wholeCall).toEqual({ hits: 0, misses: 2, other: 0 });

    const text = ws.statsText();
    expect(text).toContain('split calls (HIP_CLANG_LAUNCHER_SPLIT): 2 run as parts');
    // runs, hits, misses, unknown
    expect(row(text, 'device gfx1030')).toEqual(['2', '1', '1', '0']);
    expect(row(text, 'device gfx90a')).toEqual(['1', '0', '1', '0']);
    expect(row(text, 'host')).toEqual(['2', '0', '2', '0']);
  });

  it('the same one-arch call again: ccache\'s whole-call entry hits, nothing is split, and stats counts the hit', () => {
    ws.compile(archs('gfx1030'));
    expect(ws.lastRecord()).toMatchObject({ route: 'cache', cacheResult: 'hit' });
    const split = ws.stats();
    expect(split.calls).toBe(2);
    expect(split.wholeCall).toEqual({ hits: 1, misses: 2, other: 0 });
    expect(ws.statsText()).toContain("ccache's whole-call entry first: 1 hit(s), 2 missed and split");
  });

  it('doctor says the split is on and gives the per-arch counts from the log', () => {
    const f = ws.doctorSplit();
    expect(f.status).toBe('ok');
    expect(f.found).toContain('HIP_CLANG_LAUNCHER_SPLIT=on: the split is on');
    expect(f.found).toContain('2 split call(s)');
    expect(f.found).toContain('device gfx1030 1 hit(s), 1 miss(es)');
    expect(f.found).toContain('device gfx90a 0 hit(s), 1 miss(es)');
  });

  it('doctor with the split off, and with a bad value (the fix named)', () => {
    const off = run(built.linux, ['doctor', '--json'], { env: { ...ws.env, HIP_CLANG_LAUNCHER_SPLIT: 'off', HIP_CLANG_LAUNCHER_LOG: undefined, PATH: join(ws.dir, 'no-bin') }, cwd: ws.dir });
    const offSplit = (JSON.parse(off.stdout.toString()) as { findings: { check: string; status: string; found: string }[] }).findings.find((f) => f.check === 'split')!;
    expect(offSplit.status).toBe('ok');
    expect(offSplit.found).toMatch(/^HIP_CLANG_LAUNCHER_SPLIT=off: the split is off .*per-arch hits: set HIP_CLANG_LAUNCHER_LOG=<file>/);
    // Unset is the default: on, with sccache splitting only what costs nothing there.
    const unset = run(built.linux, ['doctor', '--json'], { env: { ...ws.env, HIP_CLANG_LAUNCHER_SPLIT: undefined, HIP_CLANG_LAUNCHER_LOG: undefined, PATH: join(ws.dir, 'no-bin') }, cwd: ws.dir });
    const unsetSplit = (JSON.parse(unset.stdout.toString()) as { findings: { check: string; status: string; found: string }[] }).findings.find((f) => f.check === 'split')!;
    expect(unsetSplit.found).toMatch(/^HIP_CLANG_LAUNCHER_SPLIT unset: the split is on .*with sccache, compile-and-link calls only \(HIP_CLANG_LAUNCHER_SPLIT=on adds -fgpu-rdc compiles\)/);
    const bad = run(built.linux, ['doctor', '--json'], { env: { ...ws.env, HIP_CLANG_LAUNCHER_SPLIT: 'maybe', PATH: join(ws.dir, 'no-bin') }, cwd: ws.dir });
    const badSplit = (JSON.parse(bad.stdout.toString()) as { findings: { check: string; status: string; found: string; fix: string }[] }).findings.find((f) => f.check === 'split')!;
    expect(badSplit).toMatchObject({ status: 'fail', found: 'HIP_CLANG_LAUNCHER_SPLIT=maybe is not understood', fix: 'use on or off' });
  });
});

// sccache: clang-15 keeps -fgpu-rdc calls whole (its host-only compile drops
// the -cuid), so its per-part results are checked in the lab with clang-21 and
// sccache 0.17 (test/lab/split.test.ts).
