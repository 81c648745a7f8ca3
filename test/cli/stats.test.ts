import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats, sccacheEnv, stopSccache } from '../helpers/caches.js';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';

const UNITS = 32;
const hipFlags = ['-x', 'hip', '--offload-arch=gfx90a', '--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`, '-O1'];

// `stats` on the log of a real 32-way parallel HIP build (make -j32 over 32
// translation units, clang-15 through the built launcher and ccache, built
// twice), with the other routes and a failing compile mixed in.
describe('stats on a real parallel build (built executable)', () => {
  let dir: string;
  let log: string;
  let env: NodeJS.ProcessEnv;
  let makeStatus: number[];

  beforeAll(() => {
    dir = makeTempDir('hcl-stats-');
    log = join(dir, 'calls.jsonl');
    const saxpy = readFileSync(join(repoRoot, 'test/fixtures/hip/saxpy.hip'), 'utf8');
    mkdirSync(join(dir, 'src'));
    for (let i = 0; i < UNITS; i++) writeFileSync(join(dir, 'src', `unit${i}.hip`), `${saxpy}\n// unit ${i}\n`);
    writeFileSync(join(dir, 'broken.hip'), '__global__ void k() { this is not HIP }\n');
    writeFileSync(
      join(dir, 'Makefile'),
      [
        'OBJS := $(patsubst src/%.hip,obj/%.o,$(wildcard src/*.hip))',
        'all: $(OBJS)',
        'obj/%.o: src/%.hip',
        `\t@$(LAUNCHER) ${tools.clangxx} ${hipFlags.join(' ')} -c $< -o $@`,
        '',
      ].join('\n'),
    );
    mkdirSync(join(dir, 'obj'));
    // Whole calls: these counts are one record and one lookup per compile (the split, on by
    // default, adds a record and a lookup per part; its own statistics are tested with it).
    env = cleanEnv({ ...ccacheEnv(dir), HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_SPLIT: 'off', HIP_CLANG_LAUNCHER_LOG: log });
    makeStatus = [];
    for (let build = 0; build < 2; build++) {
      spawnSync('rm', ['-rf', join(dir, 'obj')]);
      mkdirSync(join(dir, 'obj'));
      makeStatus.push(spawnSync('make', ['-j32', '-s', `LAUNCHER=${built.linux}`], { cwd: dir, env, stdio: 'ignore' }).status ?? -1);
    }
    // The other routes, each once: a probe, a preprocessing call, a bypass, and a compile that fails.
    runLauncher([tools.clangxx, '--version'], { env, cwd: dir });
    runLauncher([tools.clangxx, ...hipFlags, '-E', 'src/unit0.hip', '-o', 'unit0.i'], { env, cwd: dir });
    runLauncher([tools.clangxx, ...hipFlags, '-c', 'src/unit1.hip', '-o', 'bypass.o'], { env: { ...env, HIP_CLANG_LAUNCHER_BYPASS: '1' }, cwd: dir });
    runLauncher([tools.clangxx, ...hipFlags, '-c', 'broken.hip', '-o', 'broken.o'], { env, cwd: dir });
  }, 900_000);

  const stats = (args: string[], extraEnv: Record<string, string> = {}) => runLauncher(['stats', ...args], { env: { ...env, ...extraEnv }, cwd: dir });

  it('counts every call of both builds, by route, with whole lines only', () => {
    expect(makeStatus).toEqual([0, 0]);
    const r = stats(['--json']);
    expect(r.status, r.stderr).toBe(0);
    const { log: used, calls } = JSON.parse(r.stdout.toString());
    expect(used).toBe(log);
    expect(calls.malformedLines).toBe(0);
    expect(calls.calls).toBe(2 * UNITS + 4);
    expect(calls.routes).toEqual({ cache: 2 * UNITS + 1, 'cache-unavailable': 0, probe: 1, 'not-cacheable': 1, 'no-cache': 0, bypass: 1, nested: 0 });
    expect(calls.compilers).toEqual({ [tools.clangxx]: 2 * UNITS + 4 });
    expect(calls.caches).toEqual({ [tools.ccache]: 2 * UNITS + 1 });
    expect(calls.failures).toEqual({ calls: 1, byExitCode: { 1: 1 }, bySignal: {}, byRoute: { cache: 1 } });
  });

  it("gives the launcher's own time per call, and the cache's statistics as numbers that match the log", () => {
    const { calls, caches } = JSON.parse(stats(['--json']).stdout.toString());
    expect(caches).toHaveLength(1);
    const [cache] = caches;
    expect(calls.launcherMs.calls).toBe(2 * UNITS + 4);
    expect(calls.launcherMs.median).toBeGreaterThan(0);
    expect(calls.launcherMs.max).toBeLessThanOrEqual(calls.durationMs.max + 60_000);
    expect(calls.durationMs.calls).toBe(2 * UNITS + 4);
    expect(cache).toMatchObject({ kind: 'ccache', file: tools.ccache, version: expect.stringMatching(/^4\.\d+/), hits: UNITS, misses: UNITS, hitRate: 0.5 });
    // The failing compile and the -E call are ccache's own "uncacheable" counters; the bypass never reached it.
    expect(cache.counters.compile_failed).toBe(1);
    expect(cache.notCacheable).toBeGreaterThanOrEqual(1);
    expect(ccacheStats(ccacheEnv(dir))).toEqual({ hits: UNITS, misses: UNITS });
  });

  it('prints the same as text: routes with what each means, failures, times, the cache', () => {
    const r = stats([]);
    expect(r.status, r.stderr).toBe(0);
    const text = r.stdout.toString();
    expect(text).toContain(`call log: ${log} (${2 * UNITS + 4} call(s), `);
    expect(text).toMatch(new RegExp(`^  cache +${2 * UNITS + 1} +9\\d\\.\\d% +through the cache$`, 'm'));
    expect(text).toMatch(/^ {2}cache-unavailable +0 +0\.0% +the cache could not be started/m);
    expect(text).toMatch(/^failures: 1 \(exit 1: 1; by route: cache 1\)$/m);
    expect(text).toMatch(/^launcher time per call: median [\d.]+ ms, p90 [\d.]+ ms, max [\d.]+ ms \(68 call\(s\)\)$/m);
    expect(text).toMatch(new RegExp(`^cache: ccache 4\\.[\\d.]+ \\(${tools.ccache}\\)\\n  hits ${UNITS}, misses ${UNITS}, hit rate 50\\.0%`, 'm'));
    expect(r.stderr).toBe('');
  });

  // Debian 12 as provisioned: auto mode would send C/C++ to /usr/bin/sccache
  // 0.4, which had none of these calls; the counters shown are the cache's
  // the log names.
  it('reads the counters of the cache the logged calls used, not of the one a C/C++ compile would use now', () => {
    const { HIP_CLANG_LAUNCHER_CACHE: _setting, ...auto } = env;
    const r = runLauncher(['stats', '--json'], { env: { ...auto, PATH: `/usr/bin:/bin` }, cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const { caches } = JSON.parse(r.stdout.toString());
    expect(caches.map((c: { kind: string; file: string }) => `${c.kind} ${c.file}`)).toEqual([`ccache ${tools.ccache}`]);
    expect(caches[0]).toMatchObject({ hits: UNITS, misses: UNITS });
  });

  it('--log overrides the environment; no log at all still shows the cache', () => {
    const copy = join(dir, 'copy.jsonl');
    writeFileSync(copy, readFileSync(log, 'utf8').split('\n').slice(0, 3).join('\n'));
    const r = stats(['--json', '--log', copy]);
    expect(JSON.parse(r.stdout.toString()).calls.calls).toBe(3);
    const none = runLauncher(['stats'], { env: { ...env, HIP_CLANG_LAUNCHER_LOG: '' }, cwd: dir });
    expect(none.status).toBe(0);
    expect(none.stdout.toString()).toMatch(/^call log: none \(set HIP_CLANG_LAUNCHER_LOG=<file> for a build, or pass --log <file>\)\ncache: ccache /);
  });
});

// The log is a file anyone could have planted: opened without following links, regular files only.
describe('stats on a hostile or missing log', () => {
  const dir = makeTempDir('hcl-stats-hostile-');
  const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' });
  const stats = (log: string) => runLauncher(['stats', '--log', log], { env, timeout: 20_000 });
  const oneLine = (text: string) => text.trimEnd().split('\n').length === 1;

  it('refuses a symlink, a directory and a FIFO (without blocking) in one line, exit 14', () => {
    const real = join(dir, 'real.jsonl');
    writeFileSync(real, '');
    symlinkSync(real, join(dir, 'link.jsonl'));
    spawnSync('mkfifo', [join(dir, 'fifo')]);
    for (const [file, why] of [
      [join(dir, 'link.jsonl'), 'is a symbolic link, which is not followed'],
      [dir, 'is not a regular file'],
      [join(dir, 'fifo'), 'is not a regular file'],
      [join(dir, 'missing.jsonl'), 'does not exist'],
    ] as const) {
      const r = stats(file);
      expect(r.status, file).toBe(14);
      expect(r.stderr).toContain(`hip-clang-launcher: error: call log ${file} ${why}`);
      expect(oneLine(r.stderr)).toBe(true);
    }
  });

  it('counts and skips lines that are not call records, an overlong one included', () => {
    const log = join(dir, 'mixed.jsonl');
    const good = JSON.stringify({ time: '2026-12-02T10:00:00.000Z', pid: 1, compiler: 'clang', cache: null, route: 'probe', exitCode: 0, signal: null, durationMs: 1, launcherMs: 2 });
    writeFileSync(log, [good, 'garbage', `{"route":"cache","compiler":"${'x'.repeat(2 << 20)}"}`, '\u0000\u0001', good, '{"route":"cache"'].join('\n'));
    const r = runLauncher(['stats', '--json', '--log', log], { env });
    expect(r.status, r.stderr).toBe(0);
    const { calls } = JSON.parse(r.stdout.toString());
    expect(calls).toMatchObject({ calls: 2, malformedLines: 4, routes: { probe: 2 } });
  });
});

// The cache's statistics come from running it (execa, with a deadline): a
// cache that hangs, is killed or cannot start gives one warning line, and the
// log summary is still printed.
describe("stats when the cache's own statistics cannot be had", () => {
  const dir = makeTempDir('hcl-stats-cache-');
  const fakeCache = (name: string, script: string) => {
    const bin = join(dir, name);
    mkdirSync(bin);
    const file = join(bin, 'ccache');
    writeFileSync(file, script);
    chmodSync(file, 0o755);
    return file;
  };
  const run = (cache: string) => runLauncher(['stats', '--timeout', '1'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache }), timeout: 120_000 });

  // Stopped, not waited for: the hanging cache would leave a marker when its
  // sleep ended, and stats returns without it (no bound on elapsed time: a
  // busy machine must not fail this).
  it('a cache that hangs is stopped at the deadline', () => {
    const marker = join(dir, 'hang-ended');
    const r = run(fakeCache('hangs', `#!/bin/sh\nsleep 60\ntouch ${marker}\n`));
    expect(r.status).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(r.stderr).toMatch(/^hip-clang-launcher: warning: no cache statistics: \S+\/hangs\/ccache --version did not finish within 1 s and was stopped; .+\n$/);
    expect(r.stdout.toString()).toMatch(/^call log: none .*\ncache: \S+\/hangs\/ccache: statistics unavailable: .*did not finish within 1 s/);
  });

  it('a cache that is killed says by which signal', () => {
    const r = run(fakeCache('killed', '#!/bin/sh\nkill -KILL $$\n'));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^hip-clang-launcher: warning: no cache statistics: \S+\/killed\/ccache --version was killed by SIGKILL; .+\n$/);
  });

  it('a cache that cannot start (its interpreter is missing) says so', () => {
    const r = run(fakeCache('no-interpreter', '#!/nonexistent/sh\n'));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^hip-clang-launcher: warning: no cache statistics: \S+\/no-interpreter\/ccache --version could not be started: \S+ or the interpreter on its #! line does not exist; .+\n$/);
  });

  it('a cache that fails says how, with its first line of stderr', () => {
    const r = run(fakeCache('fails', '#!/bin/sh\necho "ccache: error: Permission denied" >&2\nexit 1\n'));
    expect(r.stderr).toMatch(/--version exited with 1: ccache: error: Permission denied; /);
  });

  it('an explicitly chosen cache that is missing is reported, not fatal', () => {
    const r = run(join(dir, 'nowhere', 'ccache'));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^hip-clang-launcher: warning: no cache statistics: HIP_CLANG_LAUNCHER_CACHE=\S+ is not an executable file; .+\n$/);
  });
});

