import { copyFileSync, cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheStats } from '../helpers/caches.js';
import { SHARED_MACHINE_CCACHE } from '../helpers/hip-projects.js';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { replaceKeepingMtime } from '../helpers/upgrade-file.js';
import { repoRoot, tools } from '../helpers/tools.js';

// The toolchain digest covers what the compiler really loads, and never
// stands for files it could not read. Debian's clang-15 loads libLLVM-15.so.1
// from /lib/<triplet> (through ld.so.cache), not from <bin>/../lib; here a
// copy of it is put first on LD_LIBRARY_PATH, where the loader takes it, and
// changed as an upgrade would (new bytes, old mtime).

const source = join(repoRoot, 'test/fixtures/hip/saxpy.hip');
const LIBLLVM = '/lib/x86_64-linux-gnu/libLLVM-15.so.1';


interface LogLine {
  route: string;
  rules: { rule: string; reason: string }[];
}

describe('the toolchain digest (built executable, ccache)', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-toolchain-libs-');
  });

  const setup = (name: string, extra: Record<string, string> = {}) => {
    const work = join(dir, name);
    mkdirSync(work);
    const cache = { CCACHE_DIR: join(work, 'ccache'), ...SHARED_MACHINE_CCACHE };
    const log = join(work, 'log.jsonl');
    // Whole calls: the counts below are one lookup per compile under the toolchain's key
    // (the split, on by default, looks up each part under the same key).
    const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_SPLIT: 'off', HIP_CLANG_LAUNCHER_STATE_DIR: join(work, 'state'), HIP_CLANG_LAUNCHER_LOG: log, ...cache, ...extra });
    let n = 0;
    const compile = (args: string[]) => {
      const r = runLauncher([tools.clangxx, '-x', 'hip', '--offload-arch=gfx90a', '--rocm-path=/usr', ...args, '-O2', '-c', source, '-o', join(work, `k${++n}.o`), '-cuid=0123456789abcdef'], { env, cwd: work });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
      return JSON.parse(lines[lines.length - 1]!) as LogLine;
    };
    return { work, compile, stats: () => ccacheStats(cache) };
  };

  it('a changed libLLVM that the compiler loads (not beside it in <bin>/../lib) misses', () => {
    const libs = join(dir, 'ld-library-path');
    mkdirSync(libs);
    copyFileSync(LIBLLVM, join(libs, 'libLLVM-15.so.1'));
    const { compile, stats } = setup('libllvm', { LD_LIBRARY_PATH: libs });
    expect(compile([`--rocm-device-lib-path=${tools.deviceLibPath}`]).route).toBe('cache');
    expect(compile([`--rocm-device-lib-path=${tools.deviceLibPath}`]).route).toBe('cache');
    expect(stats()).toEqual({ hits: 1, misses: 1 });
    replaceKeepingMtime(join(libs, 'libLLVM-15.so.1'));
    expect(compile([`--rocm-device-lib-path=${tools.deviceLibPath}`]).route).toBe('cache');
    expect(stats()).toEqual({ hits: 1, misses: 2 });
  });

  for (const [what, plant] of [
    ['a dangling symlink', (d: string) => symlinkSync(join(d, 'no-such-file'), join(d, 'zz_dangling.bc'))],
    ['a symlink loop', (d: string) => symlinkSync('zz_loop.bc', join(d, 'zz_loop.bc'))],
    ['a directory named like bitcode', (d: string) => mkdirSync(join(d, 'zz_dir.bc'))],
  ] as const) {
    it(`a device-library directory with ${what} in it: the digest is unknown, so the call goes direct and no change is hidden`, () => {
      const { work, compile, stats } = setup(what.replace(/\W/g, '-'));
      const bitcode = join(work, 'bitcode');
      cpSync(tools.deviceLibPath, bitcode, { recursive: true });
      plant(bitcode);
      const line = compile([`--rocm-device-lib-path=${bitcode}`]);
      expect(line.route).toBe('direct');
      expect(line.rules.find((r) => r.rule === 'toolchain-identity')?.reason).toMatch(/cannot be read/);
      // A library this arch never links, so the direct compile reads nothing changed.
      replaceKeepingMtime(join(bitcode, 'oclc_isa_version_1030.bc'));
      expect(compile([`--rocm-device-lib-path=${bitcode}`]).route).toBe('direct');
      expect(stats().hits).toBe(0);
    });
  }
});
