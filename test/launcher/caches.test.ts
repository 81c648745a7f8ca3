import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats, loggedCuids, sccacheEnv, sccacheStats, stopSccache } from '../helpers/caches.js';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot, tools } from '../helpers/tools.js';

// Real compiles through the built launcher into real caches, read back through
// the caches' own statistics. The HIP compile is CMake's native HIP route:
// clang++ -x hip --offload-arch=gfx90a, no hipcc.
const hipSource = join(repoRoot, 'test/fixtures/hip/saxpy.hip');
const cppSource = join(repoRoot, 'test/fixtures/plain.cpp');
const hipArgs = (out: string) => ['-x', 'hip', '--offload-arch=gfx90a', '--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`, '-O2', '-c', hipSource, '-o', out];
const cppArgs = (out: string) => ['-O2', '-c', cppSource, '-o', out];

// Builds `tag`.o twice through the launcher (a clean rebuild: same output),
// then compares it with a direct, uncached compile. For HIP the launcher adds
// a per-object -cuid (the log says which), so the uncached reference gets the
// same one: clang then writes the same bytes whatever the -o.
function compileTwiceMatching(dir: string, env: NodeJS.ProcessEnv, argsFor: (out: string) => string[], tag: string, stderr = ''): void {
  const out = join(dir, `${tag}.o`);
  const log = join(dir, `${tag}.log`);
  for (const n of [1, 2]) {
    rmSync(out, { force: true });
    const r = runLauncher([tools.clangxx, ...argsFor(out)], { env: { ...env, HIP_CLANG_LAUNCHER_LOG: log }, cwd: dir });
    expect(r.stderr).toBe(stderr);
    expect(r.status).toBe(0);
  }
  const cuids = loggedCuids(log);
  expect(cuids[0]).toBe(cuids[1]);
  const reference = compileUncached(dir, [...argsFor(join(dir, `${tag}-ref.o`)), ...(cuids[0] ? [`-cuid=${cuids[0]}`] : [])]);
  expect(readFileSync(out).equals(reference)).toBe(true);
}

function compileUncached(dir: string, args: string[]): Buffer {
  const r = runLauncher([tools.clangxx, ...args], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' }), cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return readFileSync(args[args.indexOf('-o') + 1]!);
}

describe('ccache (Debian 4.7) through the built launcher', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    dir = makeTempDir('hcl-ccache-');
    env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', ...ccacheEnv(dir) });
  });

  for (const [lang, argsFor] of [['HIP', hipArgs], ['C++', cppArgs]] as const) {
    it(`caches real ${lang}: a clean rebuild is a hit in ccache's statistics, same object as uncached`, () => {
      const before = ccacheStats(env as Record<string, string>);
      compileTwiceMatching(dir, env, argsFor, lang);
      const after = ccacheStats(env as Record<string, string>);
      // The first compile missed (a HIP one split per arch by default: its parts missed too), the rebuild hit once.
      expect(after.misses - before.misses).toBe(lang === 'HIP' ? 3 : 1);
      expect(after.hits - before.hits).toBe(1);
    });
  }

  it('passes a compiler error and its exit code through the cache', () => {
    const bad = join(dir, 'bad.cpp');
    writeFileSync(bad, 'int f() { return undefined_name; }\n');
    const r = runLauncher([tools.clangxx, '-c', bad, '-o', join(dir, 'bad.o')], { env, cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("use of undeclared identifier 'undefined_name'");
  });
});

describe('sccache through the built launcher', () => {
  let dir: string;
  const servers: Array<[string, Record<string, string>]> = [];
  beforeAll(() => {
    dir = makeTempDir('hcl-sccache-');
  });
  afterAll(() => {
    for (const [bin, env] of servers) stopSccache(bin, env);
  });

  it("Debian 12's sccache 0.4 passes HIP through uncached (it cannot cache HIP) and caches C++", () => {
    const cacheEnv = sccacheEnv(join(dir, 'debian'), 4391);
    servers.push([tools.sccacheDebian, cacheEnv]);
    const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: tools.sccacheDebian, ...cacheEnv });
    // Chosen explicitly, it is obeyed, with one line saying it will not cache HIP.
    const warning = `hip-clang-launcher: warning: ${tools.sccacheDebian} (sccache 0.4.0) cannot cache HIP: this compile runs uncached through it; install sccache 0.8+ or use ccache\n`;
    compileTwiceMatching(dir, env, hipArgs, 'hip-04', warning);
    const afterHip = sccacheStats(tools.sccacheDebian, cacheEnv);
    expect(afterHip.hits).toBe(0);
    expect(afterHip.notCacheable).toBe(2);
    expect(afterHip.notCachedReasons).toEqual({ '-x': 2 });

    compileTwiceMatching(dir, env, cppArgs, 'cpp-04');
    const afterCpp = sccacheStats(tools.sccacheDebian, cacheEnv);
    expect(afterCpp.misses).toBe(1);
    expect(afterCpp.hits).toBe(1);
  });

  it("Debian 13's sccache 0.10 caches HIP: a hit on the second compile, same object", () => {
    const cacheEnv = sccacheEnv(join(dir, 'hip'), 4392);
    servers.push([tools.sccacheHip, cacheEnv]);
    const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip, ...cacheEnv });
    compileTwiceMatching(dir, env, hipArgs, 'hip-10');
    const stats = sccacheStats(tools.sccacheHip, cacheEnv);
    expect(stats.misses).toBe(1);
    expect(stats.hits).toBe(1);
  });
});
