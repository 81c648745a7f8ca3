import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats, sccacheEnv, sccacheStats, statsSince, stopSccache } from '../helpers/caches.js';
import { run } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, tools } from '../helpers/tools.js';
import { buildHipcc, hipccEnv, kernelSource } from './hipcc-builds.js';

// Real hipcc 7.0.2, unpatched, with our backport and with upstream's form (test
// fixture, with and without the Windows quoting fix), compiling a kernel plus
// host code with Debian's clang-15 and device libraries, through the built
// launcher into real caches. Every compile runs in one directory with the
// same relative source, so objects compare byte for byte.
const CLANGXX = '/usr/lib/llvm-15/bin/clang++';
const SCCACHE_PORT = 4431;

describe('patched hipcc 7.0.2 + HIP_CLANG_LAUNCHER on real clang', () => {
  let dir: string;
  let unpatched: string;
  let patched: string;
  let reference: Buffer;
  let sccacheServer: Record<string, string> | undefined;

  const compile = (hipcc: string, out: string, env: NodeJS.ProcessEnv, args = ['-c']) => {
    // Each compile is a clean rebuild of `out` (the launcher's -cuid makes every output its own cache entry).
    rmSync(join(dir, out), { force: true });
    const r = run(hipcc, ['--offload-arch=gfx90a', ...args, 'k.hip', '-o', out], { cwd: dir, env });
    return { ...r, stdout: r.stdout.toString('utf8'), object: existsSync(join(dir, out)) ? readFileSync(join(dir, out)) : undefined };
  };
  const probeCalls = (file: string) =>
    readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { compiler: string; args: string[] });

  beforeAll(() => {
    unpatched = buildHipcc('unpatched');
    patched = buildHipcc('patched');
    dir = makeTempDir('hcl-hipcc-');
    copyFileSync(kernelSource, join(dir, 'k.hip'));
    const ref = compile(unpatched, 'ref.o', hipccEnv());
    expect(ref.stderr).toBe('');
    expect(ref.status).toBe(0);
    reference = ref.object!;
  });
  afterAll(() => {
    if (sccacheServer) stopSccache(tools.sccacheHip, sccacheServer);
  });

  it('ccache: the launcher gets clang++ as its first argument, the 2nd compile is a hit, the object is identical', () => {
    const probe = join(dir, 'ccache-probe.jsonl');
    const cache = ccacheEnv(join(dir, 'cc'));
    const env = hipccEnv({ HIP_CLANG_LAUNCHER: built.linux, HIP_CLANG_LAUNCHER_CACHE: tools.ccache, HIP_CLANG_LAUNCHER_PROBE: probe, ...cache });
    let first = { hits: 0, misses: 0 };
    for (const n of [1, 2]) {
      const r = compile(patched, 'cc.o', env);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.object!.equals(reference)).toBe(true);
      if (n === 1) first = ccacheStats(cache);
    }
    const calls = probeCalls(probe);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.compiler).toBe(CLANGXX);
      expect(call.args).toEqual(expect.arrayContaining(['--offload-arch=gfx90a', '-c', '-x', 'hip', 'k.hip', '-o']));
    }
    // The 1st compile missed (split per arch by default: its parts too), the 2nd is one hit.
    expect(first.hits).toBe(0);
    expect(first.misses).toBeGreaterThanOrEqual(1);
    expect(statsSince(first, ccacheStats(cache))).toEqual({ hits: 1, misses: 0 });
  });

  it('sccache 0.10 (HIP-capable): a hit on the 2nd compile, object identical', () => {
    sccacheServer = sccacheEnv(join(dir, 'sc'), SCCACHE_PORT);
    const env = hipccEnv({ HIP_CLANG_LAUNCHER: built.linux, HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip, ...sccacheServer });
    for (const n of [1, 2]) {
      const r = compile(patched, 'sc.o', env);
      expect(r.status).toBe(0);
      expect(r.object!.equals(reference)).toBe(true);
    }
    const stats = sccacheStats(tools.sccacheHip, sccacheServer);
    expect(stats.misses).toBe(1);
    expect(stats.hits).toBe(1);
  });

  it('variable unset or empty: the same HIPCC_VERBOSE=1 command as unpatched hipcc, and the same object', () => {
    const plain = compile(unpatched, 'v.o', hipccEnv({ HIPCC_VERBOSE: '1' }));
    expect(plain.status).toBe(0);
    expect(plain.stdout).toMatch(/^hipcc-cmd: \/usr\/lib\/llvm-15\/bin\/clang\+\+ /);
    for (const value of [undefined, '']) {
      const r = compile(patched, 'v.o', hipccEnv({ HIPCC_VERBOSE: '1', HIP_CLANG_LAUNCHER: value }));
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(plain.stdout);
      expect(r.object!.equals(reference)).toBe(true);
    }
  });

  it('shows HIP_CLANG_LAUNCHER with the other HIP variables (HIPCC_VERBOSE=2) and runs upstream\'s Linux command', () => {
    const r = compile(patched, 'show.o', hipccEnv({ HIPCC_VERBOSE: '3', HIP_CLANG_LAUNCHER: built.linux, HIP_CLANG_LAUNCHER_CACHE: 'none' }));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^HIP_CLANG_PATH=\/usr\/lib\/llvm-15\/bin\nHIP_CLANG_LAUNCHER=.*\/hip-clang-launcher\n/m);
    expect(r.stdout).toContain(`hipcc-cmd: "${built.linux}" "${CLANGXX}" `);
  });

  it("Linux runs the same command with upstream's form, upstream plus the Windows fix, and our backport", () => {
    const env = hipccEnv({ HIPCC_VERBOSE: '1', HIP_CLANG_LAUNCHER: built.linux, HIP_CLANG_LAUNCHER_CACHE: 'none' });
    const [upstream, fixed, backport] = [buildHipcc('upstream'), buildHipcc('upstream-fixed'), patched].map((h) => compile(h, 'same.o', env));
    expect(upstream!.status).toBe(0);
    expect(upstream!.stdout).toContain(`hipcc-cmd: "${built.linux}" "${CLANGXX}" `);
    expect(fixed!.stdout).toBe(upstream!.stdout);
    expect(backport!.stdout).toBe(upstream!.stdout);
    for (const r of [upstream, fixed, backport]) expect(r!.object!.equals(reference)).toBe(true);
  });

  it('a launcher path with spaces works', () => {
    const spaced = join(dir, 'tools with spaces', 'hip clang launcher');
    mkdirSync(spaced, { recursive: true });
    symlinkSync(built.linux, join(spaced, 'hip-clang-launcher'));
    const probe = join(dir, 'spaced-probe.jsonl');
    const env = hipccEnv({ HIP_CLANG_LAUNCHER: join(spaced, 'hip-clang-launcher'), HIP_CLANG_LAUNCHER_CACHE: 'none', HIP_CLANG_LAUNCHER_PROBE: probe });
    const r = compile(patched, 'spaced.o', env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.object!.equals(reference)).toBe(true);
    expect(probeCalls(probe).map((c) => c.compiler)).toEqual([CLANGXX]);
  });

  // "Promptly" counted, not timed (a busy machine must not fail this): hipcc
  // runs one command, the missing launcher, and gives up (no retry, no compile
  // without it). A hang fails by the test's timeout.
  it('a launcher that does not exist makes hipcc fail promptly (its one command, then non-zero), with no object', () => {
    const missing = join(dir, 'no such dir', 'launcher');
    const r = compile(patched, 'missing.o', hipccEnv({ HIP_CLANG_LAUNCHER: missing, HIPCC_VERBOSE: '1' }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('not found');
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('hipcc-cmd: '));
    expect(commands).toHaveLength(1);
    expect(commands[0]).toContain(`hipcc-cmd: "${missing}" "${CLANGXX}" `);
    expect(r.object).toBeUndefined();
  });

  it('a full link through the launcher and ccache gives a working program', () => {
    const probe = join(dir, 'link-probe.jsonl');
    const env = hipccEnv({ HIP_CLANG_LAUNCHER: built.linux, HIP_CLANG_LAUNCHER_CACHE: tools.ccache, HIP_CLANG_LAUNCHER_PROBE: probe, ...ccacheEnv(join(dir, 'cc-link')) });
    const r = compile(patched, 'app', env, []);
    expect(r.status).toBe(0);
    expect(probeCalls(probe)[0]!.args).toContain('--hip-link');
    const app = run(join(dir, 'app'), [], { cwd: dir });
    expect(app.status).toBe(0);
    expect(app.stdout.toString('utf8')).toBe('kernel-and-main ran, kernel present\n');
  });
});
