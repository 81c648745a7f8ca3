import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler, readRecord } from '../helpers/test-compiler.js';
import { built } from '../helpers/tools.js';
import { runWine, winPath } from '../helpers/wine.js';
import { treeListing } from './trees.js';

// The Windows shim end to end under wine64: the real win-x64 executable
// installs itself in place of clang.exe / clang++.exe. Those are FAKES (our
// mingw-built recording test compiler under clang's names): no Windows clang
// runs here. What is real: the .exe dispatching on its own name, the copies,
// the renames to driver-mode-keeping names, the manifest, and the restore.
describe('Windows shim under wine, installed over fake clang.exe / clang++.exe', () => {
  let dir: string;
  let bin: string;
  let exe: string;
  let record: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-wine-shim-');
    bin = join(dir, 'ROCm 6.4', 'lib', 'llvm', 'bin');
    mkdirSync(bin, { recursive: true });
    buildTestCompiler(bin, 'clang', 'windows');
    buildTestCompiler(bin, 'clang++', 'windows');
    mkdirSync(join(dir, 'tools'));
    exe = join(dir, 'tools', 'hip-clang-launcher.exe');
    copyFileSync(built.windows, exe);
    record = join(dir, 'record');
  });

  const hcl = (args: string[]) => runWine(exe, args, dir);
  const shim = (name: string, args: string[], env: Record<string, string> = {}) =>
    runWine(join(bin, name), args, dir, { TC_RECORD: winPath(record), ...env });

  it('installs, compiles through the shim with exact argv and exit codes, and uninstalls byte for byte', () => {
    const before = treeListing(join(dir, 'ROCm 6.4'));

    const installed = hcl(['install', winPath(join(dir, 'ROCm 6.4')), '--cache', 'none']);
    expect(installed.stderr).toBe('');
    expect(installed.status).toBe(0);
    expect(installed.stdout).toContain('clang++.exe -> shim; real compiler clang++-real.exe');

    const args = ['-c', 'C:\\My Files\\a b.hip', 'say "hi"', '-DNAME="x y"', '-o', 'out dir\\a.o'];
    const compiled = shim('clang++.exe', args);
    expect(compiled.status).toBe(0);
    const argv = readRecord(record).argv;
    // The real compiler runs under the name it was called by (its diagnostics say `clang++`, not `clang++-real`).
    expect(argv[0]!.toLowerCase()).toBe(winPath(join(bin, 'clang++.exe')).toLowerCase());
    expect(argv.slice(1)).toEqual(args);

    expect(shim('clang.exe', ['-c', 'x.c'], { TC_EXIT: '5' }).status).toBe(5);
    expect(readRecord(record).argv[0]!.toLowerCase()).toMatch(/\\clang\.exe$/);

    const status = hcl(['status', winPath(bin)]);
    expect(status.status).toBe(0);
    expect(status.stdout).toContain('drift:    none');

    const again = hcl(['install', winPath(bin), '--cache', 'none']);
    expect(again.status).toBe(0);

    const removed = hcl(['uninstall', winPath(bin)]);
    expect(removed.status).toBe(0);
    expect(treeListing(join(dir, 'ROCm 6.4'))).toEqual(before);
  });
});
