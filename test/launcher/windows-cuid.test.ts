import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler, readRecord } from '../helpers/test-compiler.js';
import { built } from '../helpers/tools.js';
import { runWine, winPath } from '../helpers/wine.js';

// The HIP rules in the win-x64 executable, under wine. A fake clang.exe and a
// fake ccache.exe (our mingw-built recording test program under those names:
// no Windows clang runs here) show what the launcher hands the cache: the
// -cuid it adds, with drive letters, backslashes and spaces in every path.
describe('fake clang.exe behind a recording fake ccache.exe: -cuid under wine', () => {
  let dir: string;
  let exe: string;
  let cache: string;
  let compiler: string;
  let record: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-wine-cuid-');
    const rocm = join(dir, 'Program Files', 'AMD', 'ROCm', '6.4', 'bin');
    mkdirSync(rocm, { recursive: true });
    exe = join(dir, 'hip-clang-launcher.exe');
    copyFileSync(built.windows, exe);
    compiler = buildTestCompiler(rocm, 'clang++', 'windows');
    cache = buildTestCompiler(join(dir), 'ccache', 'windows');
    record = join(dir, 'record');
    for (const checkout of ['a', 'b']) mkdirSync(join(dir, 'My Work', checkout, 'build'), { recursive: true });
  });

  // Compiles <checkout>\src\k.hip to `output` from <checkout>\build; returns the cuid the cache was handed.
  function cuidFrom(checkout: string, output: string, extra: string[] = [], env: Record<string, string> = {}): string | undefined {
    const root = winPath(join(dir, 'My Work', checkout));
    const args = ['-x', 'hip', '--offload-arch=gfx90a', `-I${root}\\include`, ...extra, '-c', `${root}\\src\\k.hip`, '-o', output];
    const r = runWine(exe, [winPath(compiler), ...args], dir, {
      HIP_CLANG_LAUNCHER_CACHE: `${winPath(cache)}`,
      // Lower-case drive and forward slashes: the base dir matches all the same.
      HIP_CLANG_LAUNCHER_BASEDIR: winPath(join(dir, 'My Work')).replace(/^Z:/, 'z:').replaceAll('\\', '/'),
      TC_RECORD: `Z:${record}`,
      ...env,
    }, join(dir, 'My Work', checkout, 'build'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const argv = readRecord(record).argv;
    // The cache is handed the compiler and the call as given, plus the id.
    expect(argv[1]).toBe(winPath(compiler));
    expect(argv.slice(2, 2 + args.length)).toEqual(args);
    return argv.slice(2 + args.length).find((a) => a.startsWith('-cuid='))?.slice('-cuid='.length);
  }

  it('adds a 16-hex -cuid, the same for the same relative output in two checkouts', () => {
    const a = cuidFrom('a', 'obj\\k.hip.o');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(cuidFrom('b', 'obj\\k.hip.o')).toBe(a);
    expect(cuidFrom('a', 'obj\\other.hip.o')).not.toBe(a);
  });

  it('keeps an explicit -cuid, adds none when turned off, and none to C++', () => {
    expect(cuidFrom('a', 'obj\\k.o', ['-cuid=mine'])).toBeUndefined();
    expect(cuidFrom('a', 'obj\\k.o', [], { HIP_CLANG_LAUNCHER_CUID: 'off' })).toBeUndefined();
    expect(cuidFrom('a', 'obj\\k.o', ['-x', 'c++'])).toBeUndefined();
  });
});
