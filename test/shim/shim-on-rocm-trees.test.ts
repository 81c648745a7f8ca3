import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats, sccacheEnv, sccacheStats, statsSince, stopSccache } from '../helpers/caches.js';
import { run } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { tools } from '../helpers/tools.js';
import { buildHipcc, hipccEnv, kernelSource } from '../patch/hipcc-builds.js';
import { HIPCC_NAMES, LLVM15, hcl, listingDiff, makeTree, treeDigest, treeListing, type Tree, type TreeStyle } from './trees.js';

// The shim installed by the built executable's own `install` into two
// ROCm-like trees, driven by Debian's perl hipcc 5.2.3 and unpatched hipcc
// 7.0.2, with ccache and the HIP-capable sccache; then uninstalled.

type Hipcc = 'perl' | 'hipcc7';
type Cache = 'ccache' | 'sccache';
const PROBES: string[][] = [['--version'], ['-print-target-triple'], ['-print-resource-dir'], ['-dumpmachine'], ['-###', '-x', 'c++', '-c', '/dev/null', '-o', '/dev/null']];

const systemBefore = treeDigest(join(LLVM15, 'bin'));
let hipcc7: string;
beforeAll(() => {
  hipcc7 = buildHipcc('unpatched');
});
afterAll(() => {
  // Renames in the hard-linked copies never reached the system's files.
  expect(treeDigest(join(LLVM15, 'bin'))).toBe(systemBefore);
});

function hipccProgram(which: Hipcc): string {
  return which === 'perl' ? tools.hipccPerl : hipcc7;
}

function compile(which: Hipcc, tree: Tree, out: string, env: Record<string, string>) {
  return run(hipccProgram(which), ['--offload-arch=gfx900', '-c', kernelSource, '-o', out], { env: hipccEnv({ HIP_CLANG_PATH: tree.bin, ...env }) });
}

