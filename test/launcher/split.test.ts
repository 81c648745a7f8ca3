import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ccacheCounter, ccacheEnv, ccachePrintStats, ccacheStats, freePort, sccacheEnv, sccacheStats, stopSccache, type CcacheStats } from '../helpers/caches.js';
import { cleanEnv, run, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot, tools } from '../helpers/tools.js';

// The per-arch split (HIP_CLANG_LAUNCHER_SPLIT=on) on Debian 12: clang-15 with
// ccache 4.7 and the HIP-capable sccache 0.10, through the built launcher.
// Every object (and depfile) must equal clang's own one-step compile given
// the -cuid the launcher added, byte for byte; the cache's own statistics
// show which parts hit. The same in the sid lab: test/lab/split.test.ts.

const source = join(repoRoot, 'test/fixtures/hip/split.hip');
const hip = ['-x', 'hip', '--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`, '-O2'];
const archs = (...list: string[]) => list.map((a) => `--offload-arch=${a}`);

interface CallRecord {
  route: string;
  reason: string;
  cuid: string | null;
  exitCode: number | null;
  parts?: { name: string; route: string; exitCode: number | null }[];
}

const root = makeTempDir('hcl-split-');

// One compile through the launcher; returns the log records it wrote (a
// ccache miss writes two: the whole call, and the launcher as ccache's prefix).
function compile(dir: string, env: NodeJS.ProcessEnv, args: string[], out = 'k.o'): { records: CallRecord[]; stderr: string; status: number | null } {
  const log = join(dir, 'calls.jsonl');
  writeFileSync(log, '');
  rmSync(join(dir, out), { force: true });
  const r = runLauncher([tools.clangxx, ...hip, ...args, '-c', source, '-o', out], { env: { ...env, HIP_CLANG_LAUNCHER_LOG: log }, cwd: dir });
  const records = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as CallRecord);
  return { records, stderr: r.stderr, status: r.status };
}

// clang's one-step compile with the launcher's -cuid: what the split must equal.
// Compiled once per arguments and id (a rebuild's check reuses the first build's
// reference, and a block in another directory that makes the same call, with the
// same id, reuses it too: the source is named by its absolute path, so the object
// does not depend on the directory); a call with a depfile is always compiled, as
// its test reads the reference depfile it writes.
const references = new Map<string, Buffer>();
function oneStep(dir: string, args: string[], cuid: string, out = 'ref.o'): Buffer {
  const key = JSON.stringify([args, cuid, out]);
  const known = references.get(key);
  if (known && !args.includes('-MD')) return known;
  rmSync(join(dir, out), { force: true });
  const r = run(tools.clangxx, [...hip, ...args, `-cuid=${cuid}`, '-c', source, '-o', out], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const object = readFileSync(join(dir, out));
  references.set(key, object);
  return object;
}

function expectSameAsOneStep(dir: string, args: string[], records: CallRecord[], out = 'k.o'): void {
  // The call's own record (under ccache the launcher run as its prefix writes one too, with no id of its own).
  const cuid = records.find((r) => r.cuid)?.cuid ?? '';
  expect(cuid).toMatch(/^[0-9a-f]{16}$/);
  expect(readFileSync(join(dir, out)).equals(oneStep(dir, args, cuid)), 'split object equals the one-step compile').toBe(true);
}

// No temporary of the split left: none in the private TMPDIR, no fat binary
// or device depfile beside the output. (clang itself leaves empty directories in TMPDIR, one
// per arch for a one-step compile; the split's parts under ccache make theirs
// in its own temporary directory.)
function expectNothingLeft(dir: string, tmp: string): void {
  expect(readdirSync(tmp).filter((f) => f.startsWith('hcl-split-'))).toEqual([]);
  expect(readdirSync(dir).filter((f) => f.endsWith('.hipfb') || f.endsWith('.tmp') || f.endsWith('.hcl.d'))).toEqual([]);
}

function delta(before: CcacheStats, after: CcacheStats): CcacheStats {
  return { hits: after.hits - before.hits, misses: after.misses - before.misses };
}

// A work directory, a private TMPDIR and a cache of its own for one describe block, and the
// environment the launcher runs in there (the split on).
function workspace(name: string, cache: string, cacheEnvFor: (dir: string) => Record<string, string>) {
  const dir = join(root, name);
  const tmp = join(root, `${name}-tmp`);
  mkdirSync(dir);
  mkdirSync(tmp);
  const cacheEnv = cacheEnvFor(dir);
  const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache, HIP_CLANG_LAUNCHER_SPLIT: 'on', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), TMPDIR: tmp, ...cacheEnv });
  return { dir, tmp, cacheEnv, env };
}
const ccacheOnly = (dir: string) => ({ ...ccacheEnv(dir) }) as unknown as Record<string, string>;

