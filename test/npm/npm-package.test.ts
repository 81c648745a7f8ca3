import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats, statsSince } from '../helpers/caches.js';
import { cleanEnv, run } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot, tools } from '../helpers/tools.js';

// The npm route, never published: `npm pack`, then `npm install -g` of the
// tarball into a temporary prefix and `npx` of it, with the npm CLI, offline
// (the bundles carry yargs and execa: the package has no dependencies). The
// installed command runs on the user's Node: the machine's Node 20 (no
// process.execve: it spawns and waits) and the Node 24 the tools provide
// (it replaces itself).
describe('the npm package (npm pack, npm install -g, npx)', () => {
  let dir: string;
  let tarball: string;
  let prefix: string;
  let command: string;
  const npmEnv = (extra: Record<string, string> = {}) => cleanEnv({ npm_config_cache: join(dir, 'npm-cache'), npm_config_update_notifier: 'false', ...extra });

  beforeAll(() => {
    dir = makeTempDir('hcl-npm-');
    // --ignore-scripts: the suite's bundles are already built (prepack would rebuild them under the running tests).
    const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repoRoot, env: npmEnv() });
    expect(pack.status, pack.stderr).toBe(0);
    tarball = join(dir, JSON.parse(pack.stdout.toString())[0].filename);
    prefix = join(dir, 'prefix');
    const install = run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { env: npmEnv() });
    expect(install.status, install.stderr).toBe(0);
    command = join(prefix, 'bin', 'hip-clang-launcher');
  }, 300_000);

  it('packs the two bundles, the patches and the README, not the executables', () => {
    const list = run('tar', ['tzf', tarball]).stdout.toString().trim().split('\n').sort();
    expect(list).toEqual(
      [
        'package/README.md',
        'package/build/cli.cjs',
        'package/build/main.cjs',
        'package/package.json',
        ...readdirSync(join(repoRoot, 'patches'), { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => `package/${join(e.parentPath, e.name).slice(repoRoot.length + 1)}`),
      ].sort(),
    );
    const manifest = JSON.parse(run('tar', ['xzfO', tarball, 'package/package.json']).stdout.toString());
    expect(manifest.private).toBeUndefined();
    expect(manifest.bin).toEqual({ 'hip-clang-launcher': 'build/main.cjs' });
    expect(manifest.engines.node).toMatch(/^>=\d+/);
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it('installs as hip-clang-launcher and runs its commands on the machine Node', () => {
    expect(realpathSync(command)).toBe(join(prefix, 'lib/node_modules/hip-clang-launcher/build/main.cjs'));
    const version = run(command, ['--version'], { env: cleanEnv() });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.toString().trim()).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
    const which = run(command, ['which-cache', '--json'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache' }) });
    expect(JSON.parse(which.stdout.toString())).toMatchObject({ 'c/c++': { file: tools.ccache, kind: 'ccache' }, hip: { file: tools.ccache, kind: 'ccache' } });
    // The shim copies the single executable into a ROCm tree: the npm package has none, and says so.
    const install = run(command, ['install', join(dir, 'nowhere')], { env: cleanEnv() });
    expect(install.status).toBe(2);
    expect(install.stderr).toMatch(/^hip-clang-launcher: error: install copies the running executable .*single executable.*\n$/);
  });

  it('compiles real HIP through ccache twice: a miss, then a hit with the same bytes', () => {
    const env = cleanEnv({ ...ccacheEnv(dir), HIP_CLANG_LAUNCHER_CACHE: 'ccache' });
    const hip = join(repoRoot, 'test/fixtures/hip/saxpy.hip');
    // A clean rebuild of one object (each output is its own cache entry under the launcher's -cuid).
    let first = { hits: 0, misses: 0 };
    for (const copy of ['a.o', 'b.o']) {
      rmSync(join(dir, 'k.o'), { force: true });
      const r = run(command, [tools.clangxx, '-x', 'hip', '--offload-arch=gfx90a', '--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`, '-O2', '-c', hip, '-o', 'k.o'], { cwd: dir, env });
      expect(r.status, r.stderr).toBe(0);
      copyFileSync(join(dir, 'k.o'), join(dir, copy));
      if (copy === 'a.o') first = ccacheStats(ccacheEnv(dir));
    }
    // A miss (split per arch by default: its parts missed too), then one hit.
    expect(first.hits).toBe(0);
    expect(first.misses).toBeGreaterThanOrEqual(1);
    expect(statsSince(first, ccacheStats(ccacheEnv(dir)))).toEqual({ hits: 1, misses: 0 });
    expect(readFileSync(join(dir, 'b.o')).equals(readFileSync(join(dir, 'a.o')))).toBe(true);
  });

  // A compiler that tells who its parent is: the launcher (spawned and
  // waiting) or whoever started the launcher (it was replaced by execve).
  const parentOfCompiler = (path: string) => {
    const compiler = join(dir, 'who-is-my-parent');
    writeFileSync(compiler, '#!/bin/sh\nprintf "%s\\n" "$PPID"\ntr "\\0" " " < /proc/$PPID/cmdline\n');
    chmodSync(compiler, 0o755);
    const r = run(command, [compiler, '-c', 'x.c'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', PATH: path }) });
    expect(r.status, r.stderr).toBe(0);
    const [ppid, cmdline] = r.stdout.toString().split('\n');
    return { ppid: Number(ppid), cmdline: cmdline ?? '' };
  };

  it('on Node 20 (no process.execve) it spawns the compiler and waits', () => {
    const node = spawnSync('node', ['-p', 'process.version + " " + typeof process.execve'], { encoding: 'utf8', env: cleanEnv() }).stdout.trim();
    expect(node).toMatch(/^v20\.\d+\.\d+ undefined$/);
    const parent = parentOfCompiler(process.env.PATH ?? '');
    expect(parent.ppid).not.toBe(process.pid);
    expect(parent.cmdline).toContain('hip-clang-launcher');
  });

  it('on Node 24 (process.execve) it replaces itself with the compiler', () => {
    const parent = parentOfCompiler(`${dirname(tools.node24)}:${process.env.PATH ?? ''}`);
    expect(parent.ppid).toBe(process.pid);
  });

  it('runs through npx from the tarball, offline', () => {
    const r = run('npx', ['--yes', '--offline', '--package', tarball, 'hip-clang-launcher', '--version'], { cwd: dir, env: npmEnv() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString().trim()).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
  });
});
