import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realFsOps, sha256OfFile, withFault } from '../../src/shim/fs-ops.js';
import { installShim } from '../../src/shim/install-shim.js';
import { findShimTarget } from '../../src/shim/real-compiler.js';
import { uninstallShim } from '../../src/shim/uninstall-shim.js';
import { createHost } from '../../src/host.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built } from '../helpers/tools.js';
import { listingDiff, treeListing } from './trees.js';

// SIMULATED Windows: the install plan for platform win32, run on this Linux
// filesystem against FAKE clang.exe files (no Windows clang exists here).
// What it shows: .exe names, shims as copies of the Windows executable,
// real compilers renamed to <stem>-real.exe, and a byte-for-byte uninstall.
describe('simulated Windows install with fake clang.exe files', () => {
  const root = makeTempDir('hcl-win-sim-');
  const bin = join(root, 'lib', 'llvm', 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(join(bin, 'clang.exe'), 'MZ fake clang.exe\n', { mode: 0o755 });
  fs.writeFileSync(join(bin, 'clang++.exe'), 'MZ fake clang++.exe\n', { mode: 0o755 });
  const opts = { given: root, platform: 'win32' as const, cwd: '/', warn: () => {} };

  it('fake: install wraps clang.exe and clang++.exe with copies of the .exe; uninstall restores them', () => {
    const before = treeListing(root);
    const shimExe = built.windows;
    const result = installShim({ ...opts, shimSource: shimExe, toolVersion: 'test', ops: withFault(realFsOps) });
    expect(result.manifest.entries.map((e) => [e.name, e.realName, e.kind])).toEqual([
      ['clang.exe', 'clang-real.exe', 'file'],
      ['clang++.exe', 'clang++-real.exe', 'file'],
    ]);
    const shimSha = sha256OfFile(shimExe);
    for (const name of ['hip-clang-launcher.exe', 'clang.exe', 'clang++.exe']) {
      expect(fs.lstatSync(join(bin, name)).isFile()).toBe(true);
      expect(sha256OfFile(join(bin, name))).toBe(shimSha);
    }
    expect(fs.readFileSync(join(bin, 'clang++-real.exe'), 'utf8')).toBe('MZ fake clang++.exe\n');
    // The shim finds its entry by the name Windows gives it: case folded, .exe trimmed.
    const host = { ...createHost(), platform: 'win32' as const };
    expect(findShimTarget(bin, 'clang++', host)?.entry.realName).toBe('clang++-real.exe');
    expect(findShimTarget(bin, 'clang', host)?.entry.realName).toBe('clang-real.exe');
    // Idempotent.
    expect(installShim({ ...opts, shimSource: shimExe, toolVersion: 'test', ops: withFault(realFsOps) }).changed).toBe(false);
    uninstallShim({ ...opts, ops: withFault(realFsOps) });
    expect(listingDiff(before, treeListing(root))).toEqual([]);
  });
});