describe('per-arch split, clang-15 + ccache 4.7', () => {
  let dir: string;
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let cacheEnv: Record<string, string>;
  beforeAll(() => {
    ({ dir, tmp, cacheEnv, env } = workspace('ccache', 'ccache', ccacheOnly));
  });
  const stats = () => ccacheStats(cacheEnv);

  it('two archs: split into device parts, the driver\'s bundling and the host part; the object is the one-step object', () => {
    const before = stats();
    const { records, status, stderr } = compile(dir, env, archs('gfx90a', 'gfx1030'));
    expect(stderr).toBe('');
    expect(status).toBe(0);
    // The whole call missed in ccache, which ran the launcher as its prefix_command: that one split.
    expect(records.map((r) => r.route).sort()).toEqual(['cache', 'split']);
    const split = records.find((r) => r.route === 'split')!;
    expect(split.parts!.map((p) => `${p.name}:${p.route}`)).toEqual(['device gfx90a:cache', 'device gfx1030:cache', 'bundle:tool', 'host:cache']);
    expect(delta(before, stats())).toEqual({ hits: 0, misses: 4 });
    expectSameAsOneStep(dir, archs('gfx90a', 'gfx1030'), records);
    expectNothingLeft(dir, tmp);
  });

  it('the same call again is one lookup: the whole-call entry hits and nothing is split', () => {
    const before = stats();
    const { records } = compile(dir, env, archs('gfx90a', 'gfx1030'));
    expect(records.map((r) => r.route)).toEqual(['cache']);
    expect(delta(before, stats())).toEqual({ hits: 1, misses: 0 });
    expectSameAsOneStep(dir, archs('gfx90a', 'gfx1030'), records);
  });

  it('an arch added: the old archs\' device parts hit, only the new arch and the host compile; same id as before', () => {
    const first = compile(dir, env, archs('gfx90a', 'gfx1030')).records.find((r) => r.cuid)?.cuid;
    const before = stats();
    const { records } = compile(dir, env, archs('gfx90a', 'gfx1030', 'gfx908'));
    // Misses: the whole call, gfx908's device part, the host part (a new fat binary).
    expect(delta(before, stats())).toEqual({ hits: 2, misses: 3 });
    expect(records.find((r) => r.cuid)?.cuid).toBe(first);
    expectSameAsOneStep(dir, archs('gfx90a', 'gfx1030', 'gfx908'), records);
    expectNothingLeft(dir, tmp);
  });

  it('one arch of those: its device part hits', () => {
    const before = stats();
    const { records } = compile(dir, env, archs('gfx1030'));
    expect(delta(before, stats())).toEqual({ hits: 1, misses: 2 });
    expectSameAsOneStep(dir, archs('gfx1030'), records);
  });

  it('-fgpu-rdc: device bitcode per arch, the host part (one entry for every arch list), the driver\'s bundling into the output', () => {
    const rdc = (...list: string[]) => ['-fgpu-rdc', ...archs(...list)];
    let before = stats();
    let { records } = compile(dir, env, rdc('gfx90a', 'gfx1030'));
    expect(records.find((r) => r.route === 'split')!.parts!.map((p) => p.name)).toEqual(['device gfx90a', 'device gfx1030', 'host', 'bundle']);
    expect(delta(before, stats())).toEqual({ hits: 0, misses: 4 });
    expectSameAsOneStep(dir, rdc('gfx90a', 'gfx1030'), records);
    before = stats();
    ({ records } = compile(dir, env, rdc('gfx1030')));
    // The whole call misses; gfx1030's device part and the host part hit.
    expect(delta(before, stats())).toEqual({ hits: 2, misses: 1 });
    expectSameAsOneStep(dir, rdc('gfx1030'), records);
    expectNothingLeft(dir, tmp);
  });

  // Found by the corpus (test/corpus, a static kernel): an RDC host object
  // names its externalized statics after the -cuid (else the file's inode),
  // and clang-15 drops -cuid from an --offload-host-only compile. Given back
  // with -Xclang, the object is the one-step object.
  it('-fgpu-rdc with a static kernel and a static device variable: the host part gets the -cuid clang-15 drops; the object is the one-step object', () => {
    const statics = join(dir, 'statics.hip');
    writeFileSync(statics, '#include <hip/hip_runtime.h>\nstatic __device__ int counter;\nstatic __global__ void k(int* p) { *p = counter; }\n__attribute__((used)) static void launch(int* p) { k<<<1, 1>>>(p); }\n');
    const args = ['-fgpu-rdc', ...archs('gfx90a', 'gfx1030')];
    const log = join(dir, 'calls.jsonl');
    writeFileSync(log, '');
    const r = runLauncher([tools.clangxx, ...hip, ...args, '-c', 'statics.hip', '-o', 's.o'], { env: { ...env, HIP_CLANG_LAUNCHER_LOG: log }, cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const records = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CallRecord);
    expect(records.map((x) => x.route).sort()).toEqual(['cache', 'split']);
    const cuid = records.find((x) => x.cuid)!.cuid!;
    const ref = run(tools.clangxx, [...hip, ...args, `-cuid=${cuid}`, '-c', 'statics.hip', '-o', 's.ref.o'], { cwd: dir });
    expect(ref.status).toBe(0);
    const object = readFileSync(join(dir, 's.o'));
    // The kernel's externalized name carries the id's hash in host and device
    // code alike: hex without leading zeros (clang's utohexstr), so 1 to 16 digits.
    expect(object.toString('latin1')).toMatch(/_ZL1kPi\.intern\.[0-9a-f]{1,16}\0/);
    expect(object.equals(readFileSync(join(dir, 's.ref.o'))), 'split object equals the one-step compile').toBe(true);
    expectNothingLeft(dir, tmp);
  });

  // Misses on which ccache ran the preprocessor (depend mode never does).
  const preprocessorRuns = () => ccacheCounter(ccachePrintStats(cacheEnv), 'preprocessed_cache_miss');

  for (const rdc of [false, true]) {
    it(`a depfile (-MD, ${rdc ? '-fgpu-rdc' : 'no RDC'}) is the one-step depfile, byte for byte; no part runs the preprocessor`, () => {
      const args = [...(rdc ? ['-fgpu-rdc'] : []), ...archs('gfx90a', 'gfx1030'), '-MD'];
      rmSync(join(dir, 'k.d'), { force: true });
      const before = preprocessorRuns();
      const { records } = compile(dir, env, args);
      expect(records.some((r) => r.route === 'split')).toBe(true);
      // Each device part writes a depfile of its own, so ccache's depend mode keys it too.
      expect(preprocessorRuns() - before).toBe(0);
      const depfile = readFileSync(join(dir, 'k.d'));
      expectSameAsOneStep(dir, [...args, '-MF', 'ref.d', '-MT', 'k.o'], records);
      expect(depfile.toString()).toBe(readFileSync(join(dir, 'ref.d'), 'utf8'));
      expectNothingLeft(dir, tmp);
    });
  }

  it('with a depfile, an arch added still hits the old archs\' device parts (their depfiles\' private paths are not in the key)', () => {
    const args = [...archs('gfx90a', 'gfx1030', 'gfx908'), '-MD'];
    const before = stats();
    const runs = preprocessorRuns();
    const { records } = compile(dir, env, args);
    // Misses: the whole call, gfx908's device part, the host part.
    expect(delta(before, stats())).toEqual({ hits: 2, misses: 3 });
    expect(preprocessorRuns() - runs).toBe(0);
    expectSameAsOneStep(dir, [...args, '-MF', 'ref.d', '-MT', 'k.o'], records);
    expectNothingLeft(dir, tmp);
  });

  it('on by default (HIP_CLANG_LAUNCHER_SPLIT unset); off keeps the call whole; with CCACHE_DISABLE it is never split', () => {
    const { HIP_CLANG_LAUNCHER_SPLIT: _on, ...unset } = env;
    const here = join(dir, 'default');
    mkdirSync(here);
    // An output of its own: its -cuid, and so its key, is new (the tests above built k.o).
    let { records } = compile(here, unset, archs('gfx90a', 'gfx1030'), 'd.o');
    expect(records.map((r) => r.route).sort()).toEqual(['cache', 'split']);
    expectSameAsOneStep(here, archs('gfx90a', 'gfx1030'), records, 'd.o');
    ({ records } = compile(here, { ...unset, HIP_CLANG_LAUNCHER_SPLIT: 'off' }, archs('gfx90a', 'gfx942')));
    expect(records.map((r) => r.route)).toEqual(['cache']);
    expect(JSON.stringify(records[0])).not.toContain('split per arch');
    // ccache disabled keeps nothing: the call runs as clang's one step.
    const before = stats();
    ({ records } = compile(here, { ...unset, CCACHE_DISABLE: '1' }, archs('gfx90a', 'gfx908')));
    expect(records.map((r) => r.route)).toEqual(['cache']);
    expect(records[0]!.reason).toContain('not split: CCACHE_DISABLE is set');
    expect(stats()).toEqual(before);
    expectSameAsOneStep(here, archs('gfx90a', 'gfx908'), records);
  });

  it('shapes whose split is not proven run whole, cached as today, with the reason in the log', () => {
    const cases: [string[], string][] = [
      [[...archs('gfx90a'), '-save-temps=obj'], 'not split: -save-temps'],
      [[...archs('gfx90a'), '--offload-new-driver'], 'not split: the new offload driver'],
      [['--offload-arch=gfx90a', '--offload-device-only'], 'not split: already a device-only compile'],
    ];
    const whole = join(dir, 'whole');
    mkdirSync(whole);
    for (const [args, reason] of cases) {
      const { records, status } = compile(whole, env, args, 'w.o');
      expect(status).toBe(0);
      expect(records).toHaveLength(1);
      expect(records[0]!.route).toBe('cache');
      expect(records[0]!.reason + JSON.stringify(records[0])).toContain(reason);
    }
  });

  it('a source that fails in a part: the whole call runs uncached, its diagnostics once, its exit status, nothing left behind', () => {
    const bad = join(dir, 'bad.hip');
    writeFileSync(bad, '#include <hip/hip_runtime.h>\n__global__ void k(int* p) { *p = undeclared_name; }\n');
    const log = join(dir, 'calls.jsonl');
    writeFileSync(log, '');
    const r = runLauncher([tools.clangxx, ...hip, ...archs('gfx90a', 'gfx1030'), '-c', 'bad.hip', '-o', 'bad.o'], { env: { ...env, HIP_CLANG_LAUNCHER_LOG: log }, cwd: dir });
    const direct = run(tools.clangxx, [...hip, ...archs('gfx90a', 'gfx1030'), '-c', 'bad.hip', '-o', 'bad.o'], { cwd: dir });
    expect(r.status).toBe(direct.status);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(direct.stderr);
    const records = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CallRecord);
    const inner = records.find((x) => x.route === 'direct')!;
    expect(inner.reason).toMatch(/^split failed \(part device gfx90a exited 1\): the whole call ran uncached/);
    expectNothingLeft(dir, tmp);
  });
});

