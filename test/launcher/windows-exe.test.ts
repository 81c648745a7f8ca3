import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler, readRecord } from '../helpers/test-compiler.js';
import { built } from '../helpers/tools.js';
import { runWine, winPath } from '../helpers/wine.js';

// The win-x64 executable under Debian's wine64, with our test compiler built
// for Windows by mingw-w64 (a real Windows program, not a fake of clang).
describe('hip-clang-launcher.exe under wine', () => {
  let dir: string;
  let exe: string;
  let compiler: string;
  let record: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-wine-');
    const spaced = join(dir, 'Program Files', 'ROCm 6.4', 'bin');
    mkdirSync(spaced, { recursive: true });
    exe = join(dir, 'Program Files', 'hip-clang-launcher.exe');
    copyFileSync(built.windows, exe);
    compiler = buildTestCompiler(spaced, 'clang++', 'windows');
    record = join(dir, 'record');
  });

  const wine = (args: string[], env: Record<string, string> = {}) =>
    runWine(exe, args, dir, { HIP_CLANG_LAUNCHER_CACHE: 'none', TC_RECORD: `Z:${record}`, ...env });

  it('passes argv with spaces and quotes exactly, with the compiler path holding spaces', () => {
    const args = ['-c', 'C:\\My Files\\a b.hip', 'say "hi"', 'trailing\\', 'a\\"b', '-DNAME="x y"', '-o', 'out dir\\a.o'];
    const r = wine([winPath(compiler), ...args]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const argv = readRecord(record).argv;
    expect(argv.slice(1)).toEqual(args);
    expect(argv[0]!.toLowerCase()).toContain('rocm 6.4');
  });

  it('passes exit codes through', () => {
    for (const code of [0, 1, 3, 77]) expect(wine([winPath(compiler), '-c', 'x'], { TC_EXIT: String(code) }).status).toBe(code);
  });

  it('reports its version and a usage error like the Linux build', () => {
    expect(wine(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = wine(['-x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^hip-clang-launcher: error: unknown option '-x'/);
  });
});
