import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built } from '../helpers/tools.js';
import { LLVM15, expectRefused, hcl, listingDiff, liveLockRecord, makeTree, treeListing, type Tree } from './trees.js';

// Bad input gets one line naming the problem and the fix, a non-zero exit,
// and no change on disk. Drift: an upgrade that replaced a shim is reported,
// repaired by install, and kept by uninstall.

describe('bad input (built executable)', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-bad-');
  });

  it('a missing path', () => {
    expectRefused(hcl(['install', join(dir, 'nope')]), /nope does not exist; give a ROCm root/, 5);
  });

  it('a directory without clang', () => {
    fs.mkdirSync(join(dir, 'empty'));
    expectRefused(hcl(['install', join(dir, 'empty')]), /no clang or clang\+\+ in .*empty/, 5);
    expect(fs.readdirSync(join(dir, 'empty'))).toEqual([]);
  });

  it('a read-only directory', () => {
    const tree = makeTree(join(dir), 'real-files', true);
    const before = treeListing(tree.root);
    // The bin dir itself is ours to chmod (only its files are hard links).
    fs.chmodSync(tree.bin, 0o555);
    try {
      // root may write anywhere: drop to nobody to meet a read-only tree.
      const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', built.linux] : [built.linux];
      fs.chmodSync(dir, 0o755);
      const r = execFileSync('sh', ['-c', '"$@" 2>&1; echo "exit=$?"', 'sh', ...asUser, 'install', tree.root], { encoding: 'utf8' });
      expect(r).toMatch(/^hip-clang-launcher: error: .*bin is not writable; run as a user who may change that tree.*\nexit=7\n$/);
    } finally {
      fs.chmodSync(tree.bin, 0o755);
    }
    expect(listingDiff(before, treeListing(tree.root))).toEqual([]);
  });

  const foreign: [string, (bin: string) => void, RegExp][] = [
    [
      "TheRock's setup_sccache_rocm.py",
      (bin) => {
        fs.mkdirSync(join(bin, 'backup_for_sccache'));
        fs.renameSync(join(bin, 'clang++'), join(bin, 'backup_for_sccache', 'clang++'));
        fs.writeFileSync(join(bin, 'clang++'), '#!/bin/sh\nexec sccache "$(dirname "$0")/backup_for_sccache/clang++" "$@"\n', { mode: 0o755 });
      },
      /backup_for_sccache exists: this tree is wrapped by TheRock's setup_sccache_rocm.py; restore it first/,
    ],
    [
      "PyTorch CI's original/ layout",
      (bin) => {
        fs.mkdirSync(join(bin, 'original'));
        fs.renameSync(join(bin, 'clang'), join(bin, 'original', 'clang'));
        fs.writeFileSync(join(bin, 'clang'), '#!/bin/sh\nexec sccache $(dirname $0)/original/clang "$@"\n', { mode: 0o755 });
      },
      /original holds clang: this tree is wrapped by PyTorch CI's install_cache.sh/,
    ],
    [
      'a bare sh wrapper',
      (bin) => {
        fs.unlinkSync(join(bin, 'clang++'));
        fs.writeFileSync(join(bin, 'clang++'), '#!/bin/sh\nexec ccache /usr/bin/clang++-15 "$@"\n', { mode: 0o755 });
      },
      /clang\+\+ is a shell script that runs ccache/,
    ],
    ['a ccache masquerade link', (bin) => (fs.unlinkSync(join(bin, 'clang++')), fs.symlinkSync('/usr/bin/ccache', join(bin, 'clang++'))), /clang\+\+ is a ccache masquerade link/],
  ];
  it.each(foreign)('a tree wrapped by %s', (_, wrap, pattern) => {
    const tree = makeTree(makeTempDir('hcl-foreign-'), 'real-files', true);
    wrap(tree.bin);
    const before = treeListing(tree.root);
    expectRefused(hcl(['install', tree.root]), pattern, 8);
    expect(listingDiff(before, treeListing(tree.root))).toEqual([]);
  });

  it('a corrupt manifest: install, uninstall and status refuse; nothing changes', () => {
    const tree = makeTree(makeTempDir('hcl-corrupt-'), 'symlink-chain', true);
    expect(hcl(['install', tree.root]).status).toBe(0);
    fs.writeFileSync(join(tree.bin, 'hip-clang-launcher.shim.json'), '{"tool": "hip-clang-launcher", "manifestVersion": 1, "entr');
    const before = treeListing(tree.root);
    for (const command of ['install', 'uninstall', 'status']) {
      expectRefused(hcl([command, tree.root]), /shim manifest .*hip-clang-launcher\.shim\.json is unreadable \(not JSON/, 9);
    }
    // The shim itself refuses too, with the same line.
    const r = execFileSync('sh', ['-c', '"$0" --version 2>&1; echo "exit=$?"', join(tree.bin, 'clang++')], { encoding: 'utf8' });
    expect(r).toMatch(/unreadable.*\nexit=9\n$/);
    expect(listingDiff(before, treeListing(tree.root))).toEqual([]);
  });

  it('a second install waits for the lock, then fails clearly; a dead holder is taken over', () => {
    const tree = makeTree(makeTempDir('hcl-lock-'), 'real-files', true);
    const lock = join(tree.bin, 'hip-clang-launcher.lock');
    fs.writeFileSync(lock, liveLockRecord());
    const before = treeListing(tree.root);
    expectRefused(hcl(['install', tree.root]), /another install or uninstall \(pid \d+\) is running/, 10);
    expect(listingDiff(before, treeListing(tree.root))).toEqual([]);
    fs.writeFileSync(lock, '999999999');
    expect(hcl(['install', tree.root]).status).toBe(0);
    expect(fs.existsSync(lock)).toBe(false);
    expect(hcl(['uninstall', tree.root]).status).toBe(0);
  });
});