describe('per-arch split, clang-15 + sccache 0.10', () => {
  let dir: string;
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let cacheEnv: Record<string, string>;
  beforeAll(() => {
    ({ dir, tmp, cacheEnv, env } = workspace('sccache', tools.sccacheHip, (d) => sccacheEnv(d, freePort())));
  });
  afterAll(() => stopSccache(tools.sccacheHip, cacheEnv));
  const stats = () => {
    const s = sccacheStats(tools.sccacheHip, cacheEnv);
    return { hits: s.hits, misses: s.misses };
  };

  // clang-15 drops -cuid from a host-only compile, and sccache passes the
  // -Xclang that gives it back through uncached: whole here (split with
  // clang-21 and sccache 0.17: test/lab/split.test.ts).
  it('-fgpu-rdc stays whole with clang-15: its host-only compile drops the -cuid, and sccache would not cache it given back', () => {
    const rdc = (...list: string[]) => ['-fgpu-rdc', ...archs(...list)];
    const { records } = compile(dir, env, rdc('gfx90a', 'gfx1030'));
    expect(records.map((r) => r.route)).toEqual(['cache']);
    expect(records[0]!.reason).toContain('not split: this clang drops -cuid from a host-only compile, and sccache does not cache the -Xclang that gives it back');
    expect(stats()).toEqual({ hits: 0, misses: 1 });
    expectSameAsOneStep(dir, rdc('gfx90a', 'gfx1030'), records);
    expectNothingLeft(dir, tmp);
  });

  it('by default (HIP_CLANG_LAUNCHER_SPLIT unset) not split: sccache would look up every part at every rebuild', () => {
    const { HIP_CLANG_LAUNCHER_SPLIT: _on, ...unset } = env;
    const { records } = compile(dir, unset, ['-fgpu-rdc', ...archs('gfx90a', 'gfx942')]);
    expect(records.map((r) => r.route)).toEqual(['cache']);
    expect(JSON.stringify(records[0])).toContain('no prefix_command');
  });

  it('without -fgpu-rdc the call stays whole: sccache passes the host part\'s -Xclang through uncached', () => {
    const { records } = compile(dir, env, archs('gfx90a', 'gfx1030'));
    expect(records.map((r) => r.route)).toEqual(['cache']);
    expect(JSON.stringify(records[0])).toContain('sccache cannot cache the host part without -fgpu-rdc');
  });
});