// sccache's statistics come from its JSON: the HIP-capable sccache counts a
// HIP miss then a hit; Debian 12's sccache 0.4 cannot cache HIP and says why.
describe('stats with sccache (built executable)', () => {
  const dir = makeTempDir('hcl-stats-sccache-');
  const compileTwice = (sccache: string, env: Record<string, string>) => {
    const full = cleanEnv({ ...env, HIP_CLANG_LAUNCHER_CACHE: sccache });
    // A clean rebuild of one object (each output is its own cache entry under the launcher's -cuid).
    for (let n = 0; n < 2; n++) {
      rmSync(join(dir, 'k.o'), { force: true });
      const r = runLauncher([tools.clangxx, ...hipFlags, '-c', join(repoRoot, 'test/fixtures/hip/saxpy.hip'), '-o', join(dir, 'k.o')], { env: full, cwd: dir });
      expect(r.status, r.stderr).toBe(0);
    }
    const r = runLauncher(['stats', '--json'], { env: full, cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const { caches } = JSON.parse(r.stdout.toString());
    expect(caches).toHaveLength(1);
    return caches[0];
  };

  it('the HIP-capable sccache: one miss, one hit, as numbers', () => {
    const env = sccacheEnv(join(dir, 'hip'), 5100 + (process.pid % 400));
    try {
      const cache = compileTwice(tools.sccacheHip, env);
      expect(cache).toMatchObject({ kind: 'sccache', file: tools.sccacheHip, version: expect.stringMatching(/^0\.\d+/), hits: 1, misses: 1, hitRate: 0.5 });
      expect(cache.counters.compile_requests).toBe(2);
    } finally {
      stopSccache(tools.sccacheHip, env);
    }
  });

  it("Debian 12's sccache 0.4: no hits, both calls not cacheable, and the reason", () => {
    const env = sccacheEnv(join(dir, 'old'), 5600 + (process.pid % 400));
    try {
      const cache = compileTwice(tools.sccacheDebian, env);
      expect(cache).toMatchObject({ kind: 'sccache', version: expect.stringMatching(/^0\.4\./), hits: 0, misses: 0, hitRate: null, notCacheable: 2 });
      expect(Object.values(cache.notCachedReasons)).toEqual([2]);
    } finally {
      stopSccache(tools.sccacheDebian, env);
    }
  });
});
