import { closeSync, cpSync, mkdirSync, openSync, readFileSync, readdirSync, readSync, rmSync, statSync, symlinkSync, utimesSync, writeSync, copyFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheStats, sccacheEnv, sccacheStats, stopSccache } from '../helpers/caches.js';
import { SHARED_MACHINE_CCACHE } from '../helpers/hip-projects.js';
import { freePort } from '../helpers/ports.js';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { replaceKeepingMtime } from '../helpers/upgrade-file.js';
import { repoRoot, tools } from '../helpers/tools.js';

// A ROCm-like compiler tree (clang, its libclang-cpp, its headers, the device
// libraries) made of copies of Debian's, extracted again and again at one
// path as CI runners do. Same bytes with new mtimes must hit; a changed
// device library or compiler library with its old mtime back must miss.

const LLVM = '/usr/lib/llvm-15';

function makePristine(dir: string): void {
  const bin = join(dir, 'llvm', 'bin');
  const lib = join(dir, 'llvm', 'lib');
  const resource = join(lib, 'clang', '15.0.6');
  mkdirSync(bin, { recursive: true });
  mkdirSync(resource, { recursive: true });
  copyFileSync(join(LLVM, 'bin', 'clang'), join(bin, 'clang'));
  symlinkSync('clang', join(bin, 'clang++'));
  // Tools clang runs for a HIP compile, not part of what is digested: links will do.
  for (const tool of ['lld', 'ld.lld', 'clang-offload-bundler']) symlinkSync(join(LLVM, 'bin', tool), join(bin, tool));
  copyFileSync(join(LLVM, 'lib', 'libclang-cpp.so.15'), join(lib, 'libclang-cpp.so.15'));
  cpSync(join(LLVM, 'lib', 'clang', '15.0.6', 'include'), join(resource, 'include'), { recursive: true });
  for (const sub of ['lib', 'share']) symlinkSync(join(LLVM, 'lib', 'clang', '15.0.6', sub), join(resource, sub));
  cpSync(tools.deviceLibPath, join(dir, 'amdgcn', 'bitcode'), { recursive: true });
}

function setMtimes(dir: string, seconds: number): void {
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = join(dir, entry);
    if (!lstatSync(file).isSymbolicLink()) utimesSync(file, seconds, seconds);
  }
}

// rm -rf and extract again: new inodes, ctimes and (as a fresh tarball or copy gives) mtimes.
let extraction = 0;
function reextract(pristine: string, rocm: string): void {
  rmSync(rocm, { recursive: true, force: true });
  cpSync(pristine, rocm, { recursive: true, verbatimSymlinks: true });
  setMtimes(rocm, Math.floor(Date.now() / 1000) - 3600 * ++extraction);
}

// An in-place change of one byte, its mtime put back: only the ctime tells.
function flipByteKeepingMtime(file: string): void {
  const { mtime, atime, size } = statSync(file);
  const fd = openSync(file, 'r+');
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, size - 1);
  byte[0] = byte[0]! ^ 0xff;
  writeSync(fd, byte, 0, 1, size - 1);
  closeSync(fd);
  utimesSync(file, atime, mtime);
}

const source = join(repoRoot, 'test/fixtures/hip/saxpy.hip');

describe('a re-extracted ROCm hits, a changed one misses', () => {
  let dir: string;
  let pristine: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-rocm-');
    pristine = join(dir, 'pristine');
    makePristine(pristine);
  });

  const cases = [
    { cache: 'ccache', stats: (env: Record<string, string>) => ccacheStats(env) },
    { cache: 'sccache 0.10', stats: (env: Record<string, string>) => sccacheStats(tools.sccacheHip, env) },
  ] as const;
  for (const { cache, stats } of cases) {
    it(`${cache}: same bytes with new mtimes hit; a device library or compiler library changed under its old mtime misses`, async () => {
      const work = join(dir, cache.replace(/\W/g, '-'));
      const rocm = join(work, 'rocm');
      mkdirSync(work);
      const server = cache === 'ccache' ? { CCACHE_DIR: join(work, 'ccache'), ...SHARED_MACHINE_CCACHE } : sccacheEnv(work, await freePort());
      const env = cleanEnv({
        HIP_CLANG_LAUNCHER_CACHE: cache === 'ccache' ? 'ccache' : tools.sccacheHip,
        // Whole calls: the counts below are one lookup per compile under the toolchain's key
        // (the split, on by default, looks up each part under the same key).
        HIP_CLANG_LAUNCHER_SPLIT: 'off',
        HIP_CLANG_LAUNCHER_STATE_DIR: join(work, 'state'),
        ...server,
      });
      const counts = () => {
        const s = stats(server as Record<string, string>);
        return [s.hits, s.misses];
      };
      let n = 0;
      const compile = (extraEnv: Record<string, string> = {}) => {
        const out = join(work, `k${++n}.o`);
        const r = runLauncher(
          [join(rocm, 'llvm', 'bin', 'clang++'), '-x', 'hip', '--offload-arch=gfx90a', '--rocm-path=/usr', `--rocm-device-lib-path=${join(rocm, 'amdgcn', 'bitcode')}`, '-O2', '-c', source, '-o', out, '-cuid=0123456789abcdef'],
          { env: { ...env, ...extraEnv }, cwd: work },
        );
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        return readFileSync(out);
      };
      try {
        reextract(pristine, rocm);
        const first = compile();
        expect(counts()).toEqual([0, 1]);
        reextract(pristine, rocm);
        expect(compile().equals(first)).toBe(true);
        expect(counts()).toEqual([1, 1]);
        if (cache === 'ccache') {
          // ccache's own default: every re-extracted tree misses (and the user's setting wins).
          reextract(pristine, rocm);
          compile({ CCACHE_COMPILERCHECK: 'mtime' });
          reextract(pristine, rocm);
          compile({ CCACHE_COMPILERCHECK: 'mtime' });
          expect(counts()).toEqual([1, 3]);
        }
        const [hits, misses] = counts() as [number, number];
        // A device library clang does not link for gfx90a: the object is the same, the key must still change.
        flipByteKeepingMtime(join(rocm, 'amdgcn', 'bitcode', 'oclc_isa_version_1030.bc'));
        compile();
        expect(counts()).toEqual([hits, misses + 1]);
        replaceKeepingMtime(join(rocm, 'llvm', 'lib', 'libclang-cpp.so.15'));
        compile();
        expect(counts()).toEqual([hits, misses + 2]);
        // The changed tree, compiled again, hits its own entry.
        compile();
        expect(counts()).toEqual([hits + 1, misses + 2]);
      } finally {
        if (cache !== 'ccache') stopSccache(tools.sccacheHip, server as Record<string, string>);
      }
    });
  }
});