// Issue 20 item 1 through the same planner: `clang++ -o prog main.hip util.cpp`
// runs as one compile per source through the cache, then the link.
describe('compile-and-link split, clang-15 + ccache 4.7', () => {
  let dir: string;
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let cacheEnv: Record<string, string>;
  const main = [
    '#include <hip/hip_runtime.h>',
    '#include <cstdio>',
    'int helper();',
    '__global__ void k(int* p) { *p = 42; }',
    'int main() { std::printf("helper says %d\\n", helper()); int* d = nullptr; if (hipMalloc(&d, 4) == hipSuccess) { hipLaunchKernelGGL(k, dim3(1), dim3(1), 0, 0, d); (void)hipFree(d); } return 0; }',
    '',
  ].join('\n');
  beforeAll(() => {
    ({ dir, tmp, cacheEnv, env } = workspace('link', 'ccache', ccacheOnly));
    writeFileSync(join(dir, 'main.hip'), main);
    writeFileSync(join(dir, 'helper.cpp'), 'int helper() { return 7; }\n');
  });
  const link = (args: string[]) => {
    const log = join(dir, 'calls.jsonl');
    writeFileSync(log, '');
    const r = runLauncher([tools.clangxx, ...args], { env: { ...env, HIP_CLANG_LAUNCHER_LOG: log }, cwd: dir });
    const records = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as CallRecord & { parts?: { cuid?: string }[] });
    return { ...r, records };
  };
  const hipFlags = ['--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`, '--offload-arch=gfx90a', '-O2'];

  it('one HIP source: the program is the one-step build\'s, byte for byte, with the same -cuid; a rebuild is all hits', () => {
    const args = ['-x', 'hip', ...hipFlags, 'main.hip', '-x', 'none', 'helper.o', '-o', 'prog', '-lamdhip64'];
    expect(run(tools.clangxx, ['-O2', '-c', 'helper.cpp', '-o', 'helper.o'], { cwd: dir }).status).toBe(0);
    const before = ccacheStats(cacheEnv);
    const first = link(args);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.records.map((r) => r.route)).toEqual(['split']);
    expect(first.records[0]!.parts!.map((p) => `${p.name}:${p.route}`)).toEqual(['compile main.hip:cache', 'link:not-cacheable']);
    expect(delta(before, ccacheStats(cacheEnv))).toEqual({ hits: 0, misses: 1 });
    const cuid = first.records[0]!.parts![0]!.cuid!;
    expect(cuid).toMatch(/^[0-9a-f]{16}$/);
    const ref = run(tools.clangxx, [...args.map((a) => (a === 'prog' ? 'ref' : a)), `-cuid=${cuid}`], { cwd: dir });
    expect(ref.stderr).toBe('');
    expect(readFileSync(join(dir, 'prog')).equals(readFileSync(join(dir, 'ref'))), 'program equals the one-step build').toBe(true);
    rmSync(join(dir, 'prog'));
    const again = link(args);
    expect(again.status).toBe(0);
    expect(delta(before, ccacheStats(cacheEnv))).toEqual({ hits: 1, misses: 1 });
    expect(readFileSync(join(dir, 'prog')).equals(readFileSync(join(dir, 'ref')))).toBe(true);
    expectNothingLeft(dir, tmp);
  });

  it('a HIP and a C++ source in one call: both compiled through the cache, the program builds and prints what the one-step one prints', () => {
    const args = [...hipFlags, '-x', 'hip', 'main.hip', '-x', 'c++', 'helper.cpp', '-o', 'prog2', '-lamdhip64'];
    const before = ccacheStats(cacheEnv);
    const r = link(args);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.records[0]!.parts!.map((p) => p.name)).toEqual(['compile main.hip', 'compile helper.cpp', 'link']);
    expect(delta(before, ccacheStats(cacheEnv)).misses).toBe(2);
    // One-step clang gives every HIP source the one -cuid it is given: no per-source ids to match, so the programs' symbols compare.
    expect(run(tools.clangxx, [...args.map((a) => (a === 'prog2' ? 'ref2' : a))], { cwd: dir }).status).toBe(0);
    const nm = (f: string) => run('nm', ['--format=posix', f], { cwd: dir }).stdout.toString().replace(/__hip_cuid_[0-9a-f]+/g, '__hip_cuid_');
    expect(nm('prog2')).toBe(nm('ref2'));
    expectNothingLeft(dir, tmp);
  });

  it('a source that does not compile: the whole call runs uncached, its diagnostics once, its exit status', () => {
    writeFileSync(join(dir, 'bad.cpp'), 'int helper() { return missing; }\n');
    const args = ['-O2', 'bad.cpp', '-o', 'prog3'];
    const r = link(args);
    const direct = run(tools.clangxx, args, { cwd: dir });
    expect(r.status).toBe(direct.status);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toBe(direct.stderr);
    expect(r.records[0]!.route).toBe('direct');
    expect(r.records[0]!.reason).toMatch(/^split failed \(part compile bad.cpp exited 1\)/);
    expectNothingLeft(dir, tmp);
  });

  it('a link of objects only (here one without main: it fails as it does directly), or with -fgpu-rdc, stays one call, straight to the compiler', () => {
    for (const args of [['helper.o', '-o', 'prog4'], ['-fgpu-rdc', '--hip-link', ...hipFlags, '-x', 'hip', 'main.hip', '-o', 'prog5', '-lamdhip64']]) {
      const r = link(args);
      expect(r.status).toBe(run(tools.clangxx, args, { cwd: dir }).status);
      expect(r.records.map((x) => x.route)).toEqual(['not-cacheable']);
    }
  });
});
