import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheStats, sccacheEnv, sccacheStats, statsSince, stopSccache } from '../helpers/caches.js';
import { objectsUnder } from '../helpers/hip-objects.js';
import { cmakeHipBuild, debianRocmRoot, hipDeviceFlags, SHARED_MACHINE_CCACHE, writeHipProject } from '../helpers/hip-projects.js';
import { freePort } from '../helpers/ports.js';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, tools } from '../helpers/tools.js';
import { buildHipcc, hipccEnv } from '../patch/hipcc-builds.js';

// Two checkouts of one project at different absolute paths (two CI runners),
// built one after the other into one cache, with HIP_CLANG_LAUNCHER_BASEDIR
// set to the directory above both: the launcher maps it to the cache's own
// base-dir setting, and the second checkout is served from the cache.

function logRules(log: string): string[] {
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .flatMap((line) => (JSON.parse(line).rules as { rule: string; reason: string }[]).map((r) => `${r.rule}: ${r.reason}`));
}

function checkouts(root: string): [string, string] {
  const a = join(root, 'runner-a', 'src', 'proj');
  const b = join(root, 'b', 'proj');
  for (const dir of [a, b]) writeHipProject(dir);
  return [a, b];
}

describe('another checkout hits under HIP_CLANG_LAUNCHER_BASEDIR', () => {
  let root: string;
  let rocmRoot: string;
  beforeAll(() => {
    root = makeTempDir('hcl-checkouts-');
    rocmRoot = debianRocmRoot(root);
  });

  it('which-cache says what the base dir becomes for each cache version', () => {
    const say = (cache: string) => runLauncher(['which-cache'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache }) }).stdout.toString();
    expect(say('ccache')).toContain('base dir: HIP_CLANG_LAUNCHER_BASEDIR -> CCACHE_BASEDIR (one directory)');
    expect(say(tools.sccacheHip)).toContain("base dir: HIP_CLANG_LAUNCHER_BASEDIR: paths under it handed to sccache relative to the working directory, as ccache's base_dir (not SCCACHE_BASEDIRS)");
  });

  it('CMake HIP language + ccache: the second checkout is all hits, and the log names the base dir', () => {
    const dir = join(root, 'cmake-ccache');
    const [a, b] = checkouts(dir);
    const log = join(dir, 'calls.log');
    const env = cleanEnv({
      HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_BASEDIR: dir, HIP_CLANG_LAUNCHER_LOG: log,
      HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), CCACHE_DIR: join(dir, 'ccache'), ...SHARED_MACHINE_CCACHE,
    });
    cmakeHipBuild(a, rocmRoot, env);
    const first = ccacheStats(env as Record<string, string>);
    // Both units missed (with the split on, by default, their parts too).
    expect(first.hits).toBe(0);
    expect(first.misses).toBeGreaterThanOrEqual(2);
    cmakeHipBuild(b, rocmRoot, env);
    expect(statsSince(first, ccacheStats(env as Record<string, string>))).toEqual({ hits: 2, misses: 0 });
    expect(logRules(log)).toContain(`base-dir: CCACHE_BASEDIR=${dir}`);
  });

  // sccache 0.10 has no SCCACHE_BASEDIRS (0.14+), and needs none: the launcher
  // hands it the paths under the base dir relative to the working directory.
  it('CMake HIP language + sccache 0.10: the second checkout is all hits, with the first checkout\'s objects, and the log says the paths went relative', async () => {
    const dir = join(root, 'cmake-sccache');
    const [a, b] = checkouts(dir);
    const log = join(dir, 'calls.log');
    const server = sccacheEnv(dir, await freePort());
    const env = cleanEnv({
      HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip, HIP_CLANG_LAUNCHER_BASEDIR: dir, HIP_CLANG_LAUNCHER_LOG: log,
      HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), ...server,
    });
    try {
      cmakeHipBuild(a, rocmRoot, env);
      cmakeHipBuild(b, rocmRoot, env);
      const stats = sccacheStats(tools.sccacheHip, server);
      expect([stats.hits, stats.misses]).toEqual([2, 2]);
    } finally {
      stopSccache(tools.sccacheHip, server);
    }
    expect(logRules(log)).toContain(`base-dir: 2 paths under ${dir} handed to sccache relative to the working directory, as ccache's base_dir does`);
    const [objectsA, objectsB] = [objectsUnder(a), objectsUnder(b)];
    expect(objectsB.size).toBe(2);
    for (const [name, bytes] of objectsB) expect(bytes.equals(objectsA.get(name)!), name).toBe(true);
  });

  it('hipcc 7.0.2 (patched) + ccache: the second checkout is all hits', () => {
    const hipcc = buildHipcc('patched');
    const dir = join(root, 'hipcc-ccache');
    const [a, b] = checkouts(dir);
    const env = hipccEnv({
      HIP_CLANG_LAUNCHER: built.linux, HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_BASEDIR: dir,
      HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), CCACHE_DIR: join(dir, 'ccache'), ...SHARED_MACHINE_CCACHE,
    });
    let first = { hits: 0, misses: 0 };
    for (const checkout of [a, b]) {
      mkdirSync(join(checkout, 'obj'));
      for (const name of ['saxpy', 'scale']) {
        execFileSync(hipcc, ['--offload-arch=gfx90a', `-I${join(checkout, 'inc')}`, '-O2', '-MD', '-MF', `obj/${name}.d`, '-c', join(checkout, `${name}.hip`), '-o', `obj/${name}.o`], {
          env, cwd: checkout, stdio: 'pipe', timeout: 300_000,
        });
      }
      if (checkout === a) first = ccacheStats(env as Record<string, string>);
    }
    expect(first.hits).toBe(0);
    expect(first.misses).toBeGreaterThanOrEqual(2);
    expect(statsSince(first, ccacheStats(env as Record<string, string>))).toEqual({ hits: 2, misses: 0 });
    for (const name of ['saxpy', 'scale']) {
      expect(readFileSync(join(b, 'obj', `${name}.o`)).equals(readFileSync(join(a, 'obj', `${name}.o`)))).toBe(true);
    }
  });

  // With -g, clang records the working directory (DW_AT_comp_dir). ccache
  // keys it by default (hash_dir), so another checkout misses and its debug
  // info is right. -fdebug-prefix-map=<checkout>=. makes it "." in both, and
  // ccache then hits: a debugger resolves the sources from where it runs.
  it('-g: another checkout misses and keeps its own paths; with -fdebug-prefix-map it hits and the paths are relative', () => {
    const dir = join(root, 'debug');
    const [a, b] = checkouts(dir);
    const compDir = (object: string) => /DW_AT_comp_dir\s*\("([^"]*)"\)/.exec(execFileSync('llvm-dwarfdump-15', ['--debug-info', object], { encoding: 'utf8' }))?.[1];
    const compile = (checkout: string, extra: string[], cacheDir: string) => {
      const env = cleanEnv({
        HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_BASEDIR: dir, HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'),
        CCACHE_DIR: cacheDir, ...SHARED_MACHINE_CCACHE,
      });
      const r = runLauncher([tools.clangxx, '-x', 'hip', '--offload-arch=gfx90a', ...hipDeviceFlags, '-g', ...extra, '-c', join(checkout, 'saxpy.hip'), '-o', 'saxpy.o'], { env, cwd: checkout });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return ccacheStats(env as Record<string, string>);
    };
    let before = compile(a, [], join(dir, 'plain'));
    const plain = statsSince(before, compile(b, [], join(dir, 'plain')));
    // It missed (with the split on, by default, its parts too).
    expect(plain.hits).toBe(0);
    expect(plain.misses).toBeGreaterThanOrEqual(1);
    expect(compDir(join(b, 'saxpy.o'))).toBe(b);
    before = compile(a, [`-fdebug-prefix-map=${a}=.`], join(dir, 'mapped'));
    expect(statsSince(before, compile(b, [`-fdebug-prefix-map=${b}=.`], join(dir, 'mapped')))).toEqual({ hits: 1, misses: 0 });
    expect(compDir(join(b, 'saxpy.o'))).toBe('.');
  });
});
