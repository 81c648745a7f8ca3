import * as fs from 'node:fs';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, run } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { LLVM15, hcl, listingDiff, makeDebianTree, makeTree, treeListing, type Tree } from './trees.js';

// Files in the bin dir anyone able to write it can edit or plant: the
// manifest, the journal, the lock and the temp names. Each hostile edit is
// refused in one line, runs nothing it names, and changes nothing. Then
// repair: each kind of upgrade after install shows as drift, and one install
// leaves status clean, or says what it cannot repair.

const MANIFEST = 'hip-clang-launcher.shim.json';
const JOURNAL = 'hip-clang-launcher.journal';

function expectRefused(r: { status: number | null; stderr: string }, pattern: RegExp) {
  expect(r.status, r.stderr).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^hip-clang-launcher: error: /);
  expect(lines[0]).toMatch(pattern);
}

function runName(tree: Tree, name: string, args = ['--version']) {
  return run(join(tree.bin, name), args, { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' }) });
}

function editManifest(tree: Tree, edit: (m: { entries: Record<string, unknown>[] }) => void): void {
  const file = join(tree.bin, MANIFEST);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(manifest);
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
}

describe('a manifest, journal, lock or temp name planted or edited by someone else', () => {
  let dir: string;
  let tree: Tree;
  let marker: string;
  let evil: string;
  let pristineManifest: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-tamper-');
    tree = makeTree(dir, 'symlink-chain', true);
    marker = join(dir, 'evil-ran');
    evil = join(dir, 'evil.sh');
    fs.writeFileSync(evil, `#!/bin/sh\ntouch ${marker}\necho evil\n`, { mode: 0o755 });
    expect(hcl(['install', tree.root]).status).toBe(0);
    pristineManifest = fs.readFileSync(join(tree.bin, MANIFEST), 'utf8');
  });
  beforeEach(() => {
    fs.writeFileSync(join(tree.bin, MANIFEST), pristineManifest);
    for (const name of ['evil-real', 'loop-real', JOURNAL, 'hip-clang-launcher.lock']) fs.rmSync(join(tree.bin, name), { force: true });
    fs.rmSync(marker, { force: true });
  });

  it('originalTarget set to a script elsewhere: uninstall checks the recorded sha256 and refuses, changing nothing', () => {
    editManifest(tree, (m) => {
      m.entries.find((e) => e.name === 'clang++')!.originalTarget = evil;
    });
    const before = treeListing(tree.root);
    expectRefused(hcl(['uninstall', tree.root]), /refusing to uninstall .*clang\+\+ would be restored to a link to .*evil\.sh.*not the compiler recorded at install/);
    expect(listingDiff(before, treeListing(tree.root))).toEqual([]);
    // A link to a file in the bin dir that is not the compiler is refused the same way.
    editManifest(tree, (m) => {
      m.entries.find((e) => e.name === 'clang++')!.originalTarget = 'hip-clang-launcher';
    });
    expectRefused(hcl(['uninstall', tree.root]), /clang\+\+ would be restored to a link to hip-clang-launcher, reaching .*sha256 differs/);
    expect(fs.readlinkSync(join(tree.bin, 'clang++'))).toBe('hip-clang-launcher');
  });

  it("realName set to hip-clang-launcher: the shim refuses in one line and does not run itself; every command refuses", () => {
    editManifest(tree, (m) => {
      m.entries.find((e) => e.name === 'clang++')!.realName = 'hip-clang-launcher';
    });
    const before = treeListing(tree.root);
    const r = runName(tree, 'clang++');
    expectRefused(r, /realName hip-clang-launcher is hip-clang-launcher's own file or a shim, never a real compiler/);
    expect(r.stdout.toString()).toBe('');
    for (const command of ['install', 'uninstall', 'status']) expectRefused(hcl([command, tree.root]), /never a real compiler/);
    expect(listingDiff(before, treeListing(tree.root))).toEqual([]);
  });

  it('realName naming another shim, a path, or a link that resolves to the shim or leaves the bin dir: refused, nothing run', () => {
    fs.symlinkSync(evil, join(tree.bin, 'evil-real'));
    fs.symlinkSync('hip-clang-launcher', join(tree.bin, 'loop-real'));
    const cases: [string, RegExp][] = [
      ['clang', /realName clang is hip-clang-launcher's own file or a shim/],
      ['../../evil.sh', /names a path, not a file in the bin dir/],
      ['evil-real', /refusing to run the real compiler of clang\+\+ .*: evil-real resolves to .*evil\.sh, outside the bin dir/],
      ['loop-real', /refusing to run the real compiler of clang\+\+ .*: loop-real resolves to hip-clang-launcher itself/],
    ];
    for (const [realName, pattern] of cases) {
      editManifest(tree, (m) => {
        m.entries.find((e) => e.name === 'clang++')!.realName = realName;
      });
      const r = runName(tree, 'clang++');
      expectRefused(r, pattern);
      expect(r.stdout.toString(), realName).toBe('');
      expect(fs.existsSync(marker), realName).toBe(false);
    }
  });

  it('a journal whose real compilers or steps point outside the bin dir is refused by the shim, install and uninstall', () => {
    // An install caught between its steps: no manifest yet, the journal names the real compilers.
    fs.renameSync(join(tree.bin, MANIFEST), join(dir, 'manifest.saved'));
    fs.symlinkSync(evil, join(tree.bin, 'evil-real'));
    const journal = (reals: Record<string, string>, steps: unknown[] = []) =>
      fs.writeFileSync(join(tree.bin, JOURNAL), `${JSON.stringify({ journal: 2, action: 'install', txid: 't', pid: 999999999, started: 'then', reals, steps })}\n`);
    try {
      // The honest journal: the shim compiles through it.
      journal({ clang: 'clang-real', 'clang++': 'clang++-real' });
      expect(runName(tree, 'clang++').status).toBe(0);
      journal({ 'clang++': 'evil-real' });
      expectRefused(runName(tree, 'clang++'), /evil-real resolves to .*evil\.sh, outside the bin dir/);
      journal({ 'clang++': '../evil.sh' });
      expectRefused(runName(tree, 'clang++'), /journal .* is unreadable or was edited \('reals' maps "clang\+\+" to "\.\.\/evil\.sh"/);
      expect(fs.existsSync(marker)).toBe(false);
      journal({}, [{ op: 'place', path: '../../outside', from: { symlink: 'x' } }]);
      const before = treeListing(dir);
      for (const command of ['install', 'uninstall']) expectRefused(hcl([command, tree.root]), /steps\[0\] names "\.\.\/\.\.\/outside", not a file in the bin dir/);
      expect(listingDiff(before, treeListing(dir))).toEqual([]);
    } finally {
      fs.rmSync(join(tree.bin, JOURNAL), { force: true });
      fs.renameSync(join(dir, 'manifest.saved'), join(tree.bin, MANIFEST));
    }
  });

  it('a lock, journal or manifest planted as a symlink is not followed: refused in one line, its target untouched', () => {
    const target = join(dir, 'precious');
    fs.writeFileSync(target, 'precious\n');
    const before = treeListing(dir);
    for (const [name, pattern] of [
      ['hip-clang-launcher.lock', /lock file .* is not one hip-clang-launcher made/],
      [JOURNAL, /journal .* is unreadable or was edited/],
    ] as const) {
      fs.symlinkSync(target, join(tree.bin, name));
      expectRefused(hcl(['install', tree.root]), pattern);
      fs.unlinkSync(join(tree.bin, name));
      expect(listingDiff(before, treeListing(dir))).toEqual([]);
    }
    // A dangling planted lock is not created through either.
    fs.symlinkSync(join(dir, 'created-through-link'), join(tree.bin, 'hip-clang-launcher.lock'));
    expectRefused(hcl(['install', tree.root]), /lock file .* is not one hip-clang-launcher made/);
    fs.unlinkSync(join(tree.bin, 'hip-clang-launcher.lock'));
    expect(fs.existsSync(join(dir, 'created-through-link'))).toBe(false);
    // The manifest as a link: the shim and every command refuse.
    fs.renameSync(join(tree.bin, MANIFEST), join(dir, 'manifest.saved'));
    fs.symlinkSync(join(dir, 'manifest.saved'), join(tree.bin, MANIFEST));
    try {
      expectRefused(runName(tree, 'clang++'), /shim manifest .* is unreadable .*symlink|ELOOP/);
      expectRefused(hcl(['uninstall', tree.root]), /shim manifest .* is unreadable/);
    } finally {
      fs.unlinkSync(join(tree.bin, MANIFEST));
      fs.renameSync(join(dir, 'manifest.saved'), join(tree.bin, MANIFEST));
    }
    // A temp name planted as a link is replaced, never written through.
    fs.symlinkSync(target, join(tree.bin, `${MANIFEST}.hcl-tmp`));
    const r = hcl(['install', tree.root, '--cache', 'ccache']);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(target, 'utf8')).toBe('precious\n');
    expect(fs.existsSync(join(tree.bin, `${MANIFEST}.hcl-tmp`))).toBe(false);
    pristineManifest = fs.readFileSync(join(tree.bin, MANIFEST), 'utf8');
  });
});

describe('repair: every kind of upgrade after install shows as drift, and one install repairs it', () => {
  let tree: Tree;
  let pristine: Map<string, string>;
  let version: string;
  const driftOf = () => JSON.parse(hcl(['status', tree.root, '--json']).out).drift.map((d: { name: string; kind: string }) => `${d.name} ${d.kind}`).sort();
  // dpkg's way: the new entry under a temp name, renamed over the old.
  const replace = (name: string, make: (tmp: string) => void) => {
    const tmp = join(tree.bin, `${name}.dpkg-new`);
    make(tmp);
    fs.renameSync(tmp, join(tree.bin, name));
  };
  const upgradedCopy = (tag: string) => (tmp: string) => {
    fs.copyFileSync(join(LLVM15, 'bin/clang'), tmp);
    fs.appendFileSync(tmp, tag);
  };
  const expectRepaired = (said: RegExp) => {
    const r = hcl(['install', tree.root]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toMatch(said);
    expect(driftOf()).toEqual([]);
    expect(hcl(['install', tree.root]).out).toContain('nothing changed');
    expect(runName(tree, 'clang++').stdout.toString()).toBe(version);
  };
  // The tree's own real compiler (see ownCopy), kept aside to put back after the upgrades.
  let original: string;
  beforeAll(() => {
    const dir = makeTempDir('hcl-repair-');
    tree = makeTree(dir, 'symlink-chain', true);
    original = join(dir, 'clang-15.original');
    fs.linkSync(join(tree.bin, 'clang-15'), original);
    pristine = treeListing(tree.root);
    version = runName(tree, 'clang++').stdout.toString();
    expect(hcl(['install', tree.root]).status).toBe(0);
  });

  it('the real binary the links reach (clang-15) replaced: drift on every name reaching it; install re-records it', () => {
    replace('clang-15', upgradedCopy('upgrade 1'));
    expect(driftOf()).toEqual(['clang real-changed', 'clang++ real-changed', 'clang++-15 real-changed', 'clang-cl real-changed', 'clang-cpp real-changed']);
    expect(hcl(['status', tree.root]).out).toContain('the real compiler');
    expectRepaired(/repaired: the real compiler .*clang-15 changed since install \(an upgrade\?\); recorded the new one/);
  });

  it('a wrapped name replaced (a package writes its link over the shim): install wraps the new one', () => {
    replace('clang++', (tmp) => fs.symlinkSync('clang', tmp));
    expect(driftOf()).toEqual(['clang++ shim-replaced']);
    expectRepaired(/repaired: clang\+\+ was replaced since install/);
  });

  it('a link retargeted: the real compiler link, and a wrapped name moved to a new version', () => {
    replace('clang-16', upgradedCopy('clang 16'));
    replace('clang-real', (tmp) => fs.symlinkSync('clang-16', tmp));
    expect(driftOf()).toEqual(['clang real-changed']);
    expectRepaired(/repaired: clang-real led to clang-16, not clang-15, since install; recorded it/);
    // An upgrade points clang at clang-16' (a new file): clang is wrapped anew, its real compiler relinked.
    replace('clang-16b', upgradedCopy('clang 16b'));
    replace('clang', (tmp) => fs.symlinkSync('clang-16b', tmp));
    expect(driftOf()).toEqual(['clang shim-replaced']);
    expectRepaired(/repaired: clang was replaced since install/);
    expect(fs.readlinkSync(join(tree.bin, 'clang-real'))).toBe('clang-16b');
  });

  it('what cannot be repaired is said, and nothing changes', () => {
    fs.renameSync(join(tree.bin, 'clang-16b'), join(tree.bin, 'clang-16b.away'));
    const before = treeListing(tree.root);
    expectRefused(hcl(['install', tree.root]), /clang-real .*ends at .*clang-16b, which is missing|cannot repair/);
    expect(listingDiff(before, treeListing(tree.root))).toEqual([]);
    fs.renameSync(join(tree.bin, 'clang-16b.away'), join(tree.bin, 'clang-16b'));
  });

  it('uninstall after the repairs puts back what the upgrades left, and the tree as it began once they are undone', () => {
    // Undo the simulated upgrades first, then repair, so uninstall restores the original tree.
    replace('clang', (tmp) => fs.symlinkSync('clang-15', tmp));
    replace('clang-15', (tmp) => fs.linkSync(original, tmp));
    expect(hcl(['install', tree.root]).status).toBe(0);
    expect(driftOf()).toEqual([]);
    const r = hcl(['uninstall', tree.root]);
    expect(r.status, r.stderr).toBe(0);
    for (const name of ['clang-16', 'clang-16b']) fs.unlinkSync(join(tree.bin, name));
    expect(listingDiff(pristine, treeListing(tree.root))).toEqual([]);
  });
});

// Debian's own llvm layout (and the lab's llvm-21): clang is the one real
// binary and a wrapped name at once; clang++, clang-15 and clang-cpp link to it.
describe("repair on Debian's layout: an upgrade writes a new clang over the shim", () => {
  it('one install wraps the new clang and re-records every link that reaches it; uninstall gives the original tree back', () => {
    const tree = makeDebianTree('hcl-repair-debian-', true);
    const { bin } = tree;
    const pristine = treeListing(tree.root);
    const drift = () => JSON.parse(hcl(['status', tree.root, '--json']).out).drift.map((d: { name: string; kind: string }) => `${d.name} ${d.kind}`).sort();
    expect(hcl(['install', tree.root]).status).toBe(0);
    expect(drift()).toEqual([]);

    // dpkg's way: the new clang under a temp name, renamed over the shim.
    fs.copyFileSync(join(LLVM15, 'bin/clang'), join(bin, 'clang.dpkg-new'));
    fs.appendFileSync(join(bin, 'clang.dpkg-new'), 'upgrade');
    fs.renameSync(join(bin, 'clang.dpkg-new'), join(bin, 'clang'));
    expect(drift()).toEqual(['clang shim-replaced']);
    const r = hcl(['install', tree.root]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toContain('repaired: clang was replaced since install');
    expect(drift()).toEqual([]);
    expect(hcl(['install', tree.root]).out).toContain('nothing changed');
    expect(runName(tree, 'clang++').status).toBe(0);

    // The original back the same way, repaired, uninstalled: the tree as it began.
    fs.copyFileSync(join(LLVM15, 'bin/clang'), join(bin, 'clang.dpkg-new'));
    fs.renameSync(join(bin, 'clang.dpkg-new'), join(bin, 'clang'));
    expect(hcl(['install', tree.root]).status).toBe(0);
    expect(drift()).toEqual([]);
    expect(hcl(['uninstall', tree.root]).status).toBe(0);
    expect(listingDiff(pristine, treeListing(tree.root))).toEqual([]);
  });

  // A driver started before the install finds its own file renamed over, and
  // runs `<argv[0] resolved> -cc1 ...`: this executable, by its own name.
  it("clang re-running itself (-cc1) after an install took its name reaches the real clang, uncached; outside a shim dir it is a one-line error", () => {
    const tree = makeDebianTree('hcl-cc1-');
    const { root: dir, bin } = tree;
    fs.writeFileSync(join(dir, 'x.c'), '#define TWICE(x) ((x) * 2)\nint f(void) { return TWICE(21); }\n');
    const cc1 = ['-cc1', '-E', '-x', 'c', join(dir, 'x.c')];
    const direct = run(join(bin, 'clang'), cc1, { env: cleanEnv() });
    expect(direct.status).toBe(0);
    expect(hcl(['install', tree.root, '--cache', 'ccache']).status).toBe(0);
    const viaShim = run(join(bin, 'hip-clang-launcher'), cc1, { env: cleanEnv({ HIP_CLANG_LAUNCHER_LOG: join(dir, 'calls.jsonl') }) });
    expect(viaShim.stderr.toString()).toBe('');
    expect(viaShim.status).toBe(0);
    expect(viaShim.stdout.equals(direct.stdout)).toBe(true);
    const logged = JSON.parse(fs.readFileSync(join(dir, 'calls.jsonl'), 'utf8').trim());
    expect(logged).toMatchObject({ compiler: join(bin, 'clang-real'), route: 'bypass' });
    expect(hcl(['uninstall', tree.root]).status).toBe(0);

    const outside = hcl(['-cc1', '-E', 'x.c']);
    expect(outside.status).toBe(2);
    expect(outside.stderr).toMatch(/^hip-clang-launcher: error: unknown option '-cc1': clang's internal mode reaches this executable only as a shim, and no shim with a real clang is installed in [^;\n]+; run clang itself, or 'hip-clang-launcher <compiler> <args...>' to compile\n$/);
  });
});
