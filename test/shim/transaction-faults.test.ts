import * as fs from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HclError } from '../../src/errors.js';
import { realFsOps, withFault } from '../../src/shim/fs-ops.js';
import { installShim } from '../../src/shim/install-shim.js';
import { uninstallShim } from '../../src/shim/uninstall-shim.js';
import { cleanEnv, run } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built } from '../helpers/tools.js';
import { hcl, listingDiff, makeTree, treeListing, type Tree, type TreeStyle } from './trees.js';

// Every filesystem change of install and uninstall fails in turn (through the
// fs-ops layer), and the process is SIGKILLed before each change in turn
// (the built executable's test hook). Whatever happens, the tree ends up
// exactly as before, or exactly installed, and the next run says which.

const NAMES = ['clang', 'clang++'];
// Each kill point runs the executable ~8 times, each install copying it (~120 MB) into the tree.
const KILL_LOOP_TIMEOUT_MS = 600_000;
// clang++-15 is how Debian's hipcc reaches clang++; --version names the driver mode's target and InstalledDir.
const WORKING_NAMES = ['clang', 'clang++', 'clang++-15'];

function versionOf(tree: Tree, name: string): string {
  const r = run(join(tree.bin, name), ['--version'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' }) });
  return `exit ${r.status}\n${r.stdout.toString()}${r.stderr}`;
}

// The in-process installs below never run the shim: they install a small
// file in its place, where copying the 127 MB executable at each of some
// eighty installs (and hashing each copy for the tree listings) was most of
// their time. The built executable's own installs (the kills below) copy it.
// (Made at collection time: makeTempDir's clean-up hook belongs at the file's top level.)
const shimStandIn = join(makeTempDir('hcl-faults-shim-'), 'hip-clang-launcher');
fs.writeFileSync(shimStandIn, '#!/bin/sh\necho "stand-in for the shim: never run" >&2\nexit 1\n', { mode: 0o755 });

function tsInstall(tree: Tree, failAt?: number, warnings: string[] = []) {
  const ops = withFault(realFsOps, failAt === undefined ? {} : { failAt });
  let error: unknown;
  try {
    installShim({ given: tree.root, names: NAMES, platform: 'linux', shimSource: shimStandIn, toolVersion: 'test', cwd: '/', ops, warn: (l) => warnings.push(l) });
  } catch (e) {
    error = e;
  }
  return { ops, error };
}

function tsUninstall(tree: Tree, failAt?: number, warnings: string[] = []) {
  const ops = withFault(realFsOps, failAt === undefined ? {} : { failAt });
  let error: unknown;
  try {
    uninstallShim({ given: tree.root, platform: 'linux', cwd: '/', ops, warn: (l) => warnings.push(l) });
  } catch (e) {
    error = e;
  }
  return { ops, error };
}

const STEP_OR_JOURNAL = /failed (at step \d+ of \d+ \((link|write|remove) [^)]+\)|at the commit|before changing anything)/;

describe.each(['symlink-chain', 'real-files'] as TreeStyle[])('fault injection through the fs-ops layer (%s)', (style) => {
  let tree: Tree;
  let pristine: Map<string, string>;
  beforeAll(() => {
    tree = makeTree(makeTempDir(`hcl-faults-${style}-`), style, true);
    pristine = treeListing(tree.root);
  });

  it('install: each change failing in turn leaves the tree as it was, naming the step', () => {
    let n = 1;
    for (;; n += 1) {
      const warnings: string[] = [];
      const { ops, error } = tsInstall(tree, n, warnings);
      if (!ops.fired) {
        expect(error).toBeUndefined();
        break;
      }
      if (error === undefined) {
        // Past the commit line: installed, and the leftover is finished by the next run.
        expect(warnings.join('\n')).toMatch(/install is complete, but cleaning up failed/);
        expect(tsUninstall(tree).error).toBeUndefined();
      } else {
        expect(error).toBeInstanceOf(HclError);
        expect((error as HclError).message).toMatch(STEP_OR_JOURNAL);
        expect((error as HclError).message).toContain('injected fault');
      }
      expect(listingDiff(pristine, treeListing(tree.root)), `fault at change ${n}`).toEqual([]);
    }
    expect(n).toBeGreaterThan(10);
    expect(tsUninstall(tree).error).toBeUndefined();
    expect(listingDiff(pristine, treeListing(tree.root))).toEqual([]);
  });

  it('uninstall: each change failing in turn leaves the tree installed, naming the step', () => {
    expect(tsInstall(tree).error).toBeUndefined();
    let installed = treeListing(tree.root);
    let n = 1;
    for (;; n += 1) {
      const warnings: string[] = [];
      const { ops, error } = tsUninstall(tree, n, warnings);
      if (!ops.fired) {
        expect(error).toBeUndefined();
        break;
      }
      if (error === undefined) {
        expect(warnings.join('\n')).toMatch(/uninstall is complete, but cleaning up failed/);
        // The next run completes the uninstall; reinstall for the next fault.
        expect(tsUninstall(tree).error).toBeUndefined();
        expect(listingDiff(pristine, treeListing(tree.root)), `fault at change ${n}`).toEqual([]);
        expect(tsInstall(tree).error).toBeUndefined();
        installed = treeListing(tree.root);
        continue;
      }
      expect((error as HclError).message).toMatch(STEP_OR_JOURNAL);
      expect(listingDiff(installed, treeListing(tree.root)), `fault at change ${n}`).toEqual([]);
    }
    expect(n).toBeGreaterThan(8);
    expect(listingDiff(pristine, treeListing(tree.root))).toEqual([]);
  });
});

describe('faults and kills through the built executable (symlink-chain)', () => {
  let tree: Tree;
  let pristine: Map<string, string>;
  let versions: Map<string, string>;
  beforeAll(() => {
    tree = makeTree(makeTempDir('hcl-kill-'), 'symlink-chain', true);
    // Fewer links to clang, fewer changes to kill before: clang-15 <- clang <- clang++ <- clang++-15 stays.
    for (const name of ['clang-cpp', 'clang-cl']) fs.unlinkSync(join(tree.bin, name));
    pristine = treeListing(tree.root);
    versions = new Map(WORKING_NAMES.map((n) => [n, versionOf(tree, n)]));
  });
  const FAULT = 'HIP_CLANG_LAUNCHER_TEST_FAULT';

  // Wherever a kill leaves the tree, every name still runs its own compiler.
  function expectEveryNameWorks(when: string) {
    for (const name of WORKING_NAMES) expect(versionOf(tree, name), `${name} ${when}`).toBe(versions.get(name));
  }

  it('an injected failure gives a one-line error naming the step, exit code, tree untouched', () => {
    const r = hcl(['install', tree.root], { [FAULT]: 'fail-at=9' });
    expect(r.status).toBe(11);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(STEP_OR_JOURNAL);
    expect(listingDiff(pristine, treeListing(tree.root))).toEqual([]);
  });

  it('install killed before each change in turn: the next install or uninstall completes or rolls back, and says which', () => {
    let n = 1;
    const said = new Set<string>();
    for (;; n += 1) {
      const killed = hcl(['install', tree.root], { [FAULT]: `kill-at=${n}` });
      if (killed.signal !== 'SIGKILL') {
        expect(killed.status, killed.stderr).toBe(0);
        break;
      }
      expectEveryNameWorks(`after a kill before change ${n}`);
      const status = JSON.parse(hcl(['status', tree.root, '--json']).out);
      // Odd kills are recovered by install, even ones by uninstall.
      const next = hcl([n % 2 ? 'install' : 'uninstall', tree.root]);
      expect(next.status, next.stderr).toBe(0);
      if (status.interrupted) {
        const word = status.interrupted.committed ? 'completed' : 'rolled back';
        expect(next.out).toContain(`${word} an interrupted install`);
        said.add(word);
      }
      if (n % 2) {
        const after = JSON.parse(hcl(['status', tree.root, '--json']).out);
        expect(after.drift).toEqual([]);
        expect(hcl(['uninstall', tree.root]).status).toBe(0);
      }
      expect(listingDiff(pristine, treeListing(tree.root)), `killed before change ${n}`).toEqual([]);
    }
    expect([...said].sort()).toEqual(['completed', 'rolled back']);
    expect(hcl(['uninstall', tree.root]).status).toBe(0);
  }, KILL_LOOP_TIMEOUT_MS);

  it('uninstall killed before each change in turn: the next run finishes, tree restored or still installed', () => {
    expect(hcl(['install', tree.root]).status).toBe(0);
    let installed = treeListing(tree.root);
    for (let n = 1; ; n += 1) {
      const killed = hcl(['uninstall', tree.root], { [FAULT]: `kill-at=${n}` });
      if (killed.signal !== 'SIGKILL') {
        expect(killed.status, killed.stderr).toBe(0);
        break;
      }
      expectEveryNameWorks(`after a kill of uninstall before change ${n}`);
      const status = JSON.parse(hcl(['status', tree.root, '--json']).out);
      const next = hcl(['install', tree.root]);
      expect(next.status, next.stderr).toBe(0);
      if (status.interrupted ? status.interrupted.committed : !status.installed) {
        // The uninstall had committed (or even finished): completed, then installed afresh (a new manifest, all else equal).
        if (status.interrupted) expect(next.out).toContain('completed an interrupted uninstall');
        const now = treeListing(tree.root);
        expect(listingDiff(installed, now).map((d) => d.split(':')[0])).toEqual(['llvm/bin/hip-clang-launcher.shim.json']);
        installed = now;
        continue;
      }
      if (status.interrupted) expect(next.out).toContain('rolled back an interrupted uninstall');
      expect(listingDiff(installed, treeListing(tree.root)), `killed before change ${n}`).toEqual([]);
    }
    expect(listingDiff(pristine, treeListing(tree.root))).toEqual([]);
  }, KILL_LOOP_TIMEOUT_MS);
});