function compileAsync(which: Hipcc, tree: Tree, out: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(hipccProgram(which), ['--offload-arch=gfx900', '-c', kernelSource, '-o', out], { env: hipccEnv({ HIP_CLANG_PATH: tree.bin, ...env }) });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

function probeOutputs(bin: string): string[] {
  return ['clang', 'clang++', 'clang++-15'].flatMap((name) =>
    PROBES.map((args) => {
      const r = run(join(bin, name), args, { env: hipccEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache' }) });
      return `${name} ${args[0]} -> ${r.status}\n${r.stdout.toString()}${r.stderr}`;
    }),
  );
}

// ccache's non-zero counters, to say why a hit was missing.
function ccacheCounters(env: Record<string, string>): string {
  const out = execFileSync(tools.ccache, ['--print-stats'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return out.split('\n').filter((l) => /\t[1-9]/.test(l) && !l.includes('timestamp')).join(', ');
}

let port = 21000 + (process.pid % 2000) * 4;

const cases: { style: TreeStyle; given: (t: Tree) => string; runs: [Hipcc, Cache][] }[] = [
  { style: 'symlink-chain', given: (t) => t.root, runs: [['perl', 'ccache'], ['hipcc7', 'sccache']] },
  { style: 'real-files', given: (t) => t.root, runs: [['perl', 'sccache'], ['hipcc7', 'ccache']] },
];

describe.each(cases)('shim in a ROCm-like tree ($style)', ({ style, given, runs }) => {
  let dir: string;
  let tree: Tree;
  let before: Map<string, string>;
  let probesBefore: string[];
  const reference = new Map<Hipcc, Buffer>();

  beforeAll(() => {
    dir = makeTempDir(`hcl-shim-${style}-`);
    tree = makeTree(dir, style);
    before = treeListing(tree.root);
    probesBefore = probeOutputs(tree.bin);
    // Uncached objects from the untouched tree: what every cached compile must equal.
    for (const which of ['perl', 'hipcc7'] as Hipcc[]) {
      const out = join(dir, `ref-${which}.o`);
      const r = compile(which, tree, out, {});
      expect(r.status, r.stderr).toBe(0);
      reference.set(which, readFileSync(out));
    }
  });

  it('installs with the built executable, from the ROCm root', () => {
    const r = hcl(['install', given(tree), '--names', HIPCC_NAMES]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toContain(`installed in ${tree.bin}`);
    const status = JSON.parse(hcl(['status', tree.root, '--json']).out);
    expect(status.installed).toBe(true);
    expect(status.drift).toEqual([]);
    const entries = status.manifest.entries.map((e: { name: string; realName: string; kind: string }) => [e.name, e.realName, e.kind]);
    expect(entries.slice(0, 3)).toEqual(
      style === 'symlink-chain'
        ? [['clang', 'clang-real', 'symlink'], ['clang++', 'clang++-real', 'symlink'], ['clang++-15', 'clang++-15.real', 'symlink']]
        : [['clang', 'clang-real', 'file'], ['clang++', 'clang++-real', 'file'], ['clang++-15', 'clang++-15.real', 'file']],
    );
    // The tree's other links to clang (clang-cpp, clang-cl, ...) are wrapped too, so they keep working.
    const dependents = entries.slice(3);
    expect(dependents.map((e: string[]) => e[0])).toEqual(expect.arrayContaining(['clang-cl', 'clang-cpp']));
    for (const [name, realName, kind] of dependents) {
      expect(kind).toBe('symlink');
      expect(realName).toMatch(new RegExp(`^${name.replace(/[+.]/g, '\\$&')}[-.]real$`));
    }
  });

  it('16 parallel hipcc compiles right after install, cold sccache, no server: all succeed, identical objects', async () => {
    const env = { ...sccacheEnv(join(dir, 'par'), port++), HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip };
    try {
      const outs = Array.from({ length: 16 }, (_, i) => join(dir, `par-${i}.o`));
      const results = await Promise.all(outs.map((o) => compileAsync('hipcc7', tree, o, env)));
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      for (const o of outs) expect(readFileSync(o).equals(reference.get('hipcc7')!)).toBe(true);
    } finally {
      stopSccache(tools.sccacheHip, env);
    }
  });

  it('probes print exactly what the real compiler prints, InstalledDir included', () => {
    const after = probeOutputs(tree.bin);
    // A renamed real binary is its own /proc/self/exe: -### names clang++-real where it named clang++.
    const normal = (s: string) => (style === 'real-files' ? s.replace(/clang(\+\+)?(-15)?(-real|\.real)"/g, 'clang"') : s);
    const beforeNormal = probesBefore.map((s) => (style === 'real-files' ? s.replace(/clang(\+\+)?(-15)?"/g, 'clang"') : s));
    expect(after.map(normal)).toEqual(beforeNormal);
    expect(after.join('\n')).toContain(`InstalledDir: ${tree.bin}\n`);
  });

  it.each(runs)('%s hipcc compiles twice through the shim with %s: a hit, byte-identical objects', (which, cache) => {
    const cacheDir = join(dir, `${which}-${cache}`);
    mkdirSync(cacheDir);
    const env =
      cache === 'ccache'
        ? { ...ccacheEnv(cacheDir), HIP_CLANG_LAUNCHER_CACHE: 'ccache' }
        : { ...sccacheEnv(cacheDir, port++), HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip };
    try {
      // A clean rebuild of one object: the launcher's -cuid makes each output its own cache entry.
      const out = join(cacheDir, 'k.o');
      const counts = () => (cache === 'ccache' ? ccacheStats(env) : sccacheStats(tools.sccacheHip, env));
      let first = { hits: 0, misses: 0 };
      for (const n of [1, 2]) {
        rmSync(out, { force: true });
        const r = compile(which, tree, out, env);
        expect(r.status, r.stderr).toBe(0);
        expect(readFileSync(out).equals(reference.get(which)!)).toBe(true);
        if (n === 1) first = counts();
      }
      // The 1st compile missed (with ccache split per arch by default: its parts too), the 2nd is one hit.
      const stats = counts();
      expect(first.hits).toBe(0);
      expect(statsSince(first, stats), cache === 'ccache' ? ccacheCounters(env) : JSON.stringify(stats)).toEqual({ hits: 1, misses: 0 });
    } finally {
      if (cache === 'sccache') stopSccache(tools.sccacheHip, env);
    }
  });

  it('launcher mode given a shim path runs its real compiler, not itself', () => {
    const r = hcl([join(tree.bin, 'clang++'), '--version'], { HIP_CLANG_LAUNCHER_CACHE: 'none' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toContain(`InstalledDir: ${tree.bin}`);
  });

  it('a second install changes nothing', () => {
    const installed = treeDigest(tree.root);
    const r = hcl(['install', tree.bin, '--names', HIPCC_NAMES]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toContain('nothing changed');
    expect(treeDigest(tree.root)).toBe(installed);
  });

  it('uninstall restores the tree byte for byte; a second uninstall is fine', () => {
    const r = hcl(['uninstall', tree.root]);
    expect(r.status, r.stderr).toBe(0);
    expect(listingDiff(before, treeListing(tree.root))).toEqual([]);
    const again = hcl(['uninstall', tree.root]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.out).toContain('nothing changed');
    expect(listingDiff(before, treeListing(tree.root))).toEqual([]);
  });
});
