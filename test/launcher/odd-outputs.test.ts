import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, sccacheEnv, stopSccache } from '../helpers/caches.js';
import { freePort } from '../helpers/ports.js';
import { cleanEnv, run, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';

// Outputs that are not regular files, and split DWARF for HIP: bare caches
// leave a stale or empty object (exit 0), write a file named "-", fail, or
// hang. Through the launcher each such call compiles directly and gives what
// the bare compiler gives; the next ordinary compile is right too.

const HIP = ['-x', 'hip', '--offload-arch=gfx90a', '--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`];
const languages = [
  { name: 'C', compiler: tools.clang, args: ['-x', 'c'], source: 'k.c' },
  { name: 'C++', compiler: tools.clangxx, args: [], source: 'k.cpp' },
  { name: 'HIP', compiler: tools.clangxx, args: HIP, source: 'saxpy.hip' },
  { name: 'HIP host-only', compiler: tools.clangxx, args: [...HIP, '--offload-host-only'], source: 'saxpy.hip' },
] as const;

describe('outputs that are not regular files never reach a cache (built executable)', () => {
  let dir: string;
  let port: number;
  const caches = () => [
    { name: 'ccache', env: { HIP_CLANG_LAUNCHER_CACHE: 'ccache', ...ccacheEnv(join(dir, 'cc')) } },
    { name: 'sccache 0.10', env: { HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip, ...sccacheEnv(join(dir, 'sc'), port) } },
  ];
  beforeAll(async () => {
    dir = makeTempDir('hcl-odd-outputs-');
    port = await freePort();
    writeFileSync(join(dir, 'k.c'), 'int triple(int x) { return 3 * x; }\n');
    writeFileSync(join(dir, 'k.cpp'), 'template <class T> T twice(T x) { return x + x; }\nint use(int x) { return twice(x); }\n');
    copyFileSync(join(repoRoot, 'test/fixtures/hip/saxpy.hip'), join(dir, 'saxpy.hip'));
  });
  afterAll(() => stopSccache(tools.sccacheHip, sccacheEnv(join(dir, 'sc'), port)));

  const envFor = (cache: Record<string, string>, log: string) =>
    cleanEnv({ ...cache, HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), XDG_CACHE_HOME: join(dir, 'xdg'), HIP_CLANG_LAUNCHER_LOG: log });
  const uncached = (compiler: string, args: string[], out: string) => {
    const r = run(compiler, [...args, '-o', out], { cwd: dir });
    expect(r.status).toBe(0);
    return readFileSync(join(dir, out));
  };

  for (const lang of languages) {
    it(`${lang.name}: -o /dev/null, then -o k.o, then -o - (cold and warm), through ccache and sccache`, () => {
      // An explicit -cuid makes a HIP object comparable with the uncached one.
      const args = [...lang.args, '-O1', '-c', lang.source, ...(lang.args.length > 2 ? ['-cuid=0123456789abcdef'] : [])];
      const reference = uncached(lang.compiler, args, 'ref.o');
      for (const cache of caches()) {
        const log = join(dir, `${cache.name}-${lang.name}.jsonl`.replace(/[^\w.-]/g, '_'));
        const env = envFor(cache.env, log);
        for (const round of [1, 2]) {
          const nul = runLauncher([lang.compiler, ...args, '-o', '/dev/null'], { env, cwd: dir, timeout: 60_000 });
          expect({ round, status: nul.status, stderr: nul.stderr }).toEqual({ round, status: 0, stderr: '' });
          rmSync(join(dir, 'k.o'), { force: true });
          const real = runLauncher([lang.compiler, ...args, '-o', 'k.o'], { env, cwd: dir, timeout: 60_000 });
          expect({ round, status: real.status, stderr: real.stderr }).toEqual({ round, status: 0, stderr: '' });
          expect(readFileSync(join(dir, 'k.o')).equals(reference), `${cache.name} round ${round}: k.o is the uncached object`).toBe(true);
          const dash = runLauncher([lang.compiler, ...args, '-o', '-'], { env, cwd: dir, timeout: 60_000 });
          expect({ round, status: dash.status, stderr: dash.stderr }).toEqual({ round, status: 0, stderr: '' });
          expect(dash.stdout.equals(reference), `${cache.name} round ${round}: -o - writes the object to stdout`).toBe(true);
          expect(existsSync(join(dir, '-')), 'no file named "-"').toBe(false);
        }
      }
      for (const cache of caches()) {
        const log = join(dir, `${cache.name}-${lang.name}.jsonl`.replace(/[^\w.-]/g, '_'));
        // ccache's run of the launcher to split a HIP k.o that missed (on by default) logs a `split` record of its own; the calls made are the rest.
        const routes = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { route: string; rules: { rule: string }[] }).filter((r) => r.route !== 'split');
        // /dev/null and - go direct, k.o through the cache: 2 rounds x 3 calls.
        expect(routes.map((r) => r.route)).toEqual(['direct', 'cache', 'direct', 'direct', 'cache', 'direct']);
        expect(routes[0]!.rules.map((r) => r.rule)).toContain('mishandled-shape');
      }
    }, 240_000);
  }

  let bareDwos: string[] | undefined;
  for (const cacheName of ['ccache', 'sccache 0.10']) {
    it(`${cacheName}: -MD -MF /dev/stdout into a pipe finishes and prints the dependencies, cold and warm`, () => {
      const cache = caches().find((c) => c.name === cacheName)!;
      const env = envFor(cache.env, join(dir, `mf-${cacheName}.jsonl`.replace(/\s/g, '_')));
      for (const round of [1, 2]) {
        rmSync(join(dir, 'mf.o'), { force: true });
        // A real pipe (Node's own stdio pipes are sockets, which /dev/stdout cannot be opened on), as a shell pipeline has it.
        const r = spawnSync('bash', ['-c', 'set -o pipefail; "$@" | cat', 'bash', built.linux, tools.clangxx, '-c', 'k.cpp', '-MD', '-MF', '/dev/stdout', '-o', 'mf.o'], {
          env,
          cwd: dir,
          timeout: 60_000,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        expect({ round, status: r.status, signal: r.signal, stderr: r.stderr.toString() }).toEqual({ round, status: 0, signal: null, stderr: '' });
        expect(r.stdout.toString()).toMatch(/^mf\.o: k\.cpp/);
        expect(existsSync(join(dir, 'mf.o'))).toBe(true);
      }
    }, 180_000);

    it(`${cacheName}: a warm -gsplit-dwarf HIP compile writes every .dwo the compiler writes`, () => {
      const cache = caches().find((c) => c.name === cacheName)!;
      const work = makeTempDir('hcl-split-dwarf-');
      copyFileSync(join(dir, 'saxpy.hip'), join(work, 'saxpy.hip'));
      const args = [tools.clangxx, ...HIP, '-g', '-gsplit-dwarf', '-c', 'saxpy.hip', '-o', 'h.o'];
      const dwos = () => readdirSync(work).filter((f) => f.endsWith('.dwo')).sort();
      // What the bare compiler writes (the same names in any directory): compiled once, for both caches.
      if (!bareDwos) {
        const bare = run(args[0]!, args.slice(1), { cwd: work });
        expect(bare.status).toBe(0);
        bareDwos = dwos();
      }
      const expected = bareDwos;
      expect(expected.length).toBeGreaterThan(1);
      const env = envFor(cache.env, join(work, 'log.jsonl'));
      for (const round of [1, 2]) {
        for (const f of [...dwos(), 'h.o']) rmSync(join(work, f), { force: true });
        const r = runLauncher(args, { env, cwd: work, timeout: 60_000 });
        expect({ round, status: r.status, stderr: r.stderr }).toEqual({ round, status: 0, stderr: '' });
        expect({ round, dwos: dwos() }).toEqual({ round, dwos: expected });
      }
    }, 180_000);
  }
});