describe('drift: an upgrade replaced a wrapped compiler', () => {
  let tree: Tree;
  beforeAll(() => {
    tree = makeTree(makeTempDir('hcl-drift-'), 'real-files', true);
  });

  it('status reports it, install repairs it, uninstall keeps the newer compiler', () => {
    expect(hcl(['install', tree.root]).status).toBe(0);
    // The "upgrade": a package manager writes a new clang++ over our shim link.
    const newer = join(tree.bin, 'clang++.dpkg-new');
    fs.copyFileSync(join(LLVM15, 'bin/clang'), newer);
    fs.appendFileSync(newer, 'upgrade');
    fs.renameSync(newer, join(tree.bin, 'clang++'));
    // Drift is exit 12 (README's table), in text and JSON alike.
    const json = hcl(['status', tree.root, '--json']);
    expect(json.status).toBe(12);
    const status = JSON.parse(json.out);
    expect(status.drift.map((d: { name: string; kind: string }) => `${d.name} ${d.kind}`)).toEqual(['clang++ shim-replaced']);
    const text = hcl(['status', tree.root]);
    expect(text.status).toBe(12);
    expect(text.out).toContain('clang++ was replaced since install');

    const repaired = hcl(['install', tree.root]);
    expect(repaired.status, repaired.stderr).toBe(0);
    expect(repaired.out).toContain('repaired: clang++ was replaced since install');
    const clean = hcl(['status', tree.root, '--json']);
    expect(clean.status).toBe(0);
    expect(JSON.parse(clean.out).drift).toEqual([]);
    expect(fs.readFileSync(join(tree.bin, 'clang++-real')).toString('latin1').endsWith('upgrade')).toBe(true);

    // Another upgrade, then uninstall: the newer clang++ stays; the stale real one goes.
    fs.unlinkSync(join(tree.bin, 'clang++'));
    fs.writeFileSync(join(tree.bin, 'clang++'), fs.readFileSync(join(LLVM15, 'bin/clang')), { mode: 0o755 });
    const newest = fs.readFileSync(join(tree.bin, 'clang++'));
    const r = hcl(['uninstall', tree.root]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toContain('kept clang++: it was replaced since install');
    expect(fs.readFileSync(join(tree.bin, 'clang++')).equals(newest)).toBe(true);
    expect(fs.existsSync(join(tree.bin, 'clang++-real'))).toBe(false);
    expect(fs.existsSync(join(tree.bin, 'clang-real'))).toBe(false);
    expect(fs.lstatSync(join(tree.bin, 'clang')).isFile()).toBe(true);
  });
});

describe('drift: an upgrade replaced the real compiler behind a shim', () => {
  it('uninstall names the upgrade (exit 12, nothing changed), install re-records it, then uninstall restores it', () => {
    const tree = makeTree(makeTempDir('hcl-drift-real-'), 'real-files', true);
    expect(hcl(['install', tree.root]).status).toBe(0);
    // The "upgrade" reaches the real binary: a new clang++-real, renamed in (dpkg's way).
    const newer = join(tree.bin, 'clang++-real.dpkg-new');
    fs.copyFileSync(join(LLVM15, 'bin/clang'), newer);
    fs.appendFileSync(newer, 'upgrade');
    fs.renameSync(newer, join(tree.bin, 'clang++-real'));
    expect(hcl(['status', tree.root]).status).toBe(12);
    const before = treeListing(tree.root);
    expectRefused(hcl(['uninstall', tree.root]), /clang\+\+-real, the real compiler behind clang\+\+, changed since install \(an upgrade\?\).*run hip-clang-launcher install on that tree first/, 12);
    expect(hcl(['uninstall', tree.root]).stderr).not.toContain('manifest was edited');
    expect(listingDiff(before, treeListing(tree.root))).toEqual([]);
    const repaired = hcl(['install', tree.root]);
    expect(repaired.status, repaired.stderr).toBe(0);
    const r = hcl(['uninstall', tree.root]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(join(tree.bin, 'clang++')).toString('latin1').endsWith('upgrade')).toBe(true);
  });
});
